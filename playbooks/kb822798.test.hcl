# Tests of kb822798.hcl, run by "wuplay test kb822798" (and by go test).

host "broken" {
  env = {
    windir = "C:\\Windows", SystemRoot = "C:\\Windows"
    ALLUSERSPROFILE = "C:\\ProgramData", ProgramData = "C:\\ProgramData"
  }
  services = {
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
  files = {
    "C:\\Windows\\System32\\catroot2\\edb.log"                                                = "catroot2 log"
    "C:\\Windows\\System32\\CatRoot\\{127D0A1D-4EF2-11D1-8608-00C04FC295EE}\\oem1.cat"       = "catalog"
    "C:\\Windows\\System32\\CatRoot\\{127D0A1D-4EF2-11D1-8608-00C04FC295EE}\\tmp4a1.cat"     = "temporary catalog"
    "C:\\Windows\\System32\\CatRoot\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\\tmp77.cat"      = "temporary catalog"
    "C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb"                             = "datastore"
    "C:\\Windows\\SoftwareDistribution\\Download\\5a1b\\update.mum"                           = "update manifest"
  }
}

test "catroot2_and_software_distribution_reset" {
  description = "Methods 4 and 5: catroot2 moved aside (CatRoot kept), temporary catalogs deleted, SoftwareDistribution emptied; then a second run."
  host        = host.broken

  plan {
    exit_code = 2
    actions = {
      "service.stop_cryptsvc"            = "stop"
      "directory.catroot2"               = "rename"
      "service.start_cryptsvc"           = "start"
      "files.temporary_catalogs_127d"    = "delete"
      "files.temporary_catalogs_f750"    = "delete"
      "service.stop_wuauserv"            = "stop"
      "directory.software_distribution"  = "empty"
      "service.start_wuauserv"           = "start"
      "directory.marker_folder"          = "create"
      "file.done"                        = "create"
    }
  }
  apply {}
  expect "file" {
    path    = "C:\\Windows\\System32\\oldcatroot2\\edb.log"
    content = "catroot2 log"
  }
  expect "path" {
    path = "C:\\Windows\\System32\\CatRoot\\{127D0A1D-4EF2-11D1-8608-00C04FC295EE}\\oem1.cat"
    type = "file"
  }
  expect "path" {
    path   = "C:\\Windows\\System32\\CatRoot\\{127D0A1D-4EF2-11D1-8608-00C04FC295EE}\\tmp4a1.cat"
    exists = false
  }
  expect "path" {
    path   = "C:\\Windows\\SoftwareDistribution\\Download\\5a1b"
    exists = false
  }
  expect "path" {
    path = "C:\\Windows\\SoftwareDistribution"
    type = "directory"
  }
  plan {
    exit_code = 0
  }
}

test "stays_done_after_a_reboot" {
  description = "Once done, the services' churn brings nothing back to do."
  host        = host.broken

  apply {}
  stop_service { name = "wuauserv" }
  reboot {}
  plan {
    exit_code = 0
  }
}
