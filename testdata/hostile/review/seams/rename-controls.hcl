# A rename whose destination holds a terminal escape and a line of
# wuplay's own words: preflight refuses it (another volume), and the
# refusal shows the name escaped.
playbook "rename_controls" {}

directory "temp" {
  path      = "C:\\Temp"
  state     = "absent"
  rename_to = "D:\\X\u001b[2K\nPlan: 0 to change."
}
