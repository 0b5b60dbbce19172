package fleet

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

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
)

// Input is one host's dry run, as collected from it. Exactly one of
// Plan, Failure and Unreadable is set.
type Input struct {
	// Host names the host in the summary. The collector knows it (from the
	// file's name, say); the plan itself usually says only "local".
	Host string
	Plan *engine.PlanDocument
	// Failure is why the host's plan failed, in wuplay's words.
	Failure string
	// Unreadable is why the collected result could not be read: it says
	// nothing about the host itself.
	Unreadable string
}

// ParseInput reads one host's collected dry run: a saved plan (plan
// -out), the output of plan -json, or the result of wuplay as an Ansible
// module (wuplay_plan, or failed and msg). name is the file's name, for
// errors. A result that reports a failed plan is not an error: it gives
// an input with Failure set.
func ParseInput(host, name string, data []byte) (Input, error) {
	in := Input{Host: host}
	if len(data) > engine.MaxPlanFile {
		return in, fmt.Errorf("%s: %d bytes is too large for a host's result", name, len(data))
	}
	data = utf8Text(data)
	// wuplay writes format_version first, then type in a -json stream: the
	// first two names tell most files apart without reading them twice.
	if first, second := firstNames(data); first == "format_version" {
		if second == "type" {
			return in, parseStream(&in, name, data)
		}
		d, err := engine.ParsePlanDocument(name, data)
		in.Plan = d
		return in, err
	}
	var res ansibleRead
	if err := json.Unmarshal(data, &res); err != nil {
		return in, fmt.Errorf("%s is not a wuplay plan (a saved plan, the JSON stream of a plan or the Ansible module's result): %v", name, engine.JSONError(data, err))
	}
	switch {
	case res.Steps != nil:
		return in, fmt.Errorf("%s is the result of an apply, not of a dry run (check mode)", name)
	case res.Plan != nil && !res.Failed:
		d, err := engine.ParsePlanDocument(name+" (wuplay_plan)", res.Plan)
		in.Plan = d
		return in, err
	case res.Failed || res.Unreachable:
		in.Failure = cmp.Or(res.Msg, "the module failed without a message")
		if res.Unreachable {
			in.Failure = "unreachable: " + in.Failure
		}
		return in, nil
	}
	return in, fmt.Errorf("%s is not a wuplay plan (a saved plan, the JSON stream of a plan or the Ansible module's result): no format_version, type or wuplay_plan", name)
}

// AnsibleResult is what wuplay returns as an Ansible module, and what
// ansible-playbook keeps of it: wuplay_plan is a saved plan's document,
// wuplay_steps each step's outcome (after an apply).
type AnsibleResult struct {
	// WuplayVersion is the version of the module that ran.
	WuplayVersion string               `json:"wuplay_version"`
	Changed       bool                 `json:"changed"`
	Failed        bool                 `json:"failed"`
	Msg           string               `json:"msg"`
	Plan          *engine.PlanDocument `json:"wuplay_plan,omitempty"`
	Steps         []engine.StepOutcome `json:"wuplay_steps,omitempty"`
	// PutBack says, for each step put back, how.
	PutBack []string `json:"put_back,omitempty"`
	// LeftChanged is what a failed apply left changed on the host.
	LeftChanged []string `json:"left_changed,omitempty"`
	// RebootRequired, as Ansible's Windows modules say it: a step ran
	// after which the host needs a restart (ansible.windows.win_reboot).
	RebootRequired bool          `json:"reboot_required"`
	Diff           []AnsibleDiff `json:"diff,omitempty"`
}

// AnsibleDiff is one entry of Ansible's diff, shown by --diff.
type AnsibleDiff struct {
	BeforeHeader string `json:"before_header"`
	AfterHeader  string `json:"after_header"`
	Before       string `json:"before"`
	After        string `json:"after"`
}

