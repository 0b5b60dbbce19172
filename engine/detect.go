package engine

// Verdicts of a detection, in the words Configuration Manager's compliance
// rules compare.
const (
	Compliant    = "Compliant"
	NonCompliant = "NonCompliant"
)

// Verdict says whether the host needs the playbook's fix.
func (d *PlanDocument) Verdict() string {
	if d.Summary.Changes > 0 {
		return NonCompliant
	}
	return Compliant
}
