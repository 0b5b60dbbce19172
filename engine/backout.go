package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// A backout puts a host back as a plan read it: for each change an apply
// made, the change that returns its object to its recorded state, in an
// order that works, and what cannot be undone, named. It is derived from
// the plan (every object's state as read, each step's before and after),
// kept in the saved plan and the apply report, and carried out as a
// playbook generated from it: the backout is planned, shown, locked,
// applied, verified, put back on failure and reported as any playbook is.

// Backout is the way back from one plan or apply.
type Backout struct {
	// Playbook is the playbook backed out.
	Playbook string `json:"playbook"`
	// ID tells this backout from any other: its runs are recorded on the
	// host under RecordName, so that a second run knows the first.
	ID string `json:"id"`
	// Host, Machine and HostFolder say where it applies (as a saved
	// plan's do): nowhere else.
	Host       string `json:"host"`
	Machine    string `json:"machine"`
	HostFolder string `json:"host_folder,omitempty"`
	// Steps are in the order they run.
	Steps []BackoutStep `json:"steps"`
	// CannotUndo says what the backout cannot give back, step by step.
	CannotUndo []string `json:"cannot_undo"`
}

// What a backout step does.
const (
	// BackoutStop stops a service that the playbook stops, while the
	// backout undoes the other changes (it may hold their files).
	BackoutStop = "stop"
	// BackoutRenameBack renames the folder Name back to To, first moving
	// aside (never deleting) whatever is at To by then.
	BackoutRenameBack = "rename_back"
	// BackoutRestore returns the object to Recorded.
	BackoutRestore = "restore"
	// BackoutImport makes the deleted registry key Name again from its
	// backup To.
	BackoutImport = "import"
)

// BackoutActions are all the things a backout step does.
var BackoutActions = []string{BackoutStop, BackoutRenameBack, BackoutRestore, BackoutImport}

// BackoutStep is one step of a backout.
type BackoutStep struct {
	Action string `json:"action"`
	// Undoes are the addresses of the steps whose change it undoes; none
	// for a service stopped and returned around the others.
	Undoes []string `json:"undoes,omitempty"`
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	To     string   `json:"to,omitempty"`
	// StopDependents and AllowProtected are the playbook's own step's.
	StopDependents bool `json:"stop_dependents,omitempty"`
	AllowProtected bool `json:"allow_protected,omitempty"`
	// Left is the object's state as the apply left it, Recorded as the
	// plan read it: the backout goes from one to the other, and refuses
	// an object found in neither. A step without Left always runs.
	Left     resources.State `json:"left,omitempty"`
	Recorded resources.State `json:"recorded,omitempty"`
}

// AsideSuffix names where a rename back moves what it finds at its
// destination: SoftwareDistribution.backout, then .backout.1 and on.
const AsideSuffix = ".backout"

// RecordName is the name under which the host keeps this backout's runs.
func (b *Backout) RecordName() string { return b.Playbook + ".backout." + b.ID }

// Complete reports whether the backout gives everything back.
func (b *Backout) Complete() bool { return len(b.CannotUndo) == 0 }

