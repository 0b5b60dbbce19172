# BITS is started for a rename that fails (a file held open); putting it
# back means stopping it, and it hangs: the put back must end at the
# step's timeout and say so, never report "put back".
playbook "putback_hangs" {}

service "start_bits" {
  name    = "BITS"
  state   = "running"
  timeout = "1s"
}

directory "software_distribution" {
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "C:\\Windows\\SDTemp"
}

service "bits_back" {
  name    = "BITS"
  state   = "stopped"
  timeout = "1s"
}
