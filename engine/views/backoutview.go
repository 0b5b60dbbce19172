package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
)

// WriteBackout renders a backout for a terminal or plain text: its steps,
// then what cannot be undone.
func WriteBackout(w io.Writer, b *engine.Backout, color bool) error {
	pw := &printer{w: w, color: color}
	pw.backout(b, "Backout: ", quote, "  %d. %s\n", "  - %s\n")
	return pw.err
}

// backout writes b's section of a view: title starts its first line,
// code renders a value, step and lost are the formats of a step's line
// and of what cannot be undone.
func (pw *printer) backout(b *engine.Backout, title markup, code func(string) markup, step, lost string) {
	lead := func(s string) markup {
		if title == "" {
			return markup(strings.ToUpper(s[:1]) + s[1:])
		}
		return title + markup(s)
	}
	switch {
	case b == nil:
		pw.printf("%s\n", lead("not known (this plan was made by an older wuplay)."))
		return
	case len(b.Steps) == 0 && b.Complete():
		pw.printf("%s\n", lead("nothing to undo."))
		return
	case len(b.Steps) == 0:
		pw.printf("%s\n", lead("nothing that can be undone."))
	default:
		pw.printf("%s\n\n", lead("to put the host back as it was read (wuplay backout REPORT):"))
		for i, s := range b.Steps {
			pw.printf(step, i+1, backoutText(s, code))
		}
	}
	if b.Complete() {
		pw.printf("\nThe backout is complete: every change can be undone.\n")
		return
	}
	pw.printf("\nCannot be undone:\n\n")
	for _, l := range b.CannotUndo {
		pw.printf(lost, l)
	}
}

// backoutText says in one line what a backout step does, with each value
// rendered by code.
func backoutText(s engine.BackoutStep, code func(string) markup) markup {
	var text string
	switch {
	case s.Action == engine.BackoutStop:
		text = "stop service " + string(code(s.Name))
		if s.StopDependents {
			text += " and the running services that depend on it"
		}
		text += ", while the changes are undone"
	case s.Action == engine.BackoutRenameBack:
		text = fmt.Sprintf("rename %s back to %s, first moving whatever is at %s by then aside to %s; nothing is deleted",
			code(s.Name), code(s.To), code(s.To), code(s.To+engine.AsideSuffix))
	case s.Action == engine.BackoutImport:
		text = fmt.Sprintf("import registry key %s again from its backup %s", code(s.Name), code(s.To))
	case s.Kind == resources.KindService:
		var parts []string
		if v := s.Recorded["state"]; v != "" {
			parts = append(parts, "state "+string(code(v)))
		}
		if v := s.Recorded["start_type"]; v != "" {
			parts = append(parts, "start type "+string(code(v)))
		}
		text = fmt.Sprintf("return service %s to %s, as read", code(s.Name), strings.Join(parts, ", "))
	case s.Kind == resources.KindRegistryValue && s.Recorded["exists"] == "true":
		text = fmt.Sprintf("set registry value %s back to %s %s", code(s.Name), code(s.Recorded["type"]), code(s.Recorded["data"]))
	case s.Kind == resources.KindRegistryValue:
		text = fmt.Sprintf("delete registry value %s, which the apply created", code(s.Name))
	default:
		text = fmt.Sprintf("delete file %s, which the apply created, if it still holds what the apply wrote", code(s.Name))
	}
	if len(s.Undoes) > 0 {
		var addrs []string
		for _, a := range s.Undoes {
			addrs = append(addrs, string(code(a)))
		}
		text += " (undoes " + strings.Join(addrs, ", ") + ")"
	}
	return markup(text)
}
