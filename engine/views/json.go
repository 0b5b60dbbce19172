package views

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
)

// JSONWriter writes the -json stream: one object per line, each with
// format_version and type.
type JSONWriter struct {
	mu sync.Mutex
	w  io.Writer
}

var _ engine.Observer = (*JSONWriter)(nil)

// NewJSONWriter writes the stream to w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	return &JSONWriter{w: w}
}

// emit writes one line: a value of one of the engine's line types.
func (j *JSONWriter) emit(line any) {
	data, err := json.Marshal(line)
	if err != nil {
		panic(err) // the line types hold plain values
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.w.Write(append(data, '\n'))
}

// Plan writes one planned_step line per step and a plan_summary line.
func (j *JSONWriter) Plan(d *engine.PlanDocument) {
	for _, ds := range d.Steps {
		j.emit(engine.PlannedStepLine{LineHeader: engine.Header(engine.LinePlannedStep), Step: ds})
	}
	var cannot []string
	if d.Backout != nil {
		cannot = d.Backout.CannotUndo
	}
	j.emit(engine.PlanSummaryLine{LineHeader: engine.Header(engine.LinePlanSummary), Playbook: d.Playbook.Name, Host: d.Host,
		Changes: d.Summary.Changes, Unchanged: d.Summary.Unchanged, SymptomPresent: d.Summary.SymptomPresent, CannotUndo: nonNil(cannot)})
}

func (j *JSONWriter) StepStarted(sp *engine.StepPlan) {
	j.emit(engine.StepStartedLine{LineHeader: engine.Header(engine.LineStepStarted), Address: sp.Addr, Action: sp.Action})
}

func (j *JSONWriter) StepProgress(sp *engine.StepPlan, msg string) {
	j.emit(engine.StepProgressLine{LineHeader: engine.Header(engine.LineStepProgress), Address: sp.Addr, Message: msg})
}

func (j *JSONWriter) StepFinished(sp *engine.StepPlan, r engine.StepResult) {
	l := engine.StepFinishedLine{LineHeader: engine.Header(engine.LineStepFinished), Address: sp.Addr, Action: sp.Action, Result: r.Status,
		DurationMS: r.Duration.Milliseconds()}
	if r.Err != nil {
		l.Error = r.Err.Error()
	}
	j.emit(l)
}

// ApplySummary writes the apply_summary line of an apply of p: how the
// apply that returned err ended, every step's result, and what it left
// changed (engine.LeftChanged).
func (j *JSONWriter) ApplySummary(p *engine.Plan, results []engine.StepResult, err error, left []string) {
	counts := map[engine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	l := engine.ApplySummaryLine{LineHeader: engine.Header(engine.LineApplySummary), Result: engine.OutcomeOf(err),
		Changed: counts[engine.Done], Unchanged: counts[engine.Unchanged], Failed: counts[engine.Failed], PartlyDone: counts[engine.PartlyDone],
		PutBack: counts[engine.PutBack], PutBackFailed: counts[engine.PutBackFailed], NotAttempted: counts[engine.NotAttempted],
		Steps: p.Outcomes(results), RebootRequired: len(engine.RebootNeeded(results)) > 0}
	if err != nil {
		l.LeftChanged = nonNil(left)
	}
	j.emit(l)
}

// ValidateResult writes the validate_result line, after the diagnostics:
// whether the playbook is valid, and how many errors and warnings it has.
func (j *JSONWriter) ValidateResult(diags hcl.Diagnostics) {
	l := engine.ValidateResultLine{LineHeader: engine.Header(engine.LineValidateResult)}
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			l.ErrorCount++
		} else {
			l.WarningCount++
		}
	}
	l.Valid = l.ErrorCount == 0
	j.emit(l)
}

// Diagnostics writes one diagnostic line each.
func (j *JSONWriter) Diagnostics(diags hcl.Diagnostics) {
	for _, d := range diags {
		l := engine.DiagnosticLine{LineHeader: engine.Header(engine.LineDiagnostic), Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			l.Severity = "warning"
		}
		if r := d.Subject; r != nil {
			l.Range = &engine.SourceRange{Filename: r.Filename,
				Start: engine.Pos{Line: r.Start.Line, Column: r.Start.Column}, End: engine.Pos{Line: r.End.Line, Column: r.End.Column}}
		}
		j.emit(l)
	}
}

// nonNil is s, or an empty list for nil: a list field is always a list.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
