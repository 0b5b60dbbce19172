package engine

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

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
func WritePlan(w io.Writer, d *PlanDocument, color bool) error {
	pw := &printer{w: w, color: color}
	if d.Summary.SymptomAbsent {
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

type printer struct {
	w     io.Writer
	color bool
	err   error
}

func (pw *printer) printf(format string, args ...any) {
	if pw.err == nil {
		_, pw.err = fmt.Fprintf(pw.w, format, args...)
	}
}

func (pw *printer) c(code string) string {
	if pw.color {
		return code
	}
	return ""
}

func (pw *printer) marker(m string) string {
	code := map[string]string{"+": green, "-": red, "~": yellow, ">": cyan, "!": red}[m]
	return pw.c(code) + m + pw.c(reset)
}

func (pw *printer) step(ds DocStep) {
	if ds.Action == string(resources.NoOp) {
		pw.printf("  # %s: no change (%s)\n\n", ds.Address, ds.Reason)
		return
	}
	forced := ""
	if ds.Forced {
		forced = " (forced by -replace)"
	}
	pw.printf("  # %s will %s%s\n", ds.Address, ds.Action, forced)
	if ds.Description != "" {
		pw.printf("  # %s\n", ds.Description)
	}
	if ds.Action == string(resources.Run) {
		pw.printf("  %s %s\n\n", pw.marker("!"), ds.Reason)
		return
	}
	if ds.Action == string(resources.Rename) {
		pw.printf("  %s %s %s -> %s\n", pw.marker(">"), ds.Changes[0].Kind, quote(ds.Changes[0].Name), quote(ds.renamedTo()))
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
			if ds.Action == string(resources.Restart) {
				pw.printf("      %s state = %s (stopped, then started again)\n", pw.marker("~"), quote(c.After["state"]))
			}
			pw.printf("    }\n")
		}
	}
	pw.printf("\n")
}

// show quotes an attribute value for a plan, shortening digests and
// showing lists (the files a pattern matches) as lists.
func show(name, v string) string {
	switch {
	case name == "matches":
		if v == "" {
			return "[]"
		}
		return `["` + strings.ReplaceAll(v, "\n", `", "`) + `"]`
	case name == "links" && v == "":
		return `"1"` // a path's state counts a file's names only when it has several
	case name == "sha256" && len(v) > 12:
		v = v[:12] + "…"
	case v == "":
		return "(none)"
	}
	return quote(v)
}

// quote puts a value in double quotes without escaping backslashes, so that
// Windows paths read as an administrator writes them.
func quote(s string) string { return `"` + s + `"` }
