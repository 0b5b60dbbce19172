package views

import (
	"encoding/json"
	"fmt"
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

// emit writes one line: format_version and type first, so that a reader
// can dispatch on a line's start, then the fields, and wuplay_version, so
// that any one line names what wrote it.
func (j *JSONWriter) emit(typ string, fields map[string]any) {
	fields["wuplay_version"] = engine.Version()
	rest, err := json.Marshal(fields)
	if err != nil {
		panic(err) // the fields are plain values
	}
	line := fmt.Appendf(nil, `{"format_version":%q,"type":%q`, engine.JSONFormatVersion, typ)
	if len(rest) > 2 {
		line = append(append(line, ','), rest[1:]...)
	} else {
		line = append(line, '}')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.w.Write(append(line, '\n'))
}

// Plan writes one planned_step line per step and a plan_summary line.
func (j *JSONWriter) Plan(d *engine.PlanDocument) {
	for _, ds := range d.Steps {
		j.emit("planned_step", map[string]any{"step": ds})
	}
	j.emit("plan_summary", map[string]any{
		"playbook": d.Playbook.Name, "host": d.Host, "changes": d.Summary.Changes, "unchanged": d.Summary.Unchanged,
		"symptom_present": !d.Summary.SymptomAbsent, "cannot_undo": d.Backout.CannotUndo,
	})
}

func (j *JSONWriter) StepStarted(sp *engine.StepPlan) {
	j.emit("step_started", map[string]any{"address": sp.Addr, "action": string(sp.Action)})
}

func (j *JSONWriter) StepProgress(sp *engine.StepPlan, msg string) {
	j.emit("step_progress", map[string]any{"address": sp.Addr, "message": msg})
}

func (j *JSONWriter) StepFinished(sp *engine.StepPlan, r engine.StepResult) {
	fields := map[string]any{"address": sp.Addr, "action": string(sp.Action), "result": string(r.Status), "duration_ms": r.Duration.Milliseconds()}
	if r.Err != nil {
		fields["error"] = r.Err.Error()
	}
	j.emit("step_finished", fields)
}

// ApplySummary writes the apply_summary line: how the apply that returned
// err ended, every step's result, and what it left changed (LeftChanged).
func (j *JSONWriter) ApplySummary(results []engine.StepResult, err error, left []string) {
	counts := map[engine.Status]int{}
	steps := []map[string]any{}
	for _, r := range results {
		counts[r.Status]++
		s := map[string]any{"address": r.Addr, "result": string(r.Status)}
		if r.Err != nil {
			s["error"] = r.Err.Error()
		}
		if r.PutBack != "" {
			s["put_back"] = r.PutBack
		}
		if len(r.Changed) > 0 {
			s["changed"] = r.Changed
		}
		steps = append(steps, s)
	}
	fields := map[string]any{
		"result": engine.Outcome(err), "changed": counts[engine.Done], "unchanged": counts[engine.Unchanged], "failed": counts[engine.Failed],
		"partly_done": counts[engine.PartlyDone], "put_back": counts[engine.PutBack], "put_back_failed": counts[engine.PutBackFailed],
		"not_attempted": counts[engine.NotAttempted], "steps": steps, "reboot_required": len(engine.RebootNeeded(results)) > 0,
	}
	if err != nil {
		fields["left_changed"] = append([]string{}, left...)
	}
	j.emit("apply_summary", fields)
}

// ValidateResult writes the validate_result line, after the diagnostics:
// whether the playbook is valid, and how many errors and warnings it has.
func (j *JSONWriter) ValidateResult(diags hcl.Diagnostics) {
	errs, warnings := 0, 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warnings++
		}
	}
	j.emit("validate_result", map[string]any{"valid": errs == 0, "error_count": errs, "warning_count": warnings})
}

// Diagnostics writes one diagnostic line each.
func (j *JSONWriter) Diagnostics(diags hcl.Diagnostics) {
	for _, d := range diags {
		fields := map[string]any{"severity": "error", "summary": d.Summary, "detail": d.Detail}
		if d.Severity == hcl.DiagWarning {
			fields["severity"] = "warning"
		}
		if d.Subject != nil {
			fields["range"] = map[string]any{
				"filename": d.Subject.Filename,
				"start":    map[string]int{"line": d.Subject.Start.Line, "column": d.Subject.Start.Column},
				"end":      map[string]int{"line": d.Subject.End.Line, "column": d.Subject.End.Column},
			}
		}
		j.emit("diagnostic", fields)
	}
}
