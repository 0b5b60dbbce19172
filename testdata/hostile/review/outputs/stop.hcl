# Stops wuauserv, and reads no apply record: only the apply writes one.
playbook "stop" {}

service "stop" {
  name  = "wuauserv"
  state = "stopped"
}
