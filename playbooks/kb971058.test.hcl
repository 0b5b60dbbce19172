# Tests of kb971058.hcl, run by "wuplay test kb971058" (and by go test).

# A machine whose Windows Update components need a reset: BITS, wuauserv
# and CryptSvc run and hold their files, and each recreates its folder
# when it starts, as on Windows.
host "reset" {
  env = {
    windir = "C:\\Windows", SystemRoot = "C:\\Windows"
    ALLUSERSPROFILE = "C:\\ProgramData", ProgramData = "C:\\ProgramData"
  }
  services = {
    BITS = {
      state = "running", start_type = "manual", depends_on = ["RpcSs"]
      locks = ["C:\\ProgramData\\Microsoft\\Network\\Downloader\\qmgr0.dat"]
    }
    wuauserv = {
      state = "running", start_type = "manual", depends_on = ["RpcSs"]
      locks   = ["C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb"]
      creates = ["C:\\Windows\\SoftwareDistribution\\DataStore", "C:\\Windows\\SoftwareDistribution\\Download"]
    }
    CryptSvc = {
      state = "running", start_type = "automatic", depends_on = ["RpcSs"]
      locks   = ["C:\\Windows\\System32\\catroot2\\edb.log"]
      creates = ["C:\\Windows\\System32\\catroot2"]
    }
    RpcSs = { state = "running", start_type = "automatic" }
  }
  commands = [
    { run = "cd /d %windir%\\system32 && for %d in (atl urlmon mshtml shdocvw browseui jscript vbscript scrrun msxml msxml3 msxml6 actxprxy softpub wintrust dssenh rsaenh gpkcsp sccbase slbcsp cryptdlg oleaut32 ole32 shell32 initpki wuapi wuaueng wuaueng1 wucltui wups wups2 wuweb qmgr qmgrprxy wucltux muweb wuwebv) do @if exist %d.dll regsvr32.exe /s %d.dll" },
    { run = "netsh winsock reset", output = "Successfully reset the Winsock Catalog. You must restart the computer in order to complete the reset." },
  ]
  files = {
    "C:\\ProgramData\\Microsoft\\Network\\Downloader\\qmgr0.dat"            = "bits queue"
    "C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb"            = "datastore"
    "C:\\Windows\\SoftwareDistribution\\Download\\5a1b\\update.mum"          = "update manifest"
    "C:\\Windows\\System32\\catroot2\\edb.log"                               = "catroot2 log"
  }
}

test "reset" {
  description = "The KB's steps 1 to 3 and 5 to 9: services stopped, the BITS queue deleted, DLLs and Winsock reset, services back; then a second run."
  host        = host.reset

  plan {
    exit_code = 2
    actions = {
      "service.stop_bits"       = "stop"
      "service.stop_wuauserv"   = "stop"
      "service.stop_cryptsvc"   = "stop"
      "files.bits_queue"        = "delete"
      "command.register_dlls"   = "run"
      "command.reset_winsock"   = "run"
      "directory.marker_folder" = "create"
      "file.done"               = "create"
      "service.start_bits"      = "start"
      "service.start_wuauserv"  = "start"
      "service.start_cryptsvc"  = "start"
    }
  }
  apply {}
  expect "path" {
    path   = "C:\\ProgramData\\Microsoft\\Network\\Downloader\\qmgr0.dat"
    exists = false
  }
  expect "path" {
    path = "C:\\Windows\\System32\\catroot2\\edb.log"
    type = "file"
  }
  expect "file" {
    path     = "C:\\ProgramData\\wuplay\\kb971058.done"
    contains = "KB971058"
  }
  expect "service" {
    name  = "CryptSvc"
    state = "running"
  }
  plan {
    exit_code = 0
  }
}

test "aggressive" {
  description = "Step 4 on a second attempt: DataStore, Download and catroot2 moved aside, and recreated as the services start."
  host        = host.reset
  variables   = { aggressive = "true" }

  apply {
    results = {
      "directory.datastore" = "done"
      "directory.download"  = "done"
      "directory.catroot2"  = "done"
    }
  }
  expect "file" {
    path    = "C:\\Windows\\System32\\catroot2.bak\\edb.log"
    content = "catroot2 log"
  }
  expect "file" {
    path    = "C:\\Windows\\SoftwareDistribution\\DataStore.bak\\DataStore.edb"
    content = "datastore"
  }
  expect "path" {
    path = "C:\\Windows\\System32\\catroot2"
    type = "directory"
  }
  plan {
    exit_code = 0
  }
}

test "stays_done_while_windows_stops_services" {
  description = "Once done, BITS and wuauserv stopping when idle, or a reboot, bring nothing back to do."
  host        = host.reset

  apply {}
  stop_service { name = "BITS" }
  stop_service { name = "wuauserv" }
  plan {
    exit_code = 0
  }
  reboot {}
  plan {
    exit_code = 0
  }
}
