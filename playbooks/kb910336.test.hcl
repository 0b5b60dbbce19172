# Tests of kb910336.hcl, run by "wuplay test kb910336" (and by go test).
# The host is written out here, so that the tests run from the binary.

# A machine with the symptom: the newest installation failed with
# 0x80070002, the update's files are in SoftwareDistribution, and wuauserv
# runs, holds its datastore, and recreates its folders when it starts, as
# Windows' does.
host "broken" {
  env = { windir = "C:\\Windows", SystemRoot = "C:\\Windows" }
  services = {
    wuauserv = {
      state      = "running"
      start_type = "manual"
      depends_on = ["RpcSs"]
      locks      = ["C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb"]
      creates    = ["C:\\Windows\\SoftwareDistribution\\DataStore", "C:\\Windows\\SoftwareDistribution\\Download"]
    }
    RpcSs = { state = "running", start_type = "automatic" }
  }
  events = [
    {
      time     = "2026-11-20T09:12:44Z", channel = "System", provider = "Microsoft-Windows-WindowsUpdateClient", id = 19
      message  = "Installation Successful: Windows successfully installed the following update: 2026-10 Security Update (KB5031356)"
    },
    {
      time     = "2026-11-27T03:05:10Z", channel = "System", provider = "Microsoft-Windows-WindowsUpdateClient", id = 20
      message  = "Installation Failure: Windows failed to install the following update with error 0x80070002: 2026-11 Cumulative Update (KB5034441)."
    },
  ]
  files = {
    "C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb"                          = "datastore"
    "C:\\Windows\\SoftwareDistribution\\Download\\5a1b\\update.mum"                        = "update manifest"
    "C:\\Windows\\SoftwareDistribution\\Download\\5a1b\\windows10.0-kb5034441-x64.cab"     = "cabinet"
  }
}

test "broken_host_is_fixed" {
  description = "The KB's procedure on a machine with the symptom, then a second run that changes nothing."
  host        = host.broken

  plan {
    exit_code = 2
    actions = {
      "service.stop_automatic_updates"  = "stop"
      "directory.software_distribution" = "rename"
      "service.start_automatic_updates" = "start"
    }
  }
  apply {
    results = {
      "service.stop_automatic_updates"  = "done"
      "directory.software_distribution" = "done"
      "service.start_automatic_updates" = "done"
    }
  }
  expect "service" {
    name  = "wuauserv"
    state = "running"
  }
  expect "file" {
    path    = "C:\\Windows\\SDTemp\\Download\\5a1b\\update.mum"
    content = "update manifest"
  }
  # wuauserv recreated its folders as it started, empty.
  expect "path" {
    path = "C:\\Windows\\SoftwareDistribution\\Download\\5a1b"
    exists = false
  }
  expect "last_apply" {
    playbook = "kb910336"
    result   = "succeeded"
  }

  plan {
    exit_code = 0
  }
}

test "symptom_gone" {
  description = "An installation succeeded after the failure: nothing to do."
  host        = host.broken

  event {
    provider = "Microsoft-Windows-WindowsUpdateClient"
    id       = 19
    message  = "Installation Successful: Windows successfully installed the following update: 2026-11 Cumulative Update (KB5034441)"
  }
  plan {
    exit_code = 0
  }
  apply {}
  expect "path" {
    path = "C:\\Windows\\SDTemp"
    exists = false
  }
}

test "stays_fixed_while_windows_stops_and_starts_wuauserv" {
  description = "Windows stops the idle trigger-start service, starts it on a trigger, reboots: a fixed host stays compliant."
  host        = host.broken

  apply {}
  stop_service { name = "wuauserv" }
  plan {
    exit_code = 0
  }
  start_service { name = "wuauserv" }
  wait { duration = "6h" }
  plan {
    exit_code = 0
  }
  reboot {}
  expect "service" {
    name  = "wuauserv"
    state = "stopped"
  }
  plan {
    exit_code = 0
  }
}

test "the_error_comes_back" {
  description = "A failure newer than the last fix: the rename runs again, to SDTemp.1, keeping the first SDTemp."
  host        = host.broken

  apply {}
  wait { duration = "26h" }
  event {
    provider = "Microsoft-Windows-WindowsUpdateClient"
    id       = 20
    message  = "Installation Failure: Windows failed to install the following update with error 0x80070002: 2026-12 Cumulative Update (KB5036000)."
  }
  plan {
    exit_code = 2
    actions = {
      "service.stop_automatic_updates"  = "stop"
      "directory.software_distribution" = "rename"
      "service.start_automatic_updates" = "start"
    }
  }
  apply {}
  expect "path" {
    path = "C:\\Windows\\SDTemp.1\\Download"
    type = "directory"
  }
  expect "file" {
    path    = "C:\\Windows\\SDTemp\\Download\\5a1b\\update.mum"
    content = "update manifest"
  }
  plan {
    exit_code = 0
  }
}

test "wuauserv_already_stopped" {
  description = "Windows stopped the idle wuauserv before the fix: only the rename runs, and wuauserv stays stopped."
  host        = host.broken

  stop_service { name = "wuauserv" }
  plan {
    exit_code = 2
    actions = {
      "directory.software_distribution" = "rename"
    }
  }
  apply {}
  expect "service" {
    name  = "wuauserv"
    state = "stopped"
  }
  plan {
    exit_code = 0
  }
}
