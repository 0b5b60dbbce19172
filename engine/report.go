package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Report is the audit record of one apply (apply -report FILE): who ran
// which playbook on which host, when, and what became of every step. It
// keeps the facts the plan read, since the fix may erase them.
type Report struct {
	FormatVersion string `json:"format_version"`
	// WuplayVersion is the version of the wuplay that applied.
	WuplayVersion string    `json:"wuplay_version"`
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
	Result    Outcome                    `json:"result"`
	Error     string                     `json:"error,omitempty"`
	Steps     []StepOutcome              `json:"steps"`
	// LeftChanged is, for an apply that did not succeed, what differs on
	// the host from before it, read again after putting back.
	LeftChanged []string `json:"left_changed,omitempty"`
	// RebootRequired says that a step ran after which the host needs a
	// restart (reboot_required).
	RebootRequired bool `json:"reboot_required"`
	// Backout is the way back from what the apply changed and left
	// changed (wuplay backout REPORT).
	Backout *Backout `json:"backout"`
}

// NewReport records an apply of p.
func NewReport(p *Plan, results []StepResult, applyErr error, started, finished time.Time, user, machine string) *Report {
	d := p.Document()
	r := &Report{FormatVersion: FormatVersion, WuplayVersion: Version(), User: user, Machine: machine, Host: p.Host,
		Started: started.UTC(), Finished: finished.UTC(), Variables: d.Variables, Facts: d.Facts, Result: OutcomeOf(applyErr)}
	r.Playbook.Name, r.Playbook.Filename, r.Playbook.SHA256 = d.Playbook.Name, d.Playbook.Filename, d.Playbook.SHA256
	if applyErr != nil {
		r.Error = applyErr.Error()
	}
	r.Steps = p.Outcomes(results)
	r.RebootRequired = len(RebootNeeded(results)) > 0
	r.Backout = p.backout(func(i int) bool {
		if i >= len(results) {
			return false
		}
		switch results[i].Status {
		case Done, PartlyDone, PutBackFailed:
			return true
		}
		return false
	}, r.Finished)
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

// ParseReport decodes an apply report (apply -report FILE). A corrupt
// file, one of another format version, or one without a backout (made by
// an older wuplay) is an error that says so.
func ParseReport(name string, data []byte) (*Report, error) {
	if len(data) > MaxPlanFile {
		return nil, fmt.Errorf("%s: %d bytes is too large for a report", name, len(data))
	}
	r := &Report{}
	if err := decodeDocument(name, "apply report", "back out with the wuplay that applied", data, r, &r.FormatVersion); err != nil {
		return nil, err
	}
	if r.Backout == nil {
		return nil, fmt.Errorf("%s holds no backout", name)
	}
	return r, nil
}
