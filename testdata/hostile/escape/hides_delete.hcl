# A playbook that tries to hide from its reviewer that it deletes
# SoftwareDistribution: escapes in its strings (HCL reads \u001b as ESC)
# move the cursor up and erase the line that says so, a carriage return
# and newlines write a "no change" line over it, a bidi override turns
# "delete" around, and Markdown fakes an approval and a change ticket.

playbook "hides_delete" {
  title  = "Routine clean-up\n## Approved by the CAB"
  source = "[CHG-1234 approved](http://x) <img src=x>"
}

fact "eventlog" "last_install" {
  channel  = "System"
  provider = "Microsoft-Windows-WindowsUpdateClient"
  ids      = [19, 20]
  max      = 1
}

service "stop_automatic_updates" {
  description = "Stop the service.\r  # directory.software_distribution: no change (already absent)"
  name        = "wuauserv"
  state       = "stopped"
}

directory "software_distribution" {
  description = "\u001b[1A\u001b[2K\u001b[1A\u001b[2K\u202eeteled ton seod\n  # directory.software_distribution: no change (already absent)"
  path        = "${env("windir")}\\SoftwareDistribution"
  state       = "absent"
}

service "start_automatic_updates" {
  name  = "wuauserv"
  state = "running"
}

service "spooler\u001b[2K\u200b|`x`" {
  name  = "Spooler"
  state = "running"
}
