package engine

import (
	"bytes"
	"encoding/json"
	"time"
)

// ReportFormatVersion is the version of the apply report's schema.
const ReportFormatVersion = 1

// Report is the audit record of one apply (apply -report FILE): who ran
// which playbook on which host, when, and what became of every step. It
// keeps the facts the plan read, since the fix may erase them.
type Report struct {
	FormatVersion int       `json:"format_version"`
	User          string    `json:"user"`
	Machine       string    `json:"machine"`
	Host          string    `json:"host"`
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	Playbook      struct {
		Name     string `json:"name"`
		Filename string `json:"filename"`
		SHA256   string `json:"sha256"`
	} `json:"playbook"`
	Variables map[string]json.RawMessage `json:"variables,omitempty"`
	Facts     map[string]json.RawMessage `json:"facts,omitempty"`
	Result    string                     `json:"result"` // succeeded, failed, interrupted
	Error     string                     `json:"error,omitempty"`
	Steps     []ReportStep               `json:"steps"`
	// LeftChanged is, for an apply that did not succeed, what differs on
	// the host from before it, read again after putting back.
	LeftChanged []string `json:"left_changed,omitempty"`
	// RebootRequired says that a step ran after which the host needs a
	// restart (reboot_required).
	RebootRequired bool `json:"reboot_required"`
}

// ReportStep is one step's outcome.
type ReportStep struct {
	Address string `json:"address"`
	Action  string `json:"action"`
	Result  string `json:"result"`
	Error   string `json:"error,omitempty"`
	PutBack string `json:"put_back,omitempty"`
	// Changed is what a step that failed partly done changed.
	Changed    []string `json:"changed,omitempty"`
	DurationMS int64    `json:"duration_ms"`
}

// NewReport records an apply of p.
func NewReport(p *Plan, results []StepResult, applyErr error, started, finished time.Time, user, machine string) *Report {
	d := p.Document()
	r := &Report{FormatVersion: ReportFormatVersion, User: user, Machine: machine, Host: p.Host,
		Started: started.UTC(), Finished: finished.UTC(), Variables: d.Variables, Facts: d.Facts, Result: Outcome(applyErr)}
	r.Playbook.Name, r.Playbook.Filename, r.Playbook.SHA256 = d.Playbook.Name, d.Playbook.Filename, d.Playbook.SHA256
	if applyErr != nil {
		r.Error = applyErr.Error()
	}
	for i, res := range results {
		rs := ReportStep{Address: res.Addr, Action: d.Steps[i].Action, Result: string(res.Status), PutBack: res.PutBack, Changed: res.Changed, DurationMS: res.Duration.Milliseconds()}
		if res.Err != nil {
			rs.Error = res.Err.Error()
		}
		r.Steps = append(r.Steps, rs)
	}
	r.RebootRequired = len(RebootNeeded(results)) > 0
	return r
}

// Marshal encodes the report as indented JSON, with "->" and "<" as
// written, for people reading the audit record.
func (r *Report) Marshal() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		panic(err)
	}
	return b.Bytes()
}
