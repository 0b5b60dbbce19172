host "small" {
  env      = { windir = "C:\\Windows" }
  services = { wuauserv = { state = "running", start_type = "manual" } }
  files    = { "C:\\Windows\\SoftwareDistribution\\Download\\x.cab" = "cab" }
}

test "every_step" {
  description = "Each kind of step once."
  host        = host.small
  variables   = { aggressive = "true" }

  plan {
    exit_code = 2
    actions   = { "service.stop" = "stop" }
  }
  apply {
    results = { "service.stop" = "done" }
    replace = ["service.stop"]
  }
  wait { duration = "26h" }
  event {
    provider = "Microsoft-Windows-WindowsUpdateClient"
    id       = 20
    message  = "Installation Failure: 0x80070002"
  }
  stop_service { name = "wuauserv" }
  start_service { name = "wuauserv" }
  reboot {}
  expect "service" {
    name  = "wuauserv"
    state = "stopped"
  }
  expect "events" {
    provider = "Microsoft-Windows-WindowsUpdateClient"
    ids      = [19, 20]
    match    = "0x8007000[23]"
    count    = 1
  }
  expect "file" {
    path     = "C:\\Windows\\SoftwareDistribution\\Download\\x.cab"
    contains = "ca"
  }
}

test "a_folder" {
  host = "../../../testdata/hosts/broken"
  plan {
    error = "no such"
  }
}
