# Hostile tests: host folders named by a path that climbs out of the test
# file's folder, and by an absolute path (HOST is replaced by the Go test),
# and an inline host whose files climb above their drive. Each test must
# change its own copy only.

test "climbs_out_of_its_folder" {
  host = "../../hosts/broken"
  apply {}
  expect "path" {
    path   = "C:\\Windows\\SoftwareDistribution"
    exists = false
  }
}

test "absolute_folder" {
  host = "HOST"
  apply {}
}

test "inline_files_climb" {
  host = {
    env      = { windir = "C:\\Windows" }
    services = { wuauserv = { state = "running" } }
    files    = { "C:\\..\\..\\..\\inline-escaped.txt" = "escaped" }
    folders  = ["C:\\Windows\\SoftwareDistribution"]
  }
  apply {}
  expect "file" {
    path    = "C:\\inline-escaped.txt"
    content = "escaped"
  }
  expect "file" {
    path    = "C:\\escaped.txt"
    content = "escaped"
  }
}
