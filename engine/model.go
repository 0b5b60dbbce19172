package engine

import (
	"github.com/hashicorp/hcl/v2"
)

// Playbook is a KB procedure as desired-state steps, decoded from HCL or
// YAML. Both notations give equal playbooks.
type Playbook struct {
	// Filename and Src are the file the playbook was loaded from; saved
	// plans carry them, so that a plan is applied with the playbook it was
	// made from.
	Filename    string
	Src         []byte
	Name        string
	Title       string
	Source      string
	Description string
	// Detect says whether the symptom the KB fixes is present; when it is
	// false, the plan does nothing. nil: always present.
	Detect    hcl.Expression
	Variables []*Variable
	Facts     []*Fact
	// Steps are in the order they run: as written, except that a step
	// comes after the steps it depends on.
	Steps []*Step

	// budget bounds the evaluations of the playbook's expressions.
	budget *budget
}

// Fact is read from the host at plan time: fact.TYPE.NAME in expressions.
type Fact struct {
	Type, Name string
	Config     hcl.Body
	DeclRange  hcl.Range
}

// Step is one resource in its desired state.
type Step struct {
	Type, Name  string
	Description string
	DependsOn   []string // addresses
	// Triggers are the steps (addresses) whose change carries this one out
	// again: restart_on restarts a service, run_on runs a command. They
	// come earlier, as DependsOn's do.
	Triggers     []string
	TriggerArg   string // restart_on or run_on: what the type calls them
	TriggerRange hcl.Range
	When         hcl.Expression // nil: always
	Config       hcl.Body       // the resource type's attributes
	DeclRange    hcl.Range
}

// Addr is how plans, errors and -replace name the step: TYPE.NAME.
func (s *Step) Addr() string { return s.Type + "." + s.Name }
