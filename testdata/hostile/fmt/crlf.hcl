playbook "crlf" {
  title =   "written on Windows"
}
