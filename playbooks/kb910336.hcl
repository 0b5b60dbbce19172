# KB910336: Windows Update fails with 0x80070002 or 0x80070003 after an
# update was downloaded, because files of the update are missing. The KB's
# procedure: stop the Automatic Updates service, rename
# %windir%\SoftwareDistribution to SDTemp, start the service again.
#
# What "already fixed" means. Windows recreates SoftwareDistribution when
# wuauserv starts, so "SoftwareDistribution absent" is not the end state of
# this fix and cannot be its guard. The lasting trace of the fix is SDTemp,
# the old tree kept aside: when SDTemp exists, the rename has been done and
# the playbook changes nothing (the service steps then cancel out: stopping
# and starting wuauserv around nothing achieves nothing).
#
# To run the fix again on purpose, use -replace=directory.software_distribution.
# The rename then refuses at plan time, before wuauserv is stopped, while the
# SDTemp of the earlier run exists: move or delete it first, so that nothing
# of it is lost by accident.

playbook "kb910336" {
  title  = "0x80070002 or 0x80070003 after downloading an update"
  source = "https://support.microsoft.com/kb/910336"
}

fact "path" "sdtemp" {
  path = "${env("windir")}\\SDTemp"
}

service "stop_automatic_updates" {
  description = "Stop the Automatic Updates service (net stop wuauserv)."
  name        = "wuauserv"
  state       = "stopped"
}

directory "software_distribution" {
  description = "Move the update store aside (ren SoftwareDistribution SDTemp)."
  when        = !fact.path.sdtemp.exists
  path        = "${env("windir")}\\SoftwareDistribution"
  state       = "absent"
  rename_to   = "${env("windir")}\\SDTemp"
}

service "start_automatic_updates" {
  description = "Start the Automatic Updates service again (net start wuauserv)."
  name        = "wuauserv"
  state       = "running"
}
