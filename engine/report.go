package engine

import (
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
	Variables map[string]string          `json:"variables,omitempty"`
	Facts     map[string]json.RawMessage `json:"facts,omitempty"`
	Result    string                     `json:"result"` // succeeded, failed
	Error     string                     `json:"error,omitempty"`
	Steps     []ReportStep               `json:"steps"`
}

// ReportStep is one step's outcome.
type ReportStep struct {
	Address    string `json:"address"`
	Action     string `json:"action"`
	Result     string `json:"result"`
	Error      string `json:"error,omitempty"`
	PutBack    string `json:"put_back,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// NewReport records an apply of p.
func NewReport(p *Plan, results []StepResult, applyErr error, started, finished time.Time, user, machine string) *Report {
	d := p.Document()
	r := &Report{FormatVersion: ReportFormatVersion, User: user, Machine: machine, Host: p.Host,
		Started: started.UTC(), Finished: finished.UTC(), Variables: d.Variables, Facts: d.Facts, Result: "succeeded"}
	r.Playbook.Name, r.Playbook.Filename, r.Playbook.SHA256 = d.Playbook.Name, d.Playbook.Filename, d.Playbook.SHA256
	if applyErr != nil {
		r.Result, r.Error = "failed", applyErr.Error()
	}
	for i, res := range results {
		rs := ReportStep{Address: res.Addr, Action: d.Steps[i].Action, Result: string(res.Status), PutBack: res.PutBack, DurationMS: res.Duration.Milliseconds()}
		if res.Err != nil {
			rs.Error = res.Err.Error()
		}
		r.Steps = append(r.Steps, rs)
	}
	return r
}

// Marshal encodes the report as indented JSON.
func (r *Report) Marshal() []byte {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(data, '\n')
}
