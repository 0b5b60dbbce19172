package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// MaxPlanFile bounds a saved plan, a -json stream and a fleet result, so
// that a hostile file cannot exhaust memory.
const MaxPlanFile = 64 << 20

// PlanDocument is a saved plan (plan -out): everything a reviewer needs to
// judge it, and everything apply needs to check that it still holds.
type PlanDocument struct {
	FormatVersion string `json:"format_version"`
	// WuplayVersion is the version of the wuplay that made the plan.
	WuplayVersion string    `json:"wuplay_version"`
	CreatedAt     time.Time `json:"created_at"`
	Host          string    `json:"host"`
	// Machine and HostFolder say where the plan was made (host.Place):
	// the machine's name and, for a simulated host, its absolute folder.
	// It applies nowhere else.
	Machine    string `json:"machine"`
	HostFolder string `json:"host_folder,omitempty"`
	Playbook   struct {
		Name     string `json:"name"`
		Title    string `json:"title,omitempty"`
		Source   string `json:"source,omitempty"`
		Filename string `json:"filename"`
		SHA256   string `json:"sha256"`
		Content  string `json:"content"`
	} `json:"playbook"`
	// Variables are the values set, of their variables' types; a plan of
	// an older wuplay holds strings, which are read as -var's text.
	Variables map[string]json.RawMessage `json:"variables,omitempty"`
	Replace   []string                   `json:"replace,omitempty"`
	Target    []string                   `json:"target,omitempty"`
	Facts     map[string]json.RawMessage `json:"facts,omitempty"`
	Objects   []DocObject                `json:"objects"`
	Steps     []DocStep                  `json:"steps"`
	Summary   DocSummary                 `json:"summary"`
	// Backout is the way back, should the plan be applied in full.
	Backout *Backout `json:"backout,omitempty"`
}

// DocObject is an object and its state as read.
type DocObject struct {
	Kind  string          `json:"kind"`
	Name  string          `json:"name"`
	State resources.State `json:"state"`
}

// DocStep is one step of a plan, as saved and as streamed by -json.
type DocStep struct {
	Address     string           `json:"address"`
	Action      resources.Action `json:"action"`
	Reason      string           `json:"reason,omitempty"`
	Description string           `json:"description,omitempty"`
	Forced      bool             `json:"forced,omitempty"`
	// MaxWaitSeconds bounds each wait of the change, such as a service
	// stopping.
	MaxWaitSeconds int `json:"max_wait_seconds,omitempty"`
	// Target is a path the plan chose: the numbered name of a rotated
	// rename, or the destination that a rename replaces.
	Target  string      `json:"target,omitempty"`
	Changes []DocChange `json:"changes,omitempty"`
}

// changesNeeded is how many changes a step of each action holds at least:
// what show, report and their Markdown read (a stop names its service in
// its first change). A rename without a Target names its destination in a
// second change.
var changesNeeded = map[resources.Action]int{
	resources.NoOp: 0, resources.Run: 0,
	resources.Create: 1, resources.Update: 1, resources.Delete: 1, resources.Empty: 1,
	resources.Start: 1, resources.Stop: 1, resources.Restart: 1, resources.Rename: 1,
}

// Check refuses a step that no plan of wuplay's has: an unknown action, or
// fewer changes than the action needs.
func (ds DocStep) Check() error {
	need, ok := changesNeeded[ds.Action]
	if !ok {
		return fmt.Errorf("unknown action %q", ds.Action)
	}
	if ds.Action == resources.Rename && ds.Target == "" {
		need = 2
	}
	if len(ds.Changes) < need {
		return fmt.Errorf("a %s step holds %d change(s), not the %d it needs", ds.Action, len(ds.Changes), need)
	}
	return nil
}

// checkSteps names the first step that is not well formed, by number and
// address.
func checkSteps(steps []DocStep) error {
	for i, ds := range steps {
		if err := ds.Check(); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, ds.Address, err)
		}
	}
	return nil
}

// RenamedTo is where a rename step moves its folder.
func (ds DocStep) RenamedTo() string {
	if ds.Target != "" {
		return ds.Target
	}
	return ds.Changes[1].Name
}

// DocChange is one object that a step changes.
type DocChange struct {
	Kind   string          `json:"kind"`
	Name   string          `json:"name"`
	Before resources.State `json:"before"`
	After  resources.State `json:"after"`
}

