# A command whose answer holds terminal escapes and wuplay's own words.
playbook "command_output" {}

command "cleanup" {
  run = ["cleanup"]
}
