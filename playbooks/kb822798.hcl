# KB822798: "You cannot install some updates or programs". Methods 4 and 5
# of the KB: stop the Cryptographic service, move the catroot2 folder
# aside (Windows recreates it when the service starts; it never recreates
# CatRoot, which wuplay refuses to touch), start the service, delete the
# temporary catalog files tmp*.cat; then stop Automatic Updates, empty
# SoftwareDistribution (its contents go, the folder stays) and start the
# service again. Restart the computer afterwards, as the KB says.
#
# Where the KB's text is dated: method 4 also deletes oem*.* in %windir%\inf,
# which on Vista and later are the INF files of installed third-party
# drivers; this playbook leaves them alone.
#
# Once done, the marker file says so, and a second run changes nothing.

playbook "kb822798" {
  title  = "You cannot install some updates or programs"
  source = "https://learn.microsoft.com/troubleshoot/windows-server/installing-updates-features-roles/cannot-install-updates-programs"
}

fact "path" "done" {
  path = "${env("ProgramData")}\\wuplay\\kb822798.done"
}

service "stop_cryptsvc" {
  name            = "CryptSvc"
  state           = "stopped"
  stop_dependents = true
}

directory "catroot2" {
  description = "ren %systemroot%\\System32\\Catroot2 oldcatroot2"
  when        = !fact.path.done.exists
  path        = "${env("windir")}\\System32\\catroot2"
  state       = "absent"
  rename_to   = "${env("windir")}\\System32\\oldcatroot2"
  if_exists   = "rotate"
}

service "start_cryptsvc" {
  name  = "CryptSvc"
  state = "previous"
}

files "temporary_catalogs_127d" {
  path    = "${env("windir")}\\System32\\CatRoot\\{127D0A1D-4EF2-11D1-8608-00C04FC295EE}"
  pattern = "tmp*.cat"
  state   = "absent"
}

files "temporary_catalogs_f750" {
  path    = "${env("windir")}\\System32\\CatRoot\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
  pattern = "tmp*.cat"
  state   = "absent"
}

service "stop_wuauserv" {
  name  = "wuauserv"
  state = "stopped"
}

directory "software_distribution" {
  description = "Method 5: delete the contents of SoftwareDistribution, keep the folder."
  when        = !fact.path.done.exists
  path        = "${env("windir")}\\SoftwareDistribution"
  state       = "empty"
}

service "start_wuauserv" {
  name  = "wuauserv"
  state = "previous"
}

directory "marker_folder" {
  path = "${env("ProgramData")}\\wuplay"
}

file "done" {
  path    = "${env("ProgramData")}\\wuplay\\kb822798.done"
  content = "catroot2 reset and SoftwareDistribution emptied (KB822798); restart the computer. Delete this file to do it again.\n"
}
