package views

import (
	"io"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
)

// WriteDetection renders a plan for an endpoint manager's log: one line a
// step, without colour, then the verdict and why.
func WriteDetection(w io.Writer, d *engine.PlanDocument) error {
	pw := &printer{w: w}
	for _, ds := range d.Steps {
		if ds.Action == resources.NoOp {
			pw.printf("%s: no change (%s)\n", ds.Address, ds.Reason)
		} else {
			pw.printf("%s: will %s\n", ds.Address, ds.Action)
		}
	}
	if !d.Summary.SymptomPresent {
		pw.printf("%s: symptom not present (playbook %s)\n", engine.Compliant, d.Playbook.Name)
	} else {
		pw.printf("%s: %d to change, %d unchanged (playbook %s)\n", d.Verdict(), d.Summary.Changes, d.Summary.Unchanged, d.Playbook.Name)
	}
	return pw.err
}
