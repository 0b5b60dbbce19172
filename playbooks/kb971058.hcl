# KB971058: reset the Windows Update components by hand, as Microsoft's
# "How do I reset Windows Update components?" describes. Stop BITS,
# Windows Update and the Cryptographic service; delete the BITS queue
# (qmgr*.dat); on a second attempt ("aggressive", step 4) move aside the
# DataStore, Download and catroot2 folders; re-register the Windows Update
# DLLs; reset Winsock; start the three services again.
#
# Where the KB's text is dated, this playbook does the right thing:
# - The KB's path %ALLUSERSPROFILE%\Application Data\Microsoft\Network\
#   Downloader goes, on Vista and later, through a compatibility junction
#   that refuses listing; the real folder is %ALLUSERSPROFILE%\Microsoft\...
# - The KB writes regsvr32 without /s: each call would open a dialog and
#   block an unattended run. Several DLLs of its list no longer exist on
#   Windows 10 and 11; only those present are registered.
# - The service security descriptors of step 4 (sc sdset) overwrite custom
#   ACLs, as the KB warns; they are left out here.
# - proxycfg (XP) and bitsadmin /reset (Vista) only run on those systems.
#
# Once done, the marker file says so: the renames and commands do not run
# again, and the service steps then cancel out (no changes on a second run).

playbook "kb971058" {
  title  = "Reset Windows Update components"
  source = "https://learn.microsoft.com/troubleshoot/windows-client/installing-updates-features-roles/additional-resources-for-windows-update"
}

variable "aggressive" {
  type        = bool
  description = "true on a second attempt: also move DataStore, Download and catroot2 aside (the KB's step 4)."
  default     = false
}

fact "path" "done" {
  path = "${env("ProgramData")}\\wuplay\\kb971058.done"
}

fact "os" "system" {}

service "stop_bits" {
  name  = "BITS"
  state = "stopped"
}

service "stop_wuauserv" {
  name  = "wuauserv"
  state = "stopped"
}

service "stop_cryptsvc" {
  description     = "Services that depend on CryptSvc vary by build; they are stopped first."
  name            = "CryptSvc"
  state           = "stopped"
  stop_dependents = true
}

files "bits_queue" {
  description = "Step 3: the BITS job queue."
  path        = "${env("ALLUSERSPROFILE")}\\Microsoft\\Network\\Downloader"
  pattern     = "qmgr*.dat"
  state       = "absent"
}

directory "datastore" {
  when      = var.aggressive && !fact.path.done.exists
  path      = "${env("windir")}\\SoftwareDistribution\\DataStore"
  state     = "absent"
  rename_to = "${env("windir")}\\SoftwareDistribution\\DataStore.bak"
  if_exists = "rotate"
}

directory "download" {
  when      = var.aggressive && !fact.path.done.exists
  path      = "${env("windir")}\\SoftwareDistribution\\Download"
  state     = "absent"
  rename_to = "${env("windir")}\\SoftwareDistribution\\Download.bak"
  if_exists = "rotate"
}

directory "catroot2" {
  when      = var.aggressive && !fact.path.done.exists
  path      = "${env("windir")}\\System32\\catroot2"
  state     = "absent"
  rename_to = "${env("windir")}\\System32\\catroot2.bak"
  if_exists = "rotate"
}

command "register_dlls" {
  description = "Step 6, silently (/s), for the DLLs this Windows has."
  shell       = true
  run         = "cd /d %windir%\\system32 && for %d in (atl urlmon mshtml shdocvw browseui jscript vbscript scrrun msxml msxml3 msxml6 actxprxy softpub wintrust dssenh rsaenh gpkcsp sccbase slbcsp cryptdlg oleaut32 ole32 shell32 initpki wuapi wuaueng wuaueng1 wucltui wups wups2 wuweb qmgr qmgrprxy wucltux muweb wuwebv) do @if exist %d.dll regsvr32.exe /s %d.dll"
  creates     = "${env("ProgramData")}\\wuplay\\kb971058.done"
}

command "reset_winsock" {
  description     = "Step 7."
  run             = ["netsh", "winsock", "reset"]
  creates         = "${env("ProgramData")}\\wuplay\\kb971058.done"
  reboot_required = true
}

command "reset_proxy" {
  description = "Step 8, on Windows XP and Server 2003 only."
  when        = fact.os.system.version == "5.1" || fact.os.system.version == "5.2"
  run         = ["proxycfg.exe", "-d"]
  creates     = "${env("ProgramData")}\\wuplay\\kb971058.done"
}

directory "marker_folder" {
  path = "${env("ProgramData")}\\wuplay"
}

file "done" {
  path    = "${env("ProgramData")}\\wuplay\\kb971058.done"
  content = "Windows Update components reset (KB971058). Delete this file to reset them again.\n"
}

service "start_bits" {
  name  = "BITS"
  state = "previous"
}

service "start_wuauserv" {
  name  = "wuauserv"
  state = "previous"
}

service "start_cryptsvc" {
  name  = "CryptSvc"
  state = "previous"
}

command "reset_bits_jobs" {
  description = "Step 10, on Windows Vista and Server 2008 only."
  when        = fact.os.system.version == "6.0"
  run         = ["bitsadmin.exe", "/reset", "/allusers"]
  creates     = "${env("ProgramData")}\\wuplay\\kb971058.done"
}
