# Reads a file by a path that is a link inside the drive: to a named pipe,
# to a file over the read limit, out of the host's folder. Each read is
# bounded and ends with an error.
playbook "read_through_links" {}

variable "path" {}

fact "file" "f" {
  path = var.path
}
