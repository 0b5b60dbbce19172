// Package engine loads playbooks (HCL or YAML) into one model, plans them
// against a host (read every object once, diff each step against the state
// the earlier steps leave, cancel round trips that achieve nothing), applies
// plans step by step with verification, and renders plans for people and
// programs. It never prints: the command line decides where output goes.
package engine