// backout derives the way back from the changes of the steps for which
// remains is true: all changing steps of a plan, or those an apply did
// and left. made tells this backout from one of another apply.
func (p *Plan) backout(remains func(i int) bool, made time.Time) *Backout {
	b := &Backout{Playbook: p.Playbook.Name, Host: p.Host, Machine: p.Place.Machine, HostFolder: p.Place.Folder,
		Steps: []BackoutStep{}, CannotUndo: []string{}}
	read := map[resources.Key]resources.State{}
	for _, o := range p.Read {
		read[o.Key] = o.State
	}
	type service struct {
		obj      resources.Object
		left     resources.State
		recorded resources.State
		undoes   []string
	}
	var order []resources.Key // services, as the playbook first names them
	services := map[resources.Key]*service{}
	svc := func(o resources.Object) *service {
		s := services[o.Key]
		if s == nil {
			s = &service{obj: o, recorded: read[o.Key]}
			services[o.Key] = s
			order = append(order, o.Key)
		}
		return s
	}
	var undo []BackoutStep
	for i, sp := range p.Steps {
		if sp.Action == resources.NoOp || !remains(i) {
			continue
		}
		for j, after := range sp.After {
			if o := sp.Objects[j]; after != nil && o.Key.Kind == resources.KindService {
				s := svc(o)
				s.left, s.undoes = after, append(s.undoes, sp.Addr)
			}
		}
		if sr, ok := sp.res.(*resources.Service); ok && sp.Action == resources.Stop {
			// The dependents it stopped first were running.
			for _, d := range sr.Dependents(sp.Before[0]) {
				s := svc(resources.ServiceObject(d))
				if s.recorded == nil {
					s.recorded = resources.State{"state": host.Running}
				}
				s.left, s.undoes = resources.State{"state": host.Stopped}, append(s.undoes, sp.Addr)
			}
		}
		steps, lost := undoStep(sp)
		undo = append(undo, steps...)
		b.CannotUndo = append(b.CannotUndo, lost...)
	}
	if slices.ContainsFunc(undo, func(s BackoutStep) bool { return s.Action == BackoutRenameBack }) {
		// The services the playbook stops for its renames (they hold the
		// folders open) are stopped for their undoing too, and given back
		// as read.
		for _, sp := range p.Steps {
			sr, ok := sp.res.(*resources.Service)
			if !ok || sr.State != host.Stopped || read[sp.Objects[0].Key] == nil {
				continue
			}
			if s := svc(sp.Objects[0]); !slices.ContainsFunc(b.Steps, func(st BackoutStep) bool { return st.Name == s.obj.Name }) {
				b.Steps = append(b.Steps, BackoutStep{Action: BackoutStop, Kind: resources.KindService, Name: s.obj.Name, StopDependents: sr.StopDependents})
			}
		}
	}
	slices.Reverse(undo)
	b.Steps = append(b.Steps, undo...)
	stopped := func(name string) bool {
		return slices.ContainsFunc(b.Steps, func(st BackoutStep) bool { return st.Action == BackoutStop && st.Name == name })
	}
	for _, k := range order {
		s := services[k]
		rec := resources.State{}
		switch st := s.recorded["state_read"]; {
		case s.recorded["state"] != "" && s.recorded["state_read"] == "": // a dependent
			rec["state"] = s.recorded["state"]
		case st == host.Running || st == host.StartPending:
			rec["state"] = host.Running
		case st == host.Stopped || st == host.StopPending:
			rec["state"] = host.Stopped
		default:
			b.CannotUndo = append(b.CannotUndo, fmt.Sprintf("service %s was %s when read: the backout does not give it that state", s.obj.Name, st))
		}
		if t := s.recorded["start_type_read"]; t != "" {
			rec["start_type"] = t
		}
		step := BackoutStep{Action: BackoutRestore, Undoes: s.undoes, Kind: resources.KindService, Name: s.obj.Name, Recorded: rec}
		switch {
		case s.left != nil && len(compared(s.left, rec)) > 0:
			step.Left = only(s.left, rec)
		case !stopped(s.obj.Name):
			continue // the apply left it as it was
		default:
			step.Undoes = nil
		}
		b.Steps = append(b.Steps, step)
	}
	b.ID = backoutID(b, made)
	return b
}

