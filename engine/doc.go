// Package engine loads playbooks (HCL or YAML) into one model, plans them
// against a host (read every object once, diff each step against the state
// the earlier steps leave, cancel round trips that achieve nothing), applies
// plans step by step with verification, and puts back what a failed apply
// changed. It computes values (plans, results, backouts, saved documents)
// and never renders or prints them: engine/views renders, the command line
// decides where output goes.
package engine