// DocSummary counts a plan's steps.
type DocSummary struct {
	Changes   int `json:"changes"`
	Unchanged int `json:"unchanged"`
	// SymptomPresent is false when the playbook's detect found nothing to
	// fix.
	SymptomPresent bool `json:"symptom_present"`
}

func docStep(sp *StepPlan) DocStep {
	ds := DocStep{Address: sp.Addr, Action: sp.Action, Reason: sp.Reason, Description: sp.Description, Forced: sp.Forced, Target: sp.Target}
	if sp.Action != resources.NoOp {
		ds.MaxWaitSeconds = int(sp.MaxWait.Seconds())
	}
	for i, after := range sp.After {
		if after != nil {
			o := sp.Objects[i]
			ds.Changes = append(ds.Changes, DocChange{Kind: o.Key.Kind, Name: o.Display(), Before: sp.Before[i], After: after})
		}
	}
	return ds
}

// Document turns a plan into its saved form.
func (p *Plan) Document() *PlanDocument {
	d := &PlanDocument{FormatVersion: FormatVersion, WuplayVersion: Version(), CreatedAt: time.Now().UTC().Truncate(time.Second), Host: p.Host,
		Machine: p.Place.Machine, HostFolder: p.Place.Folder}
	pb := p.Playbook
	d.Playbook.Name, d.Playbook.Title, d.Playbook.Source = pb.Name, pb.Title, pb.Source
	d.Playbook.Filename, d.Playbook.Content, d.Playbook.SHA256 = pb.Filename, string(pb.Src), digest(pb.Src)
	d.Variables, d.Replace, d.Target = typedVars(p.Options.Vars, p.vars), p.Options.Replace, p.Options.Target
	if len(p.Facts) > 0 {
		d.Facts = map[string]json.RawMessage{}
		for name, v := range p.Facts {
			raw, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				panic(fmt.Sprintf("fact %s: %v", name, err)) // facts are plain values
			}
			d.Facts[name] = raw
		}
	}
	d.Objects = []DocObject{}
	for _, o := range p.Read {
		d.Objects = append(d.Objects, DocObject{Kind: o.Key.Kind, Name: o.Display(), State: o.State})
	}
	for _, sp := range p.Steps {
		d.Steps = append(d.Steps, docStep(sp))
	}
	d.Summary.Changes, d.Summary.Unchanged = p.Changed()
	d.Summary.SymptomPresent = p.SymptomPresent
	d.Backout = p.backout(func(int) bool { return true }, d.CreatedAt)
	return d
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Marshal encodes the document as indented JSON.
func (d *PlanDocument) Marshal() []byte {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // the document holds only plain values
	}
	return append(data, '\n')
}

// ParsePlanDocument decodes a saved plan; a corrupt file or one of another
// format version is an error that says so.
func ParsePlanDocument(name string, data []byte) (*PlanDocument, error) {
	if len(data) > MaxPlanFile {
		return nil, fmt.Errorf("%s: %d bytes is too large for a plan file", name, len(data))
	}
	d := &PlanDocument{}
	if err := decodeDocument(name, "plan file", "make the plan again with this wuplay", data, d, &d.FormatVersion); err != nil {
		return nil, err
	}
	if digest([]byte(d.Playbook.Content)) != d.Playbook.SHA256 {
		return nil, fmt.Errorf("%s: corrupt plan file: the playbook does not match its sha256 (was the file edited?)", name)
	}
	if err := checkSteps(d.Steps); err != nil {
		return nil, fmt.Errorf("%s: corrupt plan file: %w", name, err)
	}
	return d, nil
}

// decodeDocument decodes a document of wuplay's (what: "plan file") into
// v, strictly, and refuses one of another format (its version is read
// into *version); remedy says what to do about that. The format version is
// looked at again only to explain a failure.
func decodeDocument(name, what, remedy string, data []byte, v any, version *string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && readsFormat(*version) {
		return nil
	}
	var probe struct {
		FormatVersion json.RawMessage `json:"format_version"`
	}
	if perr := json.Unmarshal(data, &probe); perr != nil {
		return fmt.Errorf("%s is not %s of wuplay's: %v", name, article(what), JSONError(data, perr))
	}
	if ferr := CheckFormat(name, what, probe.FormatVersion, remedy); ferr != nil {
		return ferr
	}
	return fmt.Errorf("%s: corrupt %s: %v", name, what, JSONError(data, err))
}

