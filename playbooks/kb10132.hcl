# KB10132: clients cloned from one image share a WSUS client ID, so only
# one of them shows in the WSUS console (or the one shown keeps changing).
# Stop Automatic Updates, delete the SusClientId and SusClientIDValidation
# values (the KB says "key"; they are values), start the service, which
# makes a new ID, and have the client report to WSUS again.
#
# When to act: only while this client still has the duplicated ID, which
# the WSUS console shows (set it with -var duplicate_id=...). The service
# makes a new ID each time the values are deleted, so "value absent" holds
# only between stop and start: the duplicated ID is the honest guard, and
# a second run finds the symptom gone. The old ID stays in the saved plan
# and the report.
#
# wuauclt /detectnow is reported to do nothing on Windows 10 1607 and later
# (unverified); the reset still takes effect at the next scan.

playbook "kb10132" {
  title  = "WSUS client ID duplicated by imaging"
  source = "https://learn.microsoft.com/troubleshoot/mem/configmgr/update-management/troubleshoot-issues-with-wsus-client-agents"
  detect = fact.registry_value.sus_client_id.exists && lower(fact.registry_value.sus_client_id.data) == lower(var.duplicate_id)
}

variable "duplicate_id" {
  type        = string
  description = "The SusClientId that the WSUS console shows shared by several clients."
  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$", var.duplicate_id))
    error_message = "duplicate_id is a SusClientId: a GUID such as 5b9e1c2a-7f44-4e0b-9a3d-2c1f0e8d6b71, without braces."
  }
}

fact "registry_value" "sus_client_id" {
  key  = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
  name = "SusClientId"
}

service "stop_wuauserv" {
  name  = "wuauserv"
  state = "stopped"
}

registry_value "sus_client_id" {
  key   = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
  name  = "SusClientId"
  state = "absent"
}

registry_value "sus_client_id_validation" {
  key   = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
  name  = "SusClientIDValidation"
  state = "absent"
}

service "start_wuauserv" {
  name  = "wuauserv"
  state = "running"
}

command "report_to_wsus" {
  description = "wuauclt /resetauthorization /detectnow, then /reportnow."
  run         = ["wuauclt.exe", "/resetauthorization", "/detectnow"]
}
