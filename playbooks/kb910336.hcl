# KB910336: Windows Update fails with 0x80070002 or 0x80070003 after an
# update was downloaded, because files of the update are missing. The KB's
# procedure: stop the Automatic Updates service, rename
# %windir%\SoftwareDistribution to SDTemp, start the service again.
#
# When to act. The symptom is Windows Update's newest installation result
# in the System log (provider Microsoft-Windows-WindowsUpdateClient; event
# 19 is a success, 20 a failure) being a failure with 0x80070002 or
# 0x80070003. A later success means the symptom is gone: nothing to do.
# Where the event log cannot be read (wevtutil missing) or holds no
# installation result at all (cleared, or rolled over), the playbook acts,
# since whoever runs it has seen the error. The events read are kept in
# the saved plan and the apply report: renaming SoftwareDistribution erases
# Windows Update's own history of them.
#
# What "already fixed" means. Windows recreates SoftwareDistribution when
# wuauserv starts, so "SoftwareDistribution absent" is not the end state of
# this fix and cannot be its guard. The lasting trace of the fix is SDTemp,
# the old tree kept aside: when SDTemp exists, the rename has been done and
# the playbook changes nothing (the service steps then cancel out: stopping
# and starting wuauserv around nothing achieves nothing).
#
# When the error comes back. wuplay records each apply on the host (fact
# last_apply). A failed installation newer than the last successful fix
# means the error came back: the playbook acts again, keeps SDTemp, and
# moves the new tree to the first free SDTemp.1, SDTemp.2... Where SDTemp
# exists but no fix is recorded (done by hand), wuplay cannot tell when it
# was done and leaves it alone.
#
# "Start the service again" means "put it back": wuauserv is a trigger-start
# service that Windows stops when it is idle, so the last step returns it
# to the state the plan read it in (state = "previous"), and a fixed host
# whose wuauserv Windows has stopped is still compliant.
#
# To run the fix again on purpose, use
# -replace=directory.software_distribution.

playbook "kb910336" {
  title  = "0x80070002 or 0x80070003 after downloading an update"
  source = "https://support.microsoft.com/kb/910336"
  detect = (!fact.eventlog.last_install.available || fact.eventlog.last_install.count == 0 ||
  fact.eventlog.last_install_failed.count > 0)
}

fact "eventlog" "last_install" {
  channel  = "System"
  provider = "Microsoft-Windows-WindowsUpdateClient"
  ids      = [19, 20]
  max      = 1
}

fact "eventlog" "last_install_failed" {
  channel  = "System"
  provider = "Microsoft-Windows-WindowsUpdateClient"
  ids      = [19, 20]
  max      = 1
  match    = "0x8007000[23]"
}

fact "path" "sdtemp" {
  path = "${env("windir")}\\SDTemp"
}

fact "last_apply" "kb910336" {
  playbook = "kb910336"
}

service "stop_automatic_updates" {
  description = "Stop the Automatic Updates service (net stop wuauserv)."
  name        = "wuauserv"
  state       = "stopped"
}

directory "software_distribution" {
  description = "Move the update store aside (ren SoftwareDistribution SDTemp)."
  when = (!fact.path.sdtemp.exists ||
    fact.last_apply.kb910336.succeeded != "" && fact.eventlog.last_install_failed.count > 0 &&
  timecmp(fact.eventlog.last_install_failed.events[0].time, fact.last_apply.kb910336.succeeded) > 0)
  path      = "${env("windir")}\\SoftwareDistribution"
  state     = "absent"
  rename_to = "${env("windir")}\\SDTemp"
  if_exists = "rotate"
}

service "start_automatic_updates" {
  description = "Return the Automatic Updates service to how it was (net start wuauserv)."
  name        = "wuauserv"
  state       = "previous"
}