// undoStep gives the backout steps that undo one step's change, other
// than to services, and what of it cannot be undone.
func undoStep(sp *StepPlan) (steps []BackoutStep, lost []string) {
	if sp.Action == resources.Run {
		return nil, []string{fmt.Sprintf("%s: %s: what a command did cannot be undone", sp.Addr, sp.Reason)}
	}
	o, before := sp.Objects[0], sp.Before[0]
	step := BackoutStep{Action: BackoutRestore, Undoes: []string{sp.Addr}, Kind: o.Key.Kind, Name: o.Name}
	switch {
	case o.Key.Kind == resources.KindService:
		return nil, nil
	case sp.Action == resources.Rename:
		dst := sp.Target
		if dst == "" {
			dst = sp.Objects[1].Name
		}
		if sp.After[1] != nil && sp.Before[1]["exists"] == "true" {
			lost = append(lost, fmt.Sprintf("%s replaced %s, which it deleted: no copy is kept", sp.Addr, dst))
		}
		d, _ := sp.res.(*resources.Directory)
		return []BackoutStep{{Action: BackoutRenameBack, Undoes: step.Undoes, Kind: resources.KindPath, Name: dst, To: o.Name,
			AllowProtected: d != nil && d.AllowProtected,
			Left:           resources.State{"exists": "true", "type": "directory"}, Recorded: resources.State{"exists": "false"}}}, lost
	case o.Key.Kind == resources.KindRegistryValue:
		step.Left, step.Recorded = sp.After[0], before
		return []BackoutStep{step}, nil
	case o.Key.Kind == resources.KindRegistryKey && sp.Action == resources.Delete && len(sp.Objects) == 3:
		return []BackoutStep{{Action: BackoutImport, Undoes: step.Undoes, Kind: resources.KindRegistryExport, Name: o.Name, To: sp.Objects[1].Name,
			Left: resources.State{"exists": "false"}, Recorded: sp.Before[2]}}, nil
	case o.Key.Kind == resources.KindRegistryKey && sp.Action == resources.Delete:
		return nil, []string{fmt.Sprintf("%s deletes registry key %s without a backup: no copy is kept", sp.Addr, o.Name)}
	case sp.Action == resources.Create && sp.After[0]["type"] == "file":
		step.Left, step.Recorded = place(sp.After[0], false), place(before, false)
		return []BackoutStep{step}, nil
	case sp.Action == resources.Create:
		return nil, []string{fmt.Sprintf("%s creates %s %s: the backout keeps it, since it may hold what was put there since", sp.Addr, kindWord(o, sp.After[0]), o.Name)}
	case sp.Action == resources.Update:
		return nil, []string{fmt.Sprintf("%s replaces the content of %s: the former content is not kept", sp.Addr, o.Name)}
	case o.Key.Kind == resources.KindPath && sp.Action == resources.Empty:
		return nil, []string{fmt.Sprintf("%s deletes what %s holds (%s): no copy is kept", sp.Addr, o.Name, listNames(sp.Before[1]))}
	case isFiles(sp):
		return nil, []string{fmt.Sprintf("%s deletes %s in %s: no copy is kept", sp.Addr, listNames(sp.Before[1]), o.Name)}
	}
	return nil, []string{fmt.Sprintf("%s deletes %s %s: no copy is kept", sp.Addr, kindWord(o, before), o.Name)}
}

func isFiles(sp *StepPlan) bool {
	_, ok := sp.res.(*resources.Files)
	return ok
}

// kindWord names what kind of object o is, in state s.
func kindWord(o resources.Object, s resources.State) string {
	switch {
	case o.Key.Kind == resources.KindPath && s["type"] == "directory":
		return "folder"
	case o.Key.Kind == resources.KindPath:
		return s["type"]
	case o.Key.Kind == resources.KindRegistryKey:
		return "registry key"
	}
	return o.Key.Kind
}

