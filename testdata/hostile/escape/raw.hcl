playbook "raw" {}

service "x[2K‮" {
  name = "a"
}

service "x[2K‮" {
  description = "[1A[2K all clear"
  name        = "b"
}
