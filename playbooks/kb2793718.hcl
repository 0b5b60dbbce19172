# KB2793718: print jobs stuck in the queue; the Print Spooler fails or
# hangs. Stop the Print Spooler, delete every file in the spool folder,
# start the Spooler with startup type Automatic.
#
# The spool folder is configurable: it is read from the registry
# (DefaultSpoolDirectory), with the default %windir%\System32\spool\PRINTERS.
# Services that depend on the Spooler (Fax on some systems) are stopped
# first. An empty queue is "already absent": a second run changes nothing,
# and the service steps cancel out.

playbook "kb2793718" {
  title  = "Print Spooler errors: clear a stuck print queue"
  source = "https://learn.microsoft.com/troubleshoot/windows-server/printing/third-party-print-driver-print-spooler-error"
}

fact "registry_value" "spool_directory" {
  key  = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print\\Printers"
  name = "DefaultSpoolDirectory"
}

service "stop_spooler" {
  name            = "Spooler"
  state           = "stopped"
  stop_dependents = true
}

files "spool_jobs" {
  description = "The queued jobs (.SHD and .SPL files)."
  path        = fact.registry_value.spool_directory.exists ? fact.registry_value.spool_directory.data : "${env("windir")}\\System32\\spool\\PRINTERS"
  pattern     = "*"
  state       = "absent"
}

service "start_spooler" {
  name       = "Spooler"
  state      = "running"
  start_type = "automatic"
}
