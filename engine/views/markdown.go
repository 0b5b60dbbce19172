package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
)

// WriteMarkdown renders a saved plan as a summary for a change ticket:
// what will change, step by step, and what the change puts at risk.
func WriteMarkdown(w io.Writer, d *engine.PlanDocument) error {
	pw := &printer{w: w, escape: mdText}
	pw.printf("## wuplay plan: %s on %s\n\n", d.Playbook.Name, mdCode(d.Host))
	if d.Playbook.Title != "" {
		pw.printf("**%s**", d.Playbook.Title)
		if d.Playbook.Source != "" {
			pw.printf(" (%s)", d.Playbook.Source)
		}
		pw.printf("\n\n")
	}
	pw.printf("Playbook %s, sha256 %s, planned %s.\n\n", mdCode(d.Playbook.Filename), mdCode(d.Playbook.SHA256[:16]), d.CreatedAt.Format(time.RFC3339))
	pw.printf("**Plan: %d to change, %d unchanged.**\n\n", d.Summary.Changes, d.Summary.Unchanged)
	pw.printf("| # | Step | Action | Change |\n|---|---|---|---|\n")
	for i, ds := range d.Steps {
		pw.mdRow(i+1, mdCode(ds.Address), ds.Action, changeText(ds))
	}
	if risks := risks(d); len(risks) > 0 {
		pw.printf("\n### Risks\n\n")
		for _, r := range risks {
			pw.printf("- %s\n", r)
		}
	}
	if d.Summary.Changes > 0 {
		pw.printf("\n### Backout\n\n")
		pw.backout(d.Backout, "", mdCode, "%d. %s\n", "- %s\n")
	}
	if len(d.Facts) > 0 {
		pw.printf("\n### Facts read at plan time\n\n")
		for _, name := range slices.Sorted(maps.Keys(d.Facts)) {
			// On one line: a saved plan holds it indented.
			var v bytes.Buffer
			if json.Compact(&v, d.Facts[name]) != nil {
				v.Write(d.Facts[name])
			}
			pw.printf("- %s = %s\n", mdCode("fact."+name), mdCode(v.String()))
		}
	}
	if len(d.Variables) > 0 {
		pw.printf("\n### Variables\n\n")
		for _, name := range slices.Sorted(maps.Keys(d.Variables)) {
			pw.printf("- %s = %s\n", mdCode(name), mdCode(string(d.Variables[name])))
		}
	}
	return pw.err
}

// changeText says in one line of Markdown what a step does.
func changeText(ds engine.DocStep) markup {
	switch {
	case ds.Action == resources.NoOp:
		return markup("no change: " + mdText(ds.Reason))
	case ds.Action == resources.Rename:
		return mdCode(ds.Changes[0].Name) + " → " + mdCode(ds.RenamedTo())
	case ds.Action == resources.Run:
		return markup(mdText(ds.Reason))
	}
	var parts []string
	for _, c := range ds.Changes {
		var attrs []string
		for _, name := range slices.Sorted(maps.Keys(c.After)) {
			if c.Before[name] != c.After[name] && name != "exists" {
				attrs = append(attrs, mdText(name)+" "+mdText(string(show(name, c.Before[name])))+" → "+mdText(string(show(name, c.After[name]))))
			}
		}
		if c.After["exists"] == "false" {
			attrs = []string{"deleted"}
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", mdText(c.Kind), mdCode(c.Name), strings.Join(attrs, ", ")))
	}
	text := strings.Join(parts, "; ")
	if ds.Reason != "" {
		text += " (" + mdText(ds.Reason) + ")"
	}
	if ds.Forced {
		text += "; (forced by -replace)"
	}
	return markup(text)
}

// risks lists what a reviewer must weigh: services down and for how long
// at most, deletions, forced steps.
func risks(d *engine.PlanDocument) []markup {
	var out []markup
	for i, ds := range d.Steps {
		switch ds.Action {
		case resources.Stop, resources.Restart:
			name := ds.Changes[0].Name
			until, wait := -1, time.Duration(ds.MaxWaitSeconds)*time.Second
			if ds.Action == resources.Restart {
				out = append(out, markup(fmt.Sprintf("Service %s is restarted by step %d; it is down at most %s.", mdCode(name), i+1, 2*wait)))
				continue
			}
			for j := i + 1; j < len(d.Steps) && until < 0; j++ {
				later := d.Steps[j]
				wait += time.Duration(later.MaxWaitSeconds) * time.Second
				if len(later.Changes) > 0 && later.Changes[0].Kind == resources.KindService &&
					strings.EqualFold(later.Changes[0].Name, name) && later.Changes[0].After["state"] == "running" {
					until = j
				}
			}
			if until < 0 {
				out = append(out, markup(fmt.Sprintf("Service %s is stopped by step %d and left stopped.", mdCode(name), i+1)))
			} else {
				out = append(out, markup(fmt.Sprintf("Service %s is stopped from step %d to step %d: at most %s of service waits, plus the time of the steps between.",
					mdCode(name), i+1, until+1, wait)))
			}
		case resources.Delete:
			out = append(out, markup(fmt.Sprintf("Step %d deletes %s: its contents cannot be recovered by wuplay.", i+1, mdCode(ds.Changes[0].Name))))
		case resources.Rename:
			out = append(out, markup(fmt.Sprintf("Step %d moves %s aside to %s; nothing is deleted.", i+1, mdCode(ds.Changes[0].Name), mdCode(ds.RenamedTo()))))
		}
		if ds.Forced {
			out = append(out, markup(fmt.Sprintf("Step %d is forced by -replace.", i+1)))
		}
	}
	return out
}
