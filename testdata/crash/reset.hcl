# A Windows Update reset (after KB971058) for the crash tests: services
# stopped and restarted around two folders moved aside and a log written.
# Every step is safe to run again after a crash at any point.

playbook "crash_reset" {
  title = "Windows Update reset, for the crash tests"
}

fact "path" "sdtemp" {
  path = "C:\\Windows\\SDTemp"
}

fact "path" "catroot2_bak" {
  path = "C:\\Windows\\System32\\catroot2.bak"
}

service "stop_bits" {
  name  = "BITS"
  state = "stopped"
}

service "stop_wuauserv" {
  name  = "wuauserv"
  state = "stopped"
}

service "stop_cryptsvc" {
  name  = "CryptSvc"
  state = "stopped"
}

directory "software_distribution" {
  when      = !fact.path.sdtemp.exists
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "C:\\Windows\\SDTemp"
}

directory "catroot2" {
  when      = !fact.path.catroot2_bak.exists
  path      = "C:\\Windows\\System32\\catroot2"
  state     = "absent"
  rename_to = "C:\\Windows\\System32\\catroot2.bak"
}

directory "logs" {
  path = "C:\\Windows\\Logs\\wuplay"
}

file "log" {
  path    = "C:\\Windows\\Logs\\wuplay\\reset.txt"
  content = "Windows Update components reset by wuplay.\n"
}

file "note" {
  path    = "C:\\Windows\\Logs\\wuplay\\README.txt"
  content = "SDTemp and catroot2.bak hold the folders as they were.\n"
}

service "start_cryptsvc" {
  name       = "CryptSvc"
  state      = "running"
  start_type = "automatic"
}

service "start_wuauserv" {
  name  = "wuauserv"
  state = "running"
}

service "start_bits" {
  name  = "BITS"
  state = "running"
}
