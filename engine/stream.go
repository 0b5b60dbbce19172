package engine

import "github.com/wuplay/wuplay/resources"

// The -json stream is one JSON object per line, each of a type below. The
// writer (engine/views) and every reader (wuplay report, the tests) use
// these types, and engine/views/wuplay.schema.json is generated from them.

// LineHeader starts every line: a reader can dispatch on it before
// decoding the rest.
type LineHeader struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"`
	WuplayVersion string `json:"wuplay_version"`
}

// Header is the header of a line of type typ, written by this wuplay.
func Header(typ string) LineHeader {
	return LineHeader{FormatVersion: FormatVersion, Type: typ, WuplayVersion: Version()}
}

// The line types.
const (
	LinePlannedStep    = "planned_step"
	LinePlanSummary    = "plan_summary"
	LineStepStarted    = "step_started"
	LineStepProgress   = "step_progress"
	LineStepFinished   = "step_finished"
	LineApplySummary   = "apply_summary"
	LineValidateResult = "validate_result"
	LineDiagnostic     = "diagnostic"
)

// PlannedStepLine is one step of a plan, in order.
type PlannedStepLine struct {
	LineHeader
	Step DocStep `json:"step"`
}

// PlanSummaryLine ends a plan.
type PlanSummaryLine struct {
	LineHeader
	Playbook  string `json:"playbook"`
	Host      string `json:"host"`
	Changes   int    `json:"changes"`
	Unchanged int    `json:"unchanged"`
	// SymptomPresent is false when the playbook's detect found nothing to
	// fix: then the plan changes nothing.
	SymptomPresent bool `json:"symptom_present"`
	// CannotUndo is what the plan's backout cannot give back.
	CannotUndo []string `json:"cannot_undo"`
}

// StepStartedLine: an apply starts a step.
type StepStartedLine struct {
	LineHeader
	Address string           `json:"address"`
	Action  resources.Action `json:"action"`
}

// StepProgressLine says what a long wait is waiting for.
type StepProgressLine struct {
	LineHeader
	Address string `json:"address"`
	Message string `json:"message"`
}

// StepFinishedLine: an apply has carried out a step, or failed to.
type StepFinishedLine struct {
	LineHeader
	Address    string           `json:"address"`
	Action     resources.Action `json:"action"`
	Result     Status           `json:"result"`
	DurationMS int64            `json:"duration_ms"`
	Error      string           `json:"error,omitempty"`
}

// ApplySummaryLine ends an apply: how it ended, how many steps came to
// each result, each step's outcome, and what a failed apply left changed.
type ApplySummaryLine struct {
	LineHeader
	Result         Outcome       `json:"result"`
	Changed        int           `json:"changed"`
	Unchanged      int           `json:"unchanged"`
	Failed         int           `json:"failed"`
	PartlyDone     int           `json:"partly_done"`
	PutBack        int           `json:"put_back"`
	PutBackFailed  int           `json:"put_back_failed"`
	NotAttempted   int           `json:"not_attempted"`
	Steps          []StepOutcome `json:"steps"`
	RebootRequired bool          `json:"reboot_required"`
	// LeftChanged is, for an apply that did not succeed, what differs on
	// the host from before it, read again after putting back.
	LeftChanged []string `json:"left_changed,omitempty"`
}

// ValidateResultLine ends validate, after its diagnostics.
type ValidateResultLine struct {
	LineHeader
	Valid        bool `json:"valid"`
	ErrorCount   int  `json:"error_count"`
	WarningCount int  `json:"warning_count"`
}

// DiagnosticLine is an error or a warning, with the place in the
// playbook it is about, if any.
type DiagnosticLine struct {
	LineHeader
	Severity string       `json:"severity" jsonschema:"enum=error,enum=warning"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *SourceRange `json:"range,omitempty"`
}

// SourceRange is a span of a playbook: lines and columns from 1.
type SourceRange struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Pos is a place in a file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// StepOutcome is what became of one step of an apply: in the apply
// summary, the apply report and the Ansible result.
type StepOutcome struct {
	Address string           `json:"address"`
	Action  resources.Action `json:"action"`
	Result  Status           `json:"result"`
	Error   string           `json:"error,omitempty"`
	// PutBack says how the step's change was undone, or why undoing it
	// failed.
	PutBack string `json:"put_back,omitempty"`
	// Changed is what a step that failed partly done changed.
	Changed    []string `json:"changed,omitempty"`
	DurationMS int64    `json:"duration_ms"`
}

// Outcomes gives each step's outcome, in the plan's order.
func (p *Plan) Outcomes(results []StepResult) []StepOutcome {
	out := make([]StepOutcome, 0, len(results))
	for i, r := range results {
		o := StepOutcome{Address: r.Addr, Action: p.Steps[i].Action, Result: r.Status, PutBack: r.PutBack, Changed: r.Changed,
			DurationMS: r.Duration.Milliseconds()}
		if r.Err != nil {
			o.Error = r.Err.Error()
		}
		out = append(out, o)
	}
	return out
}

// VersionDocument is what version -json prints.
type VersionDocument struct {
	FormatVersion string `json:"format_version"`
	WuplayVersion string `json:"wuplay_version"`
	GoVersion     string `json:"go_version"`
	Platform      string `json:"platform"`
}

// PlaybookList is what list -json prints: the playbooks shipped in the
// binary.
type PlaybookList struct {
	FormatVersion string            `json:"format_version"`
	WuplayVersion string            `json:"wuplay_version"`
	Playbooks     []ShippedPlaybook `json:"playbooks"`
}

// ShippedPlaybook is one shipped playbook.
type ShippedPlaybook struct {
	File   string `json:"file"`
	Name   string `json:"name"`
	Title  string `json:"title"`
	Source string `json:"source"`
}
