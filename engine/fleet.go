package engine

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/wuplay/wuplay/resources"
)

// A fleet report is one change-ticket summary of many hosts' dry runs:
// how many hosts would change, how many are already fine, how many could
// not be planned and why, with each distinct plan shown once. Four thousand
// hosts usually come down to a handful of plans.

// FleetFormatVersion is the version of the fleet summary's JSON form.
const FleetFormatVersion = 1

// fleetExamples is how many host names the text and Markdown forms show
// for each group; the JSON form lists them all.
const fleetExamples = 5

// FleetInput is one host's dry run, as collected from it. Exactly one of
// Plan, Failure and Unreadable is set.
type FleetInput struct {
	// Host names the host in the summary. The collector knows it (from the
	// file's name, say); the plan itself usually says only "local".
	Host string
	Plan *PlanDocument
	// Failure is why the host's plan failed, in wuplay's words.
	Failure string
	// Unreadable is why the collected result could not be read: it says
	// nothing about the host itself.
	Unreadable string
}

// ParseFleetInput reads one host's collected dry run: a saved plan (plan
// -out), the output of plan -json, or the result of wuplay as an Ansible
// module (wuplay_plan, or failed and msg). name is the file's name, for
// errors. A result that reports a failed plan is not an error: it gives
// an input with Failure set.
func ParseFleetInput(host, name string, data []byte) (FleetInput, error) {
	in := FleetInput{Host: host}
	if len(data) > MaxPlanFile {
		return in, fmt.Errorf("%s: %d bytes is too large for a host's result", name, len(data))
	}
	data = utf8Text(data)
	// wuplay writes format_version first, a string in the -json stream and
	// a number in a saved plan: the first token tells most files apart
	// without reading them twice.
	switch firstValue(data, "format_version").(type) {
	case string:
		return in, parseStream(&in, name, data)
	case float64:
		d, err := ParsePlanDocument(name, data)
		in.Plan = d
		return in, err
	}
	var probe struct {
		FormatVersion json.RawMessage `json:"format_version"`
		Type          string          `json:"type"`
		Plan          json.RawMessage `json:"wuplay_plan"`
		Steps         json.RawMessage `json:"wuplay_steps"`
		Failed        bool            `json:"failed"`
		Unreachable   bool            `json:"unreachable"`
		Msg           *string         `json:"msg"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&probe); err != nil {
		return in, fmt.Errorf("%s is not a wuplay plan (plan -out, plan -json or the Ansible module's result): %v", name, jsonError(data, err))
	}
	switch {
	case probe.Type != "":
		return in, parseStream(&in, name, data)
	case probe.FormatVersion != nil:
		d, err := ParsePlanDocument(name, data)
		in.Plan = d
		return in, err
	case probe.Steps != nil:
		return in, fmt.Errorf("%s is the result of an apply, not of a dry run (ansible-playbook --check)", name)
	case probe.Plan != nil && !probe.Failed:
		d, err := ParsePlanDocument(name+" (wuplay_plan)", probe.Plan)
		in.Plan = d
		return in, err
	case (probe.Failed || probe.Unreachable) && probe.Msg != nil:
		in.Failure = cmp.Or(*probe.Msg, "the module failed without a message")
		if probe.Unreachable {
			in.Failure = "unreachable: " + in.Failure
		}
		return in, nil
	}
	return in, fmt.Errorf("%s is not a wuplay plan (plan -out, plan -json or the Ansible module's result): no format_version, type or wuplay_plan", name)
}

// utf8Text undoes what Windows PowerShell 5.1 does to output it
// redirects to a file (wuplay plan -json > web01.json): UTF-16 with a byte
// order mark, or UTF-8 with one.
func utf8Text(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return data[3:]
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		order = binary.BigEndian
	default:
		return data
	}
	units := make([]uint16, 0, len(data)/2)
	for i := 2; i+1 < len(data); i += 2 {
		units = append(units, order.Uint16(data[i:]))
	}
	return []byte(string(utf16.Decode(units)))
}

// firstValue returns the value of a JSON object's first member if its
// name is key, reading no further; otherwise nil.
func firstValue(data []byte, key string) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	if t, err := dec.Token(); err != nil || t != key {
		return nil
	}
	t, _ := dec.Token()
	return t
}

// streamLine is any line of the -json stream that a dry run holds.
type streamLine struct {
	FormatVersion string   `json:"format_version"`
	Type          string   `json:"type"`
	Step          *DocStep `json:"step"`
	Playbook      string   `json:"playbook"`
	Host          string   `json:"host"`
	Changes       int      `json:"changes"`
	Unchanged     int      `json:"unchanged"`
	// SymptomPresent is false when the playbook's detect found nothing
	// to fix; streams of before detect have no such field.
	SymptomPresent *bool `json:"symptom_present"`
	// CannotUndo is what the plan's backout cannot give back; streams of
	// before the backout have no such field.
	CannotUndo *[]string `json:"cannot_undo"`
	Severity   string    `json:"severity"`
	Summary    string    `json:"summary"`
}

// parseStream puts a plan -json stream back together: its planned steps
// and summary, or the errors that stopped the plan.
func parseStream(in *FleetInput, name string, data []byte) error {
	d := &PlanDocument{}
	var errs []string
	summary := false
	major, _, _ := strings.Cut(JSONFormatVersion, ".")
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var l streamLine
		err := dec.Decode(&l)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: object %d of the -json stream: %v", name, n, jsonError(data, err))
		}
		if v, _, _ := strings.Cut(l.FormatVersion, "."); v != major {
			return fmt.Errorf("%s: a -json stream of format version %q; this wuplay reads %s", name, l.FormatVersion, JSONFormatVersion)
		}
		switch l.Type {
		case "planned_step":
			if l.Step == nil {
				return fmt.Errorf("%s: object %d: a planned_step without its step", name, n)
			}
			if err := l.Step.check(); err != nil {
				return fmt.Errorf("%s: object %d: step %d (%s): %w", name, n, len(d.Steps)+1, l.Step.Address, err)
			}
			d.Steps = append(d.Steps, *l.Step)
		case "plan_summary":
			summary = true
			d.Host, d.Playbook.Name = l.Host, l.Playbook
			d.Summary = DocSummary{Changes: l.Changes, Unchanged: l.Unchanged, SymptomAbsent: l.SymptomPresent != nil && !*l.SymptomPresent}
			if l.CannotUndo != nil {
				d.Backout = &Backout{CannotUndo: *l.CannotUndo}
			}
		case "diagnostic":
			if l.Severity == "error" {
				// A failure has a message, if only this one.
				errs = append(errs, cmp.Or(l.Summary, "an error without a summary"))
			}
		case "step_started", "step_finished", "apply_summary":
			return fmt.Errorf("%s is the output of wuplay apply, not of a dry run (plan -json)", name)
		}
	}
	switch {
	case len(errs) > 0:
		in.Failure = strings.Join(errs, "; ")
	case !summary:
		return fmt.Errorf("%s: the -json stream ends before its plan_summary line (was the plan cut short?)", name)
	default:
		in.Plan = d
	}
	return nil
}

// FleetSummary is the summary of many hosts' dry runs. Its JSON form is
// the machine-readable report; WriteFleetText and WriteFleetMarkdown
// render it for people.
type FleetSummary struct {
	FormatVersion int `json:"format_version"`
	// WuplayVersion is the version of the wuplay that summarised.
	WuplayVersion string `json:"wuplay_version"`
	Hosts         int    `json:"hosts"`
	WouldChange   int    `json:"would_change"`
	AlreadyFine   int    `json:"already_fine"`
	// SymptomAbsent counts the hosts already fine because the playbook's
	// detect found nothing to fix.
	SymptomAbsent int      `json:"symptom_absent"`
	Failed        int      `json:"failed"`
	Unreadable    int      `json:"unreadable"`
	Playbooks     []string `json:"playbooks"`
	// Plans are the distinct plans: those with changes first, then those
	// without; each by number of hosts, most first.
	Plans []FleetPlan `json:"plans"`
	// Failures are the distinct reasons that plans failed, most hosts
	// first.
	Failures []FleetFailure `json:"failures"`
	// UnreadableResults are the results that could not be read, by host.
	UnreadableResults []FleetUnreadable `json:"unreadable_results"`
}

// FleetPlan is one distinct plan and the hosts that have it.
type FleetPlan struct {
	// Fingerprint identifies the plan: equal on two hosts when they would
	// see the same steps and changes.
	Fingerprint string `json:"fingerprint"`
	Playbook    string `json:"playbook"`
	Changes     int    `json:"changes"`
	Unchanged   int    `json:"unchanged"`
	// SymptomAbsent: the playbook's detect found nothing to fix.
	SymptomAbsent bool `json:"symptom_absent,omitempty"`
	HostCount     int  `json:"host_count"`
	// Hosts are sorted by name.
	Hosts []string `json:"hosts"`
	// Steps are the plan of the first host: the others' differ at most in
	// what the plan does not show (reasons, the case of names, when each
	// was made).
	Steps []DocStep `json:"steps"`
	// CannotUndo is what the first host's backout cannot give back: the
	// backout is complete when it is empty. Nil when the collected results
	// do not say (made by an older wuplay).
	CannotUndo []string `json:"cannot_undo"`
}

// FleetFailure is one reason for failed plans, and the hosts it stopped.
type FleetFailure struct {
	// Message is the error of the first host, with the host's own name
	// replaced by <host>.
	Message   string   `json:"message"`
	HostCount int      `json:"host_count"`
	Hosts     []string `json:"hosts"`
}

// FleetUnreadable is a result that could not be read.
type FleetUnreadable struct {
	Host  string `json:"host"`
	Error string `json:"error"`
}

// Summarize groups hosts by identical plan, and failures by reason. It is
// a pure function of its inputs, whatever their order, given that each
// host has one input (the caller sees to that).
func Summarize(inputs []FleetInput) *FleetSummary {
	s := &FleetSummary{FormatVersion: FleetFormatVersion, WuplayVersion: Version(), Hosts: len(inputs), Playbooks: []string{},
		Plans: []FleetPlan{}, Failures: []FleetFailure{}, UnreadableResults: []FleetUnreadable{}}
	sorted := slices.SortedFunc(slices.Values(inputs), func(a, b FleetInput) int { return cmp.Compare(a.Host, b.Host) })
	plans := map[string]*FleetPlan{}
	failures := map[string]*FleetFailure{}
	books := map[string]bool{}
	for _, in := range sorted {
		switch {
		case in.Unreadable != "":
			s.Unreadable++
			s.UnreadableResults = append(s.UnreadableResults, FleetUnreadable{Host: in.Host, Error: in.Unreadable})
		case in.Plan == nil:
			s.Failed++
			msg := failureMessage(in.Host, in.Failure)
			key := strings.ToLower(msg)
			f := failures[key]
			if f == nil {
				f = &FleetFailure{Message: msg}
				failures[key] = f
			}
			f.HostCount++
			f.Hosts = append(f.Hosts, in.Host)
		default:
			d := in.Plan
			books[d.Playbook.Name] = true
			switch {
			case d.Summary.Changes > 0:
				s.WouldChange++
			case d.Summary.SymptomAbsent:
				s.AlreadyFine++
				s.SymptomAbsent++
			default:
				s.AlreadyFine++
			}
			fp := Fingerprint(d)
			p := plans[fp]
			if p == nil {
				p = &FleetPlan{Fingerprint: fp, Playbook: d.Playbook.Name, Changes: d.Summary.Changes, Unchanged: d.Summary.Unchanged,
					SymptomAbsent: d.Summary.SymptomAbsent, Steps: d.Steps}
				if d.Backout != nil {
					p.CannotUndo = append([]string{}, d.Backout.CannotUndo...)
				}
				plans[fp] = p
			}
			p.HostCount++
			p.Hosts = append(p.Hosts, in.Host)
		}
	}
	s.Playbooks = slices.Sorted(maps.Keys(books))
	for _, p := range plans {
		s.Plans = append(s.Plans, *p)
	}
	slices.SortFunc(s.Plans, func(a, b FleetPlan) int {
		return cmp.Or(-cmp.Compare(min(a.Changes, 1), min(b.Changes, 1)), -cmp.Compare(a.HostCount, b.HostCount), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	for _, f := range failures {
		s.Failures = append(s.Failures, *f)
	}
	slices.SortFunc(s.Failures, func(a, b FleetFailure) int {
		return cmp.Or(-cmp.Compare(a.HostCount, b.HostCount), cmp.Compare(a.Message, b.Message))
	})
	return s
}

// Fingerprint identifies a plan by what its rendering shows: the playbook,
// whether its symptom was found, and each step's address, action, whether it is forced, the path it
// chose (Target), the command it runs and, for each object it changes, the
// attributes that change, before and after. What
// differs from host to host without changing the plan stays out: the
// host's name, when the plan was made, the reasons given for steps that
// change nothing, and the case of object names (Windows paths and service
// names are case-insensitive, and %windir% is C:\Windows on one machine and
// C:\WINDOWS on the next).
func Fingerprint(d *PlanDocument) string {
	// The plan as text, each value quoted, then hashed.
	b := make([]byte, 0, 1024)
	b = strconv.AppendQuote(b, d.Playbook.Name)
	b = strconv.AppendBool(append(b, " symptom_absent="...), d.Summary.SymptomAbsent)
	var keys []string
	for _, ds := range d.Steps {
		b = append(append(append(append(b, '\n'), ds.Address...), ' '), ds.Action...)
		b = strconv.AppendBool(append(b, " forced="...), ds.Forced)
		b = strconv.AppendQuote(append(b, " target="...), strings.ToLower(ds.Target))
		if ds.Action == string(resources.Run) {
			// A command has no state: the plan shows it by its reason.
			b = strconv.AppendQuote(append(b, " run="...), ds.Reason)
		}
		for _, c := range ds.Changes {
			b = append(append(append(b, "\n  "...), c.Kind...), ' ')
			b = strconv.AppendQuote(b, strings.ToLower(c.Name))
			if c.After["exists"] == "false" {
				b = append(b, " deleted"...)
				continue
			}
			keys = keys[:0]
			for k := range c.Before {
				keys = append(keys, k)
			}
			for k := range c.After {
				if _, ok := c.Before[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				if c.Before[k] != c.After[k] && !resources.Hidden(k) {
					b = append(append(append(b, ' '), k...), '=')
					b = strconv.AppendQuote(b, c.Before[k])
					b = strconv.AppendQuote(append(b, '>'), c.After[k])
				}
			}
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// failureMessage is the part of a host's error that hosts share: its
// first line (the Ansible module adds the playbook's source below it),
// without the "Error: " of the command line, with the host's own name
// replaced.
func failureMessage(host, msg string) string {
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	msg = strings.TrimSpace(strings.TrimPrefix(msg, "Error: "))
	if host != "" && strings.Contains(strings.ToLower(msg), strings.ToLower(host)) {
		re := regexp.MustCompile(`(?i)(^|[^\pL\pN_.-])` + regexp.QuoteMeta(host) + `($|[^\pL\pN_-])`)
		msg = re.ReplaceAllString(msg, "${1}<host>${2}")
	}
	if msg == "" {
		msg = "(no message)"
	}
	return msg
}

// WriteFleetText renders the summary for a terminal or a ticket's plain
// text: the counts, then each distinct plan once with its steps, then each
// reason for failure.
func WriteFleetText(w io.Writer, s *FleetSummary, color bool) error {
	// Each part ends with a blank line; the last one's is cut.
	var buf bytes.Buffer
	pw := &printer{w: &buf, color: color}
	pw.printf("%sFleet report: %d hosts%s, playbook %s\n\n", pw.c(bold), s.Hosts, pw.c(reset), s.playbooks())
	pw.printf("  %5d would change (%s)\n", s.WouldChange, count(s.changingPlans(), "distinct plan"))
	pw.printf("  %5d already fine", s.AlreadyFine)
	if s.SymptomAbsent > 0 {
		pw.printf(" (%d without the symptom)", s.SymptomAbsent)
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
			count(p.HostCount, "host"), p.outcome(), pw.c(reset), p.Changes, p.Unchanged, p.Fingerprint, book)
		pw.printf("  Hosts: %s\n", examples(p.Hosts))
		if p.Changes > 0 {
			pw.printf("  %s\n", p.backoutText())
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
func WriteFleetMarkdown(w io.Writer, s *FleetSummary) error {
	pw := &printer{w: w, escape: mdText}
	pw.printf("## wuplay fleet report: %s\n\n", s.playbooks())
	pw.printf("**%d hosts: %d would change, %d already fine", s.Hosts, s.WouldChange, s.AlreadyFine)
	if s.SymptomAbsent > 0 {
		pw.printf(" (%d without the symptom)", s.SymptomAbsent)
	}
	pw.printf(", %d failed to plan", s.Failed)
	if s.Unreadable > 0 {
		pw.printf(", %d could not be read", s.Unreadable)
	}
	pw.printf(".**\n\n| Hosts | Outcome | Plan or reason | For example |\n|---:|---|---|---|\n")
	for i, p := range s.Plans {
		pw.mdRow(p.HostCount, p.outcome(), fmt.Sprintf("Plan %d: %d to change, %d unchanged", i+1, p.Changes, p.Unchanged), mdExamples(p.Hosts))
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
		if risks := risks(&PlanDocument{Steps: p.Steps}); len(risks) > 0 {
			pw.printf("\nRisks:\n\n")
			for _, r := range risks {
				pw.printf("- %s\n", r)
			}
		}
		pw.printf("\n%s\n", p.backoutText())
		if len(p.CannotUndo) > 0 {
			pw.printf("\n")
			for _, l := range p.CannotUndo {
				pw.printf("- %s\n", l)
			}
		}
	}
	return pw.err
}

// Marshal encodes the summary as indented JSON.
func (s *FleetSummary) Marshal() []byte {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // the summary holds only plain values
	}
	return append(data, '\n')
}

func (s *FleetSummary) playbooks() string {
	if len(s.Playbooks) == 0 {
		return "(none)"
	}
	return strings.Join(s.Playbooks, ", ")
}

func (s *FleetSummary) changingPlans() int {
	n := 0
	for _, p := range s.Plans {
		if p.Changes > 0 {
			n++
		}
	}
	return n
}

// backoutText says whether the plan's backout is complete.
func (p FleetPlan) backoutText() markup {
	switch {
	case p.CannotUndo == nil:
		return "Backout: not known (the results were made by an older wuplay)."
	case len(p.CannotUndo) == 0:
		return "Backout: complete, every change can be undone."
	}
	return markup(fmt.Sprintf("Backout: incomplete, %s cannot be undone:", count(len(p.CannotUndo), "change")))
}

func (p FleetPlan) outcome() string {
	switch {
	case p.Changes > 0:
		return "would change"
	case p.SymptomAbsent:
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