// JSONError adds the line of a JSON syntax error.
func JSONError(data []byte, err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// LoadPlaybook loads the playbook that the plan was made from.
func (d *PlanDocument) LoadPlaybook() (*Playbook, hcl.Diagnostics) {
	return Load(d.Playbook.Filename, []byte(d.Playbook.Content))
}

// ErrStale is the cause of a saved plan's refusal.
var ErrStale = fmt.Errorf("saved plan is stale")

// ErrElsewhere is the cause of a saved plan's refusal on another machine,
// or another host, than the one it was made for.
var ErrElsewhere = errors.New("the saved plan was made for another host")

// CheckPlace refuses h unless it is the host, on the machine, that the
// plan was made for. It never changes the host.
func (d *PlanDocument) CheckPlace(h host.Host) error {
	return checkPlace(h, ErrElsewhere, d.Host, d.Machine, d.HostFolder)
}

// checkPlace refuses h unless it is the host spec, on machine, with its
// folder for a simulated one, that a plan or backout was made for; its
// error wraps elsewhere.
func checkPlace(h host.Host, elsewhere error, spec, machine, folder string) error {
	here, err := h.Where()
	switch {
	case err != nil:
		return err
	case machine == "":
		return fmt.Errorf("%w: it names no machine (made by an older wuplay); make the plan again", elsewhere)
	case !strings.EqualFold(machine, here.Machine):
		return fmt.Errorf("%w: it was made on machine %s, and this is %s", elsewhere, machine, here.Machine)
	case folder != here.Folder:
		return fmt.Errorf("%w: it was made for %s, not %s", elsewhere, placeName(spec, folder), placeName(h.String(), here.Folder))
	}
	return nil
}

// placeName names a host and, for a simulated one, its folder.
func placeName(spec, folder string) string {
	if folder == "" {
		return "host " + spec
	}
	return fmt.Sprintf("host %s (folder %s)", spec, folder)
}

// Recheck plans the saved plan's playbook again against h and returns the
// new plan if the host is still as the saved plan read it. Otherwise it
// returns ErrStale, naming every difference. It never changes the host.
func (d *PlanDocument) Recheck(ctx context.Context, h host.Host) (*Plan, hcl.Diagnostics, error) {
	if err := d.CheckPlace(h); err != nil {
		return nil, nil, err
	}
	pb, diags := d.LoadPlaybook()
	if diags.HasErrors() {
		return nil, diags, nil
	}
	vars, err := JSONVars(d.Variables, "the saved plan's variables")
	if err != nil {
		return nil, nil, err
	}
	p, diags := NewPlan(ctx, pb, h, Options{Vars: vars, Replace: d.Replace, Target: d.Target})
	if diags.HasErrors() {
		return nil, diags, fmt.Errorf("%w: the host no longer plans cleanly", ErrStale)
	}
	now := p.Document()
	var diffs []string
	was := map[string]DocObject{}
	for _, o := range d.Objects {
		was[o.Kind+" "+o.Name] = o
	}
	for _, o := range now.Objects {
		old, ok := was[o.Kind+" "+o.Name]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s was not read by the plan", o.Kind, o.Name))
			continue
		}
		for _, attr := range slices.Sorted(maps.Keys(mergeKeys(old.State, o.State))) {
			if old.State[attr] != o.State[attr] && !resources.AsRead(attr) {
				diffs = append(diffs, fmt.Sprintf("%s %s: %s was %s, is now %s", o.Kind, o.Name, attr, ShowValue(attr, old.State[attr]), ShowValue(attr, o.State[attr])))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(now.Facts)) {
		var was bytes.Buffer
		json.Compact(&was, d.Facts[name])
		if v := now.Facts[name]; !bytes.Equal(was.Bytes(), v) {
			diffs = append(diffs, fmt.Sprintf("fact.%s was %s, is now %s", name, was.Bytes(), v))
		}
	}
	if len(diffs) == 0 && !slices.EqualFunc(d.Steps, now.Steps, stepsEqual) {
		diffs = append(diffs, "the steps plan differently")
	}
	if len(diffs) > 0 {
		return nil, nil, fmt.Errorf("%w: the host changed since the plan was made:\n  %s", ErrStale, strings.Join(diffs, "\n  "))
	}
	return p, nil, nil
}

func mergeKeys(a, b resources.State) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func stepsEqual(a, b DocStep) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
