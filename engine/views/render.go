package views

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
)

// Colors for the markers of a human plan; the command line turns them on
// only for a terminal.
const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// WritePlan renders a plan as terraform plan does: one block per step
// that changes something, with markers and before -> after for each
// attribute that changes, a line for each step that does not and why, and
// a summary line.
func WritePlan(w io.Writer, d *engine.PlanDocument, color bool) error {
	pw := &printer{w: w, color: color}
	if !d.Summary.SymptomPresent {
		pw.printf("%sSymptom not present: nothing to do.%s Playbook %s found no sign on %s of what it fixes.\n", pw.c(bold), pw.c(reset), d.Playbook.Name, d.Host)
		return pw.err
	}
	if d.Summary.Changes == 0 {
		pw.printf("%sNo changes.%s Host %s already matches playbook %s.\n\n", pw.c(bold), pw.c(reset), d.Host, d.Playbook.Name)
	} else {
		pw.printf("Playbook %s will perform these actions on %s:\n\n", d.Playbook.Name, d.Host)
	}
	for _, ds := range d.Steps {
		pw.step(ds)
	}
	pw.printf("%sPlan: %d to change, %d unchanged.%s\n", pw.c(bold), d.Summary.Changes, d.Summary.Unchanged, pw.c(reset))
	return pw.err
}

// printer writes one view (text, Markdown, DOT). Every string argument of
// its printf is untrusted and escaped for the view; markup passes as it is.
type printer struct {
	w     io.Writer
	color bool
	// escape renders an untrusted string in the view's syntax; nil is
	// EscapeText, for the terminal and plain text.
	escape func(string) string
	err    error
}

// markup is text that wuplay made in a view's own syntax (colour codes,
// markers, Markdown code spans, text escaped already): a printer writes it
// as it is.
type markup string

func (pw *printer) printf(format string, args ...any) {
	if pw.err != nil {
		return
	}
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = pw.untrusted(a)
		case markup:
			args[i] = string(a)
		case int:
		case resources.Action, engine.Status:
			// wuplay's own words: a saved plan's actions are checked
			// when it is read.
			args[i] = fmt.Sprint(a)
		default:
			panic(fmt.Sprintf("printer: a %T argument, neither escaped nor markup", a))
		}
	}
	_, pw.err = fmt.Fprintf(pw.w, format, args...)
}

func (pw *printer) untrusted(s string) string {
	if pw.escape == nil {
		return EscapeText(s)
	}
	return pw.escape(s)
}

func (pw *printer) c(code string) markup {
	if pw.color {
		return markup(code)
	}
	return ""
}

func (pw *printer) marker(m string) markup {
	code := map[string]string{"+": green, "-": red, "~": yellow, ">": cyan, "!": red}[m]
	return pw.c(code) + markup(m) + pw.c(reset)
}

func (pw *printer) step(ds engine.DocStep) {
	if ds.Action == resources.NoOp {
		pw.printf("  # %s: no change (%s)\n\n", ds.Address, ds.Reason)
		return
	}
	forced := markup("")
	if ds.Forced {
		forced = " (forced by -replace)"
	}
	pw.printf("  # %s will %s%s\n", ds.Address, ds.Action, forced)
	if ds.Description != "" {
		// On one line, its newlines escaped: a line of its own could pass
		// for another step.
		pw.printf("  # %s\n", ds.Description)
	}
	if ds.Action == resources.Run {
		pw.printf("  %s %s\n\n", pw.marker("!"), ds.Reason)
		return
	}
	if ds.Reason != "" {
		pw.printf("  # %s\n", ds.Reason)
	}
	if ds.Action == resources.Rename {
		pw.printf("  %s %s %s -> %s\n", pw.marker(">"), ds.Changes[0].Kind, quote(ds.Changes[0].Name), quote(ds.RenamedTo()))
		if ds.Target != "" && len(ds.Changes) > 1 && ds.Changes[1].Before["exists"] == "true" {
			pw.printf("      (replaces the existing %s)\n", quote(ds.Target))
		}
		pw.printf("\n")
		return
	}
	for _, c := range ds.Changes {
		switch {
		case c.After["exists"] == "false":
			pw.printf("  %s %s %s\n", pw.marker("-"), c.Kind, quote(c.Name))
		case c.Before["exists"] == "false":
			pw.printf("  %s %s %s {\n", pw.marker("+"), c.Kind, quote(c.Name))
			for _, name := range slices.Sorted(maps.Keys(c.After)) {
				if name != "exists" && !resources.Hidden(name) {
					pw.printf("      %s %s = %s\n", pw.marker("+"), name, show(name, c.After[name]))
				}
			}
			pw.printf("    }\n")
		default:
			pw.printf("  %s %s %s {\n", pw.marker("~"), c.Kind, quote(c.Name))
			for _, name := range slices.Sorted(maps.Keys(c.After)) {
				if c.Before[name] != c.After[name] {
					pw.printf("      %s %s = %s -> %s\n", pw.marker("~"), name, show(name, c.Before[name]), show(name, c.After[name]))
				}
			}
			if ds.Action == resources.Restart {
				pw.printf("      %s state = %s (stopped, then started again)\n", pw.marker("~"), quote(c.After["state"]))
			}
			pw.printf("    }\n")
		}
	}
	pw.printf("\n")
}

// show is an attribute value as a plan shows it, escaped for a terminal.
func show(name, v string) markup { return markup(EscapeText(engine.ShowValue(name, v))) }

// quote puts an untrusted value in double quotes, escaped for a terminal
// but with its backslashes kept, so that Windows paths read as an
// administrator writes them.
func quote(s string) markup { return markup(`"` + EscapeText(s) + `"`) }
