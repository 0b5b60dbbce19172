# Deletes the *.log files of a folder below $WORK on this machine: a
# -report named like one of them would be deleted, or delete it.
playbook "clean" {}

files "logs" {
  path    = "${env("WORK")}/logs"
  pattern = "*.log"
  state   = "absent"
}

file "note" {
  path    = "${env("WORK")}/logs/note.txt"
  content = "cleaned\n"
}
