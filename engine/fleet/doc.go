// Package fleet summarises many hosts' dry runs for one change ticket: it
// reads each host's collected result (a saved plan, a plan -json stream or
// the Ansible module's result), groups the hosts by identical plan and the
// failures by reason. It computes the summary; engine/views renders it.
package fleet
