# Tests of kb10132.hcl, run by "wuplay test kb10132" (and by go test).

# A client cloned from an image: WSUS sees its SusClientId on other
# clients too.
host "cloned" {
  env = { windir = "C:\\Windows" }
  services = {
    wuauserv = { state = "running", start_type = "manual" }
  }
  registry = {
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate" = {
      SusClientId           = { type = "string", data = "5b9e1c2a-7f44-4e0b-9a3d-2c1f0e8d6b71" }
      SusClientIDValidation = { type = "binary", data = "0601000000060000" }
    }
  }
  commands = [{ run = "wuauclt.exe /resetauthorization /detectnow" }]
}

test "duplicated_id_is_reset" {
  description = "The client with the ID that WSUS shows duplicated: the ID values go, wuauserv starts (and makes a new one); a second run finds the symptom gone."
  host        = host.cloned
  variables   = { duplicate_id = "5B9E1C2A-7F44-4E0B-9A3D-2C1F0E8D6B71" }

  plan {
    exit_code = 2
    actions = {
      "service.stop_wuauserv"                   = "stop"
      "registry_value.sus_client_id"            = "delete"
      "registry_value.sus_client_id_validation" = "delete"
      "service.start_wuauserv"                  = "start"
      "command.report_to_wsus"                  = "run"
    }
  }
  apply {}
  expect "registry_value" {
    key    = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
    name   = "SusClientId"
    exists = false
  }
  expect "service" {
    name  = "wuauserv"
    state = "running"
  }
  plan {
    exit_code = 0
  }
}

test "another_id_is_left_alone" {
  description = "A client whose ID is not the duplicated one: nothing to do."
  host        = host.cloned
  variables   = { duplicate_id = "00000000-0000-0000-0000-000000000000" }

  plan {
    exit_code = 0
  }
  apply {}
  expect "registry_value" {
    key  = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
    name = "SusClientId"
    data = "5b9e1c2a-7f44-4e0b-9a3d-2c1f0e8d6b71"
  }
}

test "the_id_must_be_given" {
  description = "duplicate_id has no default: the plan says so."
  host        = host.cloned

  plan {
    error = "duplicate_id"
  }
}
