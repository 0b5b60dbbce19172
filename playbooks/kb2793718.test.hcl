# Tests of kb2793718.hcl, run by "wuplay test kb2793718" (and by go test).

# A print server with a job stuck in the queue: the Spooler holds its
# spool files, Fax depends on it, and it was set to start by hand.
host "stuck_queue" {
  env = { windir = "C:\\Windows" }
  services = {
    Spooler = {
      state = "running", start_type = "manual", depends_on = ["RpcSs"]
      locks = ["C:\\Windows\\System32\\spool\\PRINTERS\\00017.SPL"]
    }
    Fax   = { state = "running", start_type = "manual", depends_on = ["Spooler"] }
    RpcSs = { state = "running", start_type = "automatic" }
  }
  files = {
    "C:\\Windows\\System32\\spool\\PRINTERS\\00017.SHD" = "shadow"
    "C:\\Windows\\System32\\spool\\PRINTERS\\00017.SPL" = "spool data"
    "C:\\Windows\\System32\\spool\\PRINTERS\\00018.SHD" = "shadow"
  }
}

test "stuck_queue_is_cleared" {
  description = "Spooler and Fax stopped, the spool files deleted, the Spooler started as Automatic; then a second run."
  host        = host.stuck_queue

  plan {
    exit_code = 2
    actions = {
      "service.stop_spooler"  = "stop"
      "files.spool_jobs"      = "delete"
      "service.start_spooler" = "start"
    }
  }
  apply {}
  expect "path" {
    path   = "C:\\Windows\\System32\\spool\\PRINTERS\\00017.SPL"
    exists = false
  }
  expect "path" {
    path = "C:\\Windows\\System32\\spool\\PRINTERS"
    type = "directory"
  }
  expect "service" {
    name       = "Spooler"
    state      = "running"
    start_type = "automatic"
  }
  plan {
    exit_code = 0
  }
}

test "spool_folder_from_the_registry" {
  description = "DefaultSpoolDirectory names another folder: its files go, the default folder's stay."
  host = {
    env = { windir = "C:\\Windows" }
    services = {
      Spooler = { state = "running", start_type = "automatic" }
    }
    registry = {
      "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print\\Printers" = {
        DefaultSpoolDirectory = { type = "string", data = "D:\\Spool" }
      }
    }
    files = {
      "D:\\Spool\\00020.SPL"                              = "spool data"
      "C:\\Windows\\System32\\spool\\PRINTERS\\keep.txt"  = "not a job"
    }
  }

  apply {}
  expect "path" {
    path   = "D:\\Spool\\00020.SPL"
    exists = false
  }
  expect "path" {
    path = "C:\\Windows\\System32\\spool\\PRINTERS\\keep.txt"
    type = "file"
  }
}