// ansibleRead is an AnsibleResult as collected: its plan kept as bytes,
// for ParsePlanDocument's checks, and Ansible's own unreachable.
type ansibleRead struct {
	AnsibleResult
	Plan        json.RawMessage `json:"wuplay_plan"`
	Unreachable bool            `json:"unreachable"`
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

// firstNames returns the names of a JSON object's first member and, if
// that is format_version, of its second; reading no further.
func firstNames(data []byte) (first, second string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", ""
	}
	if t, err := dec.Token(); err == nil {
		first, _ = t.(string)
	}
	if first != "format_version" {
		return first, ""
	}
	var skip json.RawMessage
	if dec.Decode(&skip) != nil {
		return first, ""
	}
	if t, err := dec.Token(); err == nil {
		second, _ = t.(string)
	}
	return first, second
}

// parseStream puts a plan -json stream back together: its planned steps
// and summary, or the errors that stopped the plan.
func parseStream(in *Input, name string, data []byte) error {
	d := &engine.PlanDocument{}
	var errs []string
	summary := false
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		var head struct {
			FormatVersion json.RawMessage `json:"format_version"`
			Type          string          `json:"type"`
		}
		if err == nil {
			err = json.Unmarshal(raw, &head)
		}
		if err != nil {
			return fmt.Errorf("%s: object %d of the -json stream: %v", name, n, engine.JSONError(data, err))
		}
		if err := engine.CheckFormat(fmt.Sprintf("%s: object %d", name, n), "-json stream", head.FormatVersion, "plan again with this wuplay"); err != nil {
			return err
		}
		switch head.Type {
		case engine.LinePlannedStep:
			var l engine.PlannedStepLine
			if err := json.Unmarshal(raw, &l); err != nil {
				return fmt.Errorf("%s: object %d: %v", name, n, err)
			}
			if err := l.Step.Check(); err != nil {
				return fmt.Errorf("%s: object %d: step %d (%s): %w", name, n, len(d.Steps)+1, l.Step.Address, err)
			}
			d.Steps = append(d.Steps, l.Step)
		case engine.LinePlanSummary:
			var l engine.PlanSummaryLine
			if err := json.Unmarshal(raw, &l); err != nil {
				return fmt.Errorf("%s: object %d: %v", name, n, err)
			}
			summary = true
			d.Host, d.Playbook.Name = l.Host, l.Playbook
			d.Summary = engine.DocSummary{Changes: l.Changes, Unchanged: l.Unchanged, SymptomPresent: l.SymptomPresent}
			d.Backout = &engine.Backout{CannotUndo: l.CannotUndo}
		case engine.LineDiagnostic:
			var l engine.DiagnosticLine
			if err := json.Unmarshal(raw, &l); err != nil {
				return fmt.Errorf("%s: object %d: %v", name, n, err)
			}
			if l.Severity == "error" {
				// A failure has a message, if only this one.
				errs = append(errs, cmp.Or(l.Summary, "an error without a summary"))
			}
		case engine.LineStepStarted, engine.LineStepFinished, engine.LineApplySummary:
			return fmt.Errorf("%s is the output of wuplay apply, not of a dry run", name)
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

// Summary is the summary of many hosts' dry runs. Its JSON form is
// the machine-readable report; WriteFleetText and WriteFleetMarkdown
// render it for people.
type Summary struct {
	FormatVersion string `json:"format_version"`
	// WuplayVersion is the version of the wuplay that summarised.
	WuplayVersion string `json:"wuplay_version"`
	Hosts         int    `json:"hosts"`
	WouldChange   int    `json:"would_change"`
	AlreadyFine   int    `json:"already_fine"`
	// WithoutSymptom counts the hosts already fine because the playbook's
	// detect found nothing to fix.
	WithoutSymptom int      `json:"without_symptom"`
	Failed         int      `json:"failed"`
	Unreadable     int      `json:"unreadable"`
	Playbooks      []string `json:"playbooks"`
	// Plans are the distinct plans: those with changes first, then those
	// without; each by number of hosts, most first.
	Plans []Plan `json:"plans"`
	// Failures are the distinct reasons that plans failed, most hosts
	// first.
	Failures []Failure `json:"failures"`
	// UnreadableResults are the results that could not be read, by host.
	UnreadableResults []Unreadable `json:"unreadable_results"`
}

// Plan is one distinct plan and the hosts that have it.
type Plan struct {
	// Fingerprint identifies the plan: equal on two hosts when they would
	// see the same steps and changes.
	Fingerprint string `json:"fingerprint"`
	Playbook    string `json:"playbook"`
	Changes     int    `json:"changes"`
	Unchanged   int    `json:"unchanged"`
	// SymptomPresent is false when the playbook's detect found nothing
	// to fix.
	SymptomPresent bool `json:"symptom_present"`
	HostCount      int  `json:"host_count"`
	// Hosts are sorted by name.
	Hosts []string `json:"hosts"`
	// Steps are the plan of the first host: the others' differ at most in
	// what the plan does not show (reasons, the case of names, when each
	// was made).
	Steps []engine.DocStep `json:"steps"`
	// CannotUndo is what the first host's backout cannot give back: the
	// backout is complete when it is empty. Nil when the collected results
	// do not say (made by an older wuplay).
	CannotUndo []string `json:"cannot_undo"`
}

// Failure is one reason for failed plans, and the hosts it stopped.
type Failure struct {
	// Message is the error of the first host, with the host's own name
	// replaced by <host>.
	Message   string   `json:"message"`
	HostCount int      `json:"host_count"`
	Hosts     []string `json:"hosts"`
}

// Unreadable is a result that could not be read.
type Unreadable struct {
	Host  string `json:"host"`
	Error string `json:"error"`
}

// Summarize groups hosts by identical plan, and failures by reason. It is
// a pure function of its inputs, whatever their order, given that each
// host has one input (the caller sees to that).
func Summarize(inputs []Input) *Summary {
	s := &Summary{FormatVersion: engine.FormatVersion, WuplayVersion: engine.Version(), Hosts: len(inputs), Playbooks: []string{},
		Plans: []Plan{}, Failures: []Failure{}, UnreadableResults: []Unreadable{}}
	sorted := slices.SortedFunc(slices.Values(inputs), func(a, b Input) int { return cmp.Compare(a.Host, b.Host) })
	plans := map[string]*Plan{}
	failures := map[string]*Failure{}
	books := map[string]bool{}
	for _, in := range sorted {
		switch {
		case in.Unreadable != "":
			s.Unreadable++
			s.UnreadableResults = append(s.UnreadableResults, Unreadable{Host: in.Host, Error: in.Unreadable})
		case in.Plan == nil:
			s.Failed++
			msg := failureMessage(in.Host, in.Failure)
			key := strings.ToLower(msg)
			f := failures[key]
			if f == nil {
				f = &Failure{Message: msg}
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
			case !d.Summary.SymptomPresent:
				s.AlreadyFine++
				s.WithoutSymptom++
			default:
				s.AlreadyFine++
			}
			fp := Fingerprint(d)
			p := plans[fp]
			if p == nil {
				p = &Plan{Fingerprint: fp, Playbook: d.Playbook.Name, Changes: d.Summary.Changes, Unchanged: d.Summary.Unchanged,
					SymptomPresent: d.Summary.SymptomPresent, Steps: d.Steps}
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
	slices.SortFunc(s.Plans, func(a, b Plan) int {
		return cmp.Or(-cmp.Compare(min(a.Changes, 1), min(b.Changes, 1)), -cmp.Compare(a.HostCount, b.HostCount), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	for _, f := range failures {
		s.Failures = append(s.Failures, *f)
	}
	slices.SortFunc(s.Failures, func(a, b Failure) int {
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
func Fingerprint(d *engine.PlanDocument) string {
	// The plan as text, each value quoted, then hashed.
	b := make([]byte, 0, 1024)
	b = strconv.AppendQuote(b, d.Playbook.Name)
	b = strconv.AppendBool(append(b, " symptom_present="...), d.Summary.SymptomPresent)
	var keys []string
	for _, ds := range d.Steps {
		b = append(append(append(append(b, '\n'), ds.Address...), ' '), string(ds.Action)...)
		b = strconv.AppendBool(append(b, " forced="...), ds.Forced)
		b = strconv.AppendQuote(append(b, " target="...), strings.ToLower(ds.Target))
		if ds.Action == resources.Run {
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

// Marshal encodes the summary as indented JSON.
func (s *Summary) Marshal() []byte {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // the summary holds only plain values
	}
	return append(data, '\n')
}
