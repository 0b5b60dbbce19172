package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
)

// fleetExamples is how many host names the text and Markdown forms show
// for each group; the JSON form lists them all.
const fleetExamples = 5

// WriteFleetText renders the summary for a terminal or a ticket's plain
// text: the counts, then each distinct plan once with its steps, then each
// reason for failure.
func WriteFleetText(w io.Writer, s *fleet.Summary, color bool) error {
	// Each part ends with a blank line; the last one's is cut.
	var buf bytes.Buffer
	pw := &printer{w: &buf, color: color}
	pw.printf("%sFleet report: %d hosts%s, playbook %s\n\n", pw.c(bold), s.Hosts, pw.c(reset), playbookNames(s))
	pw.printf("  %5d would change (%s)\n", s.WouldChange, count(changingPlans(s), "distinct plan"))
	pw.printf("  %5d already fine", s.AlreadyFine)
	if s.WithoutSymptom > 0 {
		pw.printf(" (%d without the symptom)", s.WithoutSymptom)
	}
	pw.printf("\n")
	pw.printf("  %5d failed to plan (%s)\n", s.Failed, count(len(s.Failures), "reason"))
	if s.Unreadable > 0 {
		pw.printf("  %5d could not be read\n", s.Unreadable)
	}
	pw.printf("\n")
	for i, p := range s.Plans {
		book := ""
		if len(s.Playbooks) > 1 {
			book = ", playbook " + p.Playbook
		}
		pw.printf("%sPlan %d, %s %s:%s %d to change, %d unchanged (fingerprint %s%s)\n", pw.c(bold), i+1,
			count(p.HostCount, "host"), outcome(p), pw.c(reset), p.Changes, p.Unchanged, p.Fingerprint, book)
		pw.printf("  Hosts: %s\n", examples(p.Hosts))
		if p.Changes > 0 {
			pw.printf("  %s\n", fleetBackout(p))
			for _, l := range p.CannotUndo {
				pw.printf("    - %s\n", l)
			}
		}
		pw.printf("\n")
		if p.Changes > 0 {
			for _, ds := range p.Steps {
				pw.step(ds)
			}
		}
	}
	for _, f := range s.Failures {
		pw.printf("%sFailed to plan on %s:%s\n  %s\n", pw.c(bold), count(f.HostCount, "host"), pw.c(reset), f.Message)
		pw.printf("  Hosts: %s\n\n", examples(f.Hosts))
	}
	if s.Unreadable > 0 {
		pw.printf("%sCould not read %s:%s\n", pw.c(bold), count(s.Unreadable, "result"), pw.c(reset))
		for _, u := range s.UnreadableResults[:min(fleetExamples, len(s.UnreadableResults))] {
			pw.printf("  %s: %s\n", u.Host, u.Error)
		}
		if n := len(s.UnreadableResults) - fleetExamples; n > 0 {
			pw.printf("  and %d more\n", n)
		}
	}
	if pw.err != nil {
		return pw.err
	}
	_, err := w.Write(append(bytes.TrimRight(buf.Bytes(), "\n"), '\n'))
	return err
}

// WriteFleetMarkdown renders the summary for a change ticket: a table of
// outcomes, then each distinct plan that changes something, step by step,
// with what it puts at risk.
func WriteFleetMarkdown(w io.Writer, s *fleet.Summary) error {
	pw := &printer{w: w, escape: mdText}
	pw.printf("## wuplay fleet report: %s\n\n", playbookNames(s))
	pw.printf("**%d hosts: %d would change, %d already fine", s.Hosts, s.WouldChange, s.AlreadyFine)
	if s.WithoutSymptom > 0 {
		pw.printf(" (%d without the symptom)", s.WithoutSymptom)
	}
	pw.printf(", %d failed to plan", s.Failed)
	if s.Unreadable > 0 {
		pw.printf(", %d could not be read", s.Unreadable)
	}
	pw.printf(".**\n\n| Hosts | Outcome | Plan or reason | For example |\n|---:|---|---|---|\n")
	for i, p := range s.Plans {
		pw.mdRow(p.HostCount, outcome(p), fmt.Sprintf("Plan %d: %d to change, %d unchanged", i+1, p.Changes, p.Unchanged), mdExamples(p.Hosts))
	}
	for _, f := range s.Failures {
		pw.mdRow(f.HostCount, "failed to plan", f.Message, mdExamples(f.Hosts))
	}
	if s.Unreadable > 0 {
		var hosts []string
		for _, u := range s.UnreadableResults {
			hosts = append(hosts, u.Host)
		}
		pw.mdRow(s.Unreadable, "could not be read", s.UnreadableResults[0].Error, mdExamples(hosts))
	}
	for i, p := range s.Plans {
		if p.Changes == 0 {
			continue
		}
		pw.printf("\n### Plan %d: %s, %d to change\n\n", i+1, count(p.HostCount, "host"), p.Changes)
		pw.printf("Fingerprint %s, playbook %s.\n\n", mdCode(p.Fingerprint), p.Playbook)
		pw.printf("| # | Step | Action | Change |\n|---|---|---|---|\n")
		for j, ds := range p.Steps {
			pw.mdRow(j+1, mdCode(ds.Address), ds.Action, changeText(ds))
		}
		if risks := risks(&engine.PlanDocument{Steps: p.Steps}); len(risks) > 0 {
			pw.printf("\nRisks:\n\n")
			for _, r := range risks {
				pw.printf("- %s\n", r)
			}
		}
		pw.printf("\n%s\n", fleetBackout(p))
		if len(p.CannotUndo) > 0 {
			pw.printf("\n")
			for _, l := range p.CannotUndo {
				pw.printf("- %s\n", l)
			}
		}
	}
	return pw.err
}

func playbookNames(s *fleet.Summary) string {
	if len(s.Playbooks) == 0 {
		return "(none)"
	}
	return strings.Join(s.Playbooks, ", ")
}

func changingPlans(s *fleet.Summary) int {
	n := 0
	for _, p := range s.Plans {
		if p.Changes > 0 {
			n++
		}
	}
	return n
}

// fleetBackout says whether the plan's backout is complete.
func fleetBackout(p fleet.Plan) markup {
	switch {
	case p.CannotUndo == nil:
		return "Backout: not known (the results were made by an older wuplay)."
	case len(p.CannotUndo) == 0:
		return "Backout: complete, every change can be undone."
	}
	return markup(fmt.Sprintf("Backout: incomplete, %s cannot be undone:", count(len(p.CannotUndo), "change")))
}

func outcome(p fleet.Plan) string {
	switch {
	case p.Changes > 0:
		return "would change"
	case !p.SymptomPresent:
		return "already fine, symptom not present"
	}
	return "already fine"
}

// count says "1 host", "2 hosts".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// examples names the first few hosts and counts the rest.
func examples(hosts []string) string {
	if len(hosts) <= fleetExamples {
		return strings.Join(hosts, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(hosts[:fleetExamples], ", "), len(hosts)-fleetExamples)
}

func mdExamples(hosts []string) markup {
	var quoted []string
	for _, h := range hosts[:min(fleetExamples, len(hosts))] {
		quoted = append(quoted, string(mdCode(h)))
	}
	out := strings.Join(quoted, ", ")
	if n := len(hosts) - fleetExamples; n > 0 {
		out += fmt.Sprintf(" and %d more", n)
	}
	return markup(out)
}