// listNames lists an entries state's names, a few of them.
func listNames(s resources.State) string {
	names := resources.SplitMatches(s["matches"])
	const shown = 5
	out := strings.Join(names[:min(len(names), shown)], ", ")
	if len(names) > shown {
		out += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	return out
}

// place is s without where the path is (or, keep: with only that).
func place(s resources.State, keep bool) resources.State {
	out := resources.State{}
	for k, v := range s {
		if resources.Hidden(k) == keep {
			out[k] = v
		}
	}
	return out
}

// compared are the attributes in which left and recorded differ: those a
// backout changes, and by which it tells where an object is.
func compared(left, recorded resources.State) []string {
	var out []string
	for _, a := range slices.Sorted(maps.Keys(mergeKeys(left, recorded))) {
		if !resources.Hidden(a) && a != "dependents" && norm(a, left[a]) != norm(a, recorded[a]) {
			out = append(out, a)
		}
	}
	return out
}

// only keeps the attributes of s that compared names.
func only(s, recorded resources.State) resources.State {
	out := resources.State{}
	for _, a := range compared(s, recorded) {
		out[a] = s[a]
	}
	return out
}

// norm is a service state as a backout judges it: one on its way to
// running is running.
func norm(attr, v string) string {
	switch {
	case attr == "state" && v == host.StartPending:
		return host.Running
	case attr == "state" && v == host.StopPending:
		return host.Stopped
	}
	return v
}

func backoutID(b *Backout, made time.Time) string {
	data, err := json.Marshal(b)
	if err != nil {
		panic(err) // plain values
	}
	return digest(append(data, made.UTC().Format(time.RFC3339Nano)...))[:16]
}

// ErrBackoutStale is the cause of a backout refused because the host
// moved on since the apply in a way that makes it unsafe.
var ErrBackoutStale = errors.New("the backout is stale")

// ErrBackoutElsewhere is the cause of a backout refused on another
// machine, or another host, than the apply's.
var ErrBackoutElsewhere = errors.New("the backout is for another host")

// Plan reads the host, refuses if anything the backout would change is
// neither as the apply left it nor as it was recorded (ErrBackoutStale,
// naming each difference), and plans what is still to undo as a
// generated playbook. It never changes the host.
func (b *Backout) Plan(ctx context.Context, h host.Host) (*Plan, hcl.Diagnostics, error) {
	if err := checkPlace(h, ErrBackoutElsewhere, b.Host, b.Machine, b.HostFolder); err != nil {
		return nil, nil, err
	}
	_, ran, err := host.ReadApplyRecord(h, b.RecordName())
	if err != nil {
		return nil, nil, err
	}
	todo := map[int]bool{}
	var diffs []string
	renames := false
	for i, s := range b.Steps {
		if s.Left == nil {
			continue
		}
		do, diff, err := s.check(ctx, h, ran)
		switch {
		case err != nil:
			return nil, nil, err
		case diff != "":
			diffs = append(diffs, diff)
		case do:
			todo[i] = true
			renames = renames || s.Action == BackoutRenameBack
		}
	}
	if len(diffs) > 0 {
		return nil, nil, fmt.Errorf("%w: the host moved on since the apply:\n  %s", ErrBackoutStale, strings.Join(diffs, "\n  "))
	}
	// The services stopped and given back around the renames run only
	// when there is a rename still to undo.
	var steps []BackoutStep
	for i, s := range b.Steps {
		if todo[i] || s.Left == nil && renames {
			steps = append(steps, s)
		}
	}
	pb, diags := Load(b.RecordName()+".hcl", b.playbook(steps))
	if diags.HasErrors() {
		return nil, diags, nil
	}
	p, more := NewPlan(ctx, pb, h, Options{})
	return p, append(diags, more...), nil
}

// check reads the step's object: todo when it is as the apply left it,
// neither todo nor diff when it is back as recorded, and otherwise diff
// says how it differs. A folder renamed back is gone from where the apply
// put it, as it is when someone deleted it there: only a host on which
// this backout has run (ran) may show that.
func (s BackoutStep) check(ctx context.Context, h host.Host, ran bool) (todo bool, diff string, err error) {
	now, err := readNamed(ctx, h, s.Kind, s.Name)
	if err != nil {
		return false, "", err
	}
	var diffs []string
	for _, a := range compared(s.Left, s.Recorded) {
		switch n := norm(a, now[a]); n {
		case norm(a, s.Left[a]):
			todo = true
		case norm(a, s.Recorded[a]):
		default:
			diffs = append(diffs, fmt.Sprintf("%s %s: %s was %s after the apply, is now %s", s.Kind, s.Name, a, ShowValue(a, s.Left[a]), ShowValue(a, now[a])))
		}
	}
	switch {
	case len(diffs) > 0:
		return false, strings.Join(diffs, "\n  "), nil
	case s.Action == BackoutRenameBack && !todo && !ran:
		return false, fmt.Sprintf("path %s: the folder the apply moved there from %s is gone (exists is now false): there is nothing to rename back", s.Name, s.To), nil
	case s.Action == BackoutImport && todo:
		file, err := readNamed(ctx, h, resources.KindPath, s.To)
		if err != nil {
			return false, "", err
		}
		if file["sha256"] != s.Recorded["sha256"] {
			return false, fmt.Sprintf("path %s: the backup of %s no longer holds the key as it was exported (sha256 was %s, is now %s)", s.To, s.Name, ShowValue("sha256", s.Recorded["sha256"]), ShowValue("sha256", file["sha256"])), nil
		}
	}
	return todo, "", nil
}

func readNamed(ctx context.Context, h host.Host, kind, name string) (resources.State, error) {
	o, err := resources.NamedObject(h, kind, name)
	if err != nil {
		return nil, err
	}
	st, err := resources.Read(ctx, h, o)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return st, nil
}

// playbook writes steps as a playbook. Every value goes through
// hclwrite, which quotes and escapes it: nothing in a report can add a
// step or an expression.
func (b *Backout) playbook(steps []BackoutStep) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# Generated by wuplay from the record of an apply: the way back.\n")}})
	top := body.AppendNewBlock("playbook", []string{b.RecordName()}).Body()
	top.SetAttributeValue("title", cty.StringVal("Backout of "+b.Playbook))
	str := func(blk *hclwrite.Body, name, v string) { blk.SetAttributeValue(name, cty.StringVal(v)) }
	for n, s := range steps {
		label := fmt.Sprintf("%s_%d", s.Action, n+1)
		why := "Undoes " + strings.Join(s.Undoes, ", ") + "."
		body.AppendNewline()
		switch {
		case s.Action == BackoutStop:
			blk := body.AppendNewBlock("service", []string{label}).Body()
			str(blk, "description", "Stopped while the backout undoes the changes.")
			str(blk, "name", s.Name)
			str(blk, "state", host.Stopped)
			if s.StopDependents {
				blk.SetAttributeValue("stop_dependents", cty.True)
			}
		case s.Action == BackoutRenameBack:
			blk := body.AppendNewBlock("directory", []string{fmt.Sprintf("set_aside_%d", n+1)}).Body()
			str(blk, "description", "Whatever is at "+s.To+" now (Windows may have recreated it) is kept aside, never deleted.")
			str(blk, "path", s.To)
			str(blk, "state", "absent")
			str(blk, "rename_to", s.To+AsideSuffix)
			str(blk, "if_exists", "rotate")
			if s.AllowProtected {
				blk.SetAttributeValue("allow_protected", cty.True)
			}
			body.AppendNewline()
			blk = body.AppendNewBlock("directory", []string{label}).Body()
			str(blk, "description", why)
			str(blk, "path", s.Name)
			str(blk, "state", "absent")
			str(blk, "rename_to", s.To)
		case s.Action == BackoutImport:
			blk := body.AppendNewBlock("registry_key", []string{label}).Body()
			str(blk, "description", why)
			str(blk, "key", s.Name)
			str(blk, "state", "present")
			str(blk, "restore", s.To)
		case s.Kind == resources.KindService:
			blk := body.AppendNewBlock("service", []string{label}).Body()
			if len(s.Undoes) == 0 {
				why = "Back to the state it was read in."
			}
			str(blk, "description", why)
			str(blk, "name", s.Name)
			for _, a := range []string{"state", "start_type"} {
				if v := s.Recorded[a]; v != "" {
					str(blk, a, v)
				}
			}
		case s.Kind == resources.KindRegistryValue:
			blk := body.AppendNewBlock("registry_value", []string{label}).Body()
			str(blk, "description", why)
			i := strings.LastIndex(s.Name, `\`)
			str(blk, "key", s.Name[:max(i, 0)])
			str(blk, "name", s.Name[i+1:])
			if s.Recorded["exists"] != "true" {
				str(blk, "state", "absent")
				break
			}
			str(blk, "type", s.Recorded["type"])
			if s.Recorded["type"] == "multi_string" {
				var items []cty.Value
				for _, it := range strings.Split(s.Recorded["data"], "\n") {
					items = append(items, cty.StringVal(it))
				}
				blk.SetAttributeValue("data", cty.TupleVal(items))
			} else {
				str(blk, "data", s.Recorded["data"])
			}
		default: // a file the apply made
			blk := body.AppendNewBlock("file", []string{label}).Body()
			str(blk, "description", why)
			str(blk, "path", s.Name)
			str(blk, "state", "absent")
		}
	}
	return f.Bytes()
}
