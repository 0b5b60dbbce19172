# Deletes a folder below $WORK on this machine: a -report inside it would
# find its folder gone once the step ran.
playbook "delete" {}

directory "victim" {
  path  = "${env("WORK")}/victim"
  state = "absent"
}
