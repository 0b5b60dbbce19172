# A playbook that deletes the folder a test's host has, and writes a file
# by a path that climbs above its drive.
playbook "escape" {}

service "stop" {
  name  = "wuauserv"
  state = "stopped"
}

directory "software_distribution" {
  path  = "C:\\Windows\\SoftwareDistribution"
  state = "absent"
}

file "climbs" {
  path    = "C:\\..\\..\\..\\..\\escaped.txt"
  content = "escaped"
}
