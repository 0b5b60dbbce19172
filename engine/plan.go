package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// Options are what the user sets for one plan.
type Options struct {
	Vars Vars
	// Replace names steps to carry out even where their object already
	// looks right or their when is false, as terraform's -replace does.
	Replace []string
	// Target limits the plan to these steps and the steps they depend on.
	Target []string
}

// Plan is what applying a playbook to a host will do. It is a value:
// rendering it is the business of render.go and planfile.go, carrying it
// out of Apply.
type Plan struct {
	Playbook *Playbook
	Host     string
	// Place is where the host is: a saved plan applies nowhere else.
	Place   host.Place
	Options Options
	// Facts are the facts read, by TYPE.NAME: the evidence a fix may erase.
	Facts map[string]cty.Value
	// Read is every object's state as read, in the order first named.
	Read  []ObjectState
	Steps []*StepPlan
	// SymptomPresent is false when the playbook's detect found nothing to
	// fix; a playbook without detect always has its symptom.
	SymptomPresent bool

	vars map[string]cty.Value // every variable's value, of its type
}

// ObjectState is an object with its state.
type ObjectState struct {
	resources.Object
	State resources.State
}

// StepPlan is one step's part of a plan.
type StepPlan struct {
	Addr        string
	Description string
	// Objects are what the step reads and changes; Change.Before and
	// Change.After run parallel to them.
	Objects []resources.Object
	resources.Change
	Forced bool
	// MaxWait bounds each wait of the step's change (a service stopping).
	MaxWait time.Duration
	// Reboot says that the host needs a restart once the step has run.
	Reboot bool

	res resources.Resource
	// triggers are the step's restart_on or run_on, triggerArg which.
	triggers   []string
	triggerArg string
}

// Resource is the step's resource, as decoded for this plan (nil for a
// step not planned: skipped, not targeted, symptom absent).
func (sp *StepPlan) Resource() resources.Resource { return sp.res }

// Changed counts the steps that change something and those that do not.
func (p *Plan) Changed() (changed, unchanged int) {
	for _, s := range p.Steps {
		if s.Action == resources.NoOp {
			unchanged++
		} else {
			changed++
		}
	}
	return changed, unchanged
}

// NewPlan reads the host and plans the playbook against it. It never
// changes the host.
func NewPlan(ctx context.Context, pb *Playbook, h host.Host, opts Options) (*Plan, hcl.Diagnostics) {
	vars, diags := pb.resolve(opts.Vars)
	var addrs []string
	for _, s := range pb.Steps {
		addrs = append(addrs, s.Addr())
	}
	for _, f := range []struct {
		what  string
		addrs []string
	}{{"replace", opts.Replace}, {"target", opts.Target}} {
		for _, addr := range f.addrs {
			if !slices.Contains(addrs, addr) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown step to " + f.what,
					Detail: fmt.Sprintf("%s is not a step of playbook %s.%s", addr, pb.Name, suggest(addr, addrs))})
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	pb.budget.reset()
	sc := &scope{vars: vars, host: h, budget: pb.budget}
	diags = append(diags, sc.readFacts(ctx, pb)...)
	if diags.HasErrors() {
		return nil, diags
	}

	place, err := h.Where()
	if err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error()})
	}
	p := &Plan{Playbook: pb, Host: h.String(), Place: place, Options: opts, Facts: map[string]cty.Value{}, vars: vars, SymptomPresent: true}
	for typ, byName := range sc.facts {
		for name, v := range byName {
			p.Facts[typ+"."+name] = v
		}
	}
	if pb.Detect != nil {
		present, d := sc.boolExpr(pb.Detect, "detect")
		if diags = append(diags, d...); d.HasErrors() {
			return nil, diags
		}
		p.SymptomPresent = present
	}
	targeted := pb.targets(opts.Target)
	for _, s := range pb.Steps {
		sp := &StepPlan{Addr: s.Addr(), Description: s.Description, Forced: slices.Contains(opts.Replace, s.Addr()),
			triggers: s.Triggers, triggerArg: s.TriggerArg}
		p.Steps = append(p.Steps, sp)
		switch {
		case !p.SymptomPresent:
			sp.Change = resources.NoChange("symptom not present")
			continue
		case !targeted[s.Addr()]:
			sp.Change = resources.NoChange("not targeted")
			continue
		}
		res, run, d := sc.decodeStep(s)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if !run && !sp.Forced {
			sp.Change = resources.NoChange("skipped: when is false")
			continue
		}
		objs, err := res.Objects(h)
		if err != nil {
			diags = append(diags, stepError(s, err))
			continue
		}
		sp.Objects, sp.res = objs, res
		if w, ok := res.(resources.Waiter); ok {
			sp.MaxWait = w.MaxWait()
		}
		if r, ok := res.(resources.Rebooter); ok {
			sp.Reboot = r.NeedsReboot()
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}

	read, err := readObjects(ctx, h, p.Steps)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the host", Detail: err.Error()}}
	}
	p.Read = read
	if diags = append(diags, p.predict(ctx, pb, h)...); diags.HasErrors() {
		return nil, diags
	}
	netEffect(p.Steps)
	untrigger(p.Steps)
	explainReturns(p.Steps)
	return p, append(diags, preflightElevation(p, h)...)
}

// untrigger drops the restarts and runs whose restart_on or run_on steps
// the net effect has since made no-ops.
func untrigger(steps []*StepPlan) {
	for i, sp := range steps {
		if c, ok := untriggered(sp, steps[:i]); ok {
			sp.Change = c
		}
	}
}

// untriggered is the no-op of a step with restart_on or run_on that none
// of those steps calls for: a restart, or a command's run, happens only
// when one of them changed something.
func untriggered(sp *StepPlan, earlier []*StepPlan) (resources.Change, bool) {
	if len(sp.triggers) == 0 || sp.Forced || (sp.Action != resources.Restart && sp.Action != resources.Run) || triggered(sp, earlier) != "" {
		return resources.Change{}, false
	}
	return resources.NoChange("no step in %s changed", sp.triggerArg), true
}

// A returner is a resource whose step gives its object back the state it
// was read in: Excursion says in words how it was away and why, or "".
type returner interface {
	Excursion(away resources.State, during []string) string
}

// explainReturns says, on each step that gives an object back, for which
// changed steps it was away: "wuauserv: stopped for
// directory.software_distribution, then back to running".
func explainReturns(steps []*StepPlan) {
	for i, sp := range steps {
		r, ok := sp.res.(returner)
		if !ok || sp.Action == resources.NoOp || len(sp.Objects) != 1 {
			continue
		}
		key := sp.Objects[0].Key
		var during []string
		for j := i - 1; j >= 0; j-- {
			left := steps[j]
			if left.Action == resources.NoOp {
				continue
			}
			if slices.ContainsFunc(changedObjects(left), func(o resources.Object) bool { return o.Key == key }) {
				slices.Reverse(during)
				if len(during) > 0 {
					sp.Reason = r.Excursion(left.After[indexOf(left, key)], during)
				}
				break
			}
			during = append(during, left.Addr)
		}
	}
}

// predict diffs each step against the state the steps before it leave,
// starting from what was read, and runs the preflights that need that
// predicted state.
func (p *Plan) predict(ctx context.Context, pb *Playbook, h host.Host) hcl.Diagnostics {
	var diags hcl.Diagnostics
	state := map[resources.Key]resources.State{}
	for _, o := range p.Read {
		state[o.Key] = o.State
	}
	for i, sp := range p.Steps {
		if sp.res == nil {
			continue
		}
		cur := make([]resources.State, len(sp.Objects))
		for j, o := range sp.Objects {
			cur[j] = state[o.Key]
		}
		by := triggered(sp, p.Steps[:i])
		c, err := sp.res.Diff(cur, sp.Forced || by != "")
		if by != "" && !sp.Forced && c.Action != resources.NoOp {
			c.Reason = strings.TrimSpace(c.Reason + " (" + by + " changed)")
		}
		if err == nil {
			sp.Change = c
			if nc, ok := untriggered(sp, p.Steps[:i]); ok {
				c, sp.Change = nc, nc
			}
			err = preflightHolders(ctx, h, sp, state)
		}
		if err == nil {
			err = preflightDependents(ctx, h, sp, state)
		}
		if err != nil {
			diags = append(diags, stepError(pb.Steps[i], err))
			continue
		}
		for j, after := range c.After {
			if after == nil {
				continue
			}
			state[sp.Objects[j].Key] = after
			if after["exists"] == "false" {
				removeContents(state, sp.Objects[j].Key)
			}
		}
	}
	return diags
}

// preflightHolders refuses a step that deletes or moves a path that a
// service will still hold open at that point of the plan: Windows would
// answer with a sharing violation. Only hosts that know who holds what
// (the simulated one) name holders.
func preflightHolders(ctx context.Context, h host.Host, sp *StepPlan, state map[resources.Key]resources.State) error {
	if sp.Action != resources.Delete && sp.Action != resources.Rename && sp.Action != resources.Empty {
		return nil
	}
	for j, o := range sp.Objects {
		if o.Key.Kind != resources.KindPath || sp.After[j] == nil {
			continue
		}
		for _, name := range h.Holders(o.Name) {
			st, err := predictedService(ctx, h, name, state)
			if err != nil {
				return err
			}
			if st["state"] == host.Running {
				return fmt.Errorf("%s is held open by service %s, which is still running at this step: the %s would fail with a sharing violation (ERROR_SHARING_VIOLATION, 32); stop %s in an earlier step",
					o.Name, name, sp.Action, name)
			}
		}
	}
	return nil
}

// removeContents predicts that what a deleted or moved folder or key held
// is gone with it.
func removeContents(state map[resources.Key]resources.State, parent resources.Key) {
	for k, s := range state {
		if gone, ok := resources.Removed(parent, k, s); ok {
			state[k] = gone
		}
	}
}

// triggered names the first step of sp's restart_on or run_on that
// changes something, or is ""; those steps come earlier in the run.
func triggered(sp *StepPlan, earlier []*StepPlan) string {
	if len(sp.triggers) == 0 {
		return "" // most steps: and a plan of n steps must not cost n²
	}
	for _, e := range earlier {
		if e.Action != resources.NoOp && slices.Contains(sp.triggers, e.Addr) {
			return e.Addr
		}
	}
	return ""
}

// preflightDependents refuses to stop a service that other services still
// running at that point of the plan depend on: Windows would answer
// ERROR_DEPENDENT_SERVICES_RUNNING. A step with stop_dependents stops them
// first, and the plan predicts them stopped.
func preflightDependents(ctx context.Context, h host.Host, sp *StepPlan, state map[resources.Key]resources.State) error {
	if sp.Action != resources.Stop && sp.Action != resources.Restart {
		return nil
	}
	deps := sp.Before[0]["dependents"]
	if deps == "" {
		return nil
	}
	stops := sp.res.(interface {
		Dependents(resources.State) []string
	}).Dependents(sp.Before[0])
	var running []string
	for _, name := range strings.Split(deps, ", ") {
		st, err := predictedService(ctx, h, name, state)
		if err != nil {
			return err
		}
		switch {
		case st["state"] != host.Running:
		case len(stops) > 0:
			st = maps.Clone(st)
			st["state"] = host.Stopped
			state[resources.ServiceObject(name).Key] = st
		default:
			running = append(running, name)
		}
	}
	if len(running) > 0 {
		return fmt.Errorf("services that depend on %s are still running at this step (%s): stopping it would fail with ERROR_DEPENDENT_SERVICES_RUNNING (1051); stop them in earlier steps, or set stop_dependents = true",
			sp.Objects[0].Name, strings.Join(running, ", "))
	}
	return nil
}

// predictedService is a service's predicted state at this point of the
// plan; a service no step names is read now, once.
func predictedService(ctx context.Context, h host.Host, name string, state map[resources.Key]resources.State) (resources.State, error) {
	svc := resources.ServiceObject(name)
	if st, ok := state[svc.Key]; ok {
		return st, nil
	}
	st, err := resources.Read(ctx, h, svc)
	if err == nil {
		state[svc.Key] = st
	}
	return st, err
}

// preflightElevation refuses, before anything changes, a plan that changes
// services from a prompt that may not: Windows would answer access denied
// at the first service step, after the plan had been approved.
func preflightElevation(p *Plan, h host.Host) hcl.Diagnostics {
	var needs []string
	for _, sp := range p.Steps {
		if sp.Action != resources.NoOp && slices.ContainsFunc(sp.Objects, func(o resources.Object) bool { return o.Key.Kind == resources.KindService }) {
			needs = append(needs, sp.Addr)
		}
	}
	if len(needs) == 0 {
		return nil
	}
	elevated, err := h.Elevated()
	if err == nil && elevated {
		return nil
	}
	detail := fmt.Sprintf("%s change services, which needs administrator rights: run wuplay from an elevated prompt (Run as administrator).", strings.Join(needs, ", "))
	if err != nil {
		detail += " (" + err.Error() + ")"
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not elevated", Detail: detail}}
}

// Validate checks a playbook without a host: every expression, attribute
// and reference, with the host's values (env, facts) unknown. Facts and
// steps are decoded as plan decodes them, so that a playbook mistake plan
// would find without a host, validate finds.
func Validate(pb *Playbook, vars Vars) hcl.Diagnostics {
	vals, diags := pb.resolve(vars)
	pb.budget.reset()
	sc := &scope{vars: vals, facts: map[string]map[string]cty.Value{}, budget: pb.budget}
	for _, f := range pb.Facts {
		_, d := sc.decodeFact(f)
		diags = append(diags, d...)
		ft, _ := resources.LookupFact(f.Type)
		sc.setFact(f, cty.UnknownVal(ft.Value))
	}
	if pb.Detect != nil {
		_, d := sc.boolExpr(pb.Detect, "detect")
		diags = append(diags, d...)
	}
	for _, s := range pb.Steps {
		_, _, d := sc.decodeStep(s)
		diags = append(diags, d...)
	}
	return diags
}

func (sc *scope) setFact(f *Fact, v cty.Value) {
	sc.ctx = nil
	if sc.facts == nil {
		sc.facts = map[string]map[string]cty.Value{}
	}
	if sc.facts[f.Type] == nil {
		sc.facts[f.Type] = map[string]cty.Value{}
	}
	sc.facts[f.Type][f.Name] = v
}

// decodeFact evaluates a fact's attributes, in the scope of the facts
// before it, and decodes it; nil when it has errors.
func (sc *scope) decodeFact(f *Fact) (resources.Fact, hcl.Diagnostics) {
	ft, _ := resources.LookupFact(f.Type)
	a, diags := sc.evalAttrs(ft.Schema, ft.Body(), f.Config, f.DeclRange)
	if a == nil {
		return nil, diags
	}
	fact := ft.Decode(a)
	if diags = append(diags, a.Diags...); diags.HasErrors() {
		return nil, diags
	}
	return fact, diags
}

func (sc *scope) readFacts(ctx context.Context, pb *Playbook) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, f := range pb.Facts {
		fact, d := sc.decodeFact(f)
		if diags = append(diags, d...); fact == nil {
			continue
		}
		v, err := fact.Read(ctx, sc.host)
		if err != nil {
			diags = append(diags, errAt(f.DeclRange, "Cannot read fact."+f.Type+"."+f.Name, err.Error()))
			continue
		}
		sc.setFact(f, v)
	}
	return diags
}

// evalAttrs checks body against the schema (bodySchema is its HCL form)
// and evaluates its attributes; nil when the body does not fit.
func (sc *scope) evalAttrs(schema resources.Schema, bodySchema *hcl.BodySchema, body hcl.Body, block hcl.Range) (*resources.Attrs, hcl.Diagnostics) {
	content, diags := body.Content(bodySchema)
	if diags.HasErrors() {
		return nil, diags
	}
	ctx := sc.evalContext()
	for _, attr := range content.Attributes {
		diags = append(diags, compareTypes(attr.Expr, ctx)...)
	}
	return resources.EvalAttrs(schema, content, ctx, block), diags
}

// decodeStep evaluates a step's when and attributes. run is false when
// its when is false.
func (sc *scope) decodeStep(s *Step) (res resources.Resource, run bool, diags hcl.Diagnostics) {
	run = true
	if s.When != nil {
		run, diags = sc.boolExpr(s.When, "when")
	}
	t, _ := resources.Lookup(s.Type)
	a, d := sc.evalAttrs(t.Schema, t.Body(), s.Config, s.DeclRange)
	if diags = append(diags, d...); a == nil {
		return nil, run, diags
	}
	res = t.Decode(a)
	diags = append(diags, a.Diags...)
	if c, ok := res.(interface{ CheckTrigger() error }); ok && len(s.Triggers) > 0 && !a.Diags.HasErrors() {
		if err := c.CheckTrigger(); err != nil {
			diags = append(diags, errAt(s.TriggerRange, "Invalid "+s.TriggerArg, err.Error()))
		}
	}
	return res, run, diags
}

// boolExpr evaluates a when or detect; an unknown value (validate) is true.
func (sc *scope) boolExpr(e hcl.Expression, what string) (bool, hcl.Diagnostics) {
	diags := compareTypes(e, sc.evalContext())
	v, d := e.Value(sc.evalContext())
	if diags = append(diags, d...); diags.HasErrors() {
		return true, diags
	}
	v, err := convert.Convert(v, cty.Bool)
	switch {
	case err != nil || v.IsNull():
		return true, append(diags, errAt(e.Range(), "Invalid "+what, what+" is a boolean expression."))
	case !v.IsKnown():
		return true, diags
	}
	return v.True(), diags
}

// readObjects reads every distinct object of the plan once, several at a
// time.
func readObjects(ctx context.Context, h host.Host, steps []*StepPlan) ([]ObjectState, error) {
	var objs []ObjectState
	seen := map[resources.Key]int{}
	for _, sp := range steps {
		for _, o := range sp.Objects {
			if i, ok := seen[o.Key]; ok {
				objs[i].Place = objs[i].Place || o.Place
				continue
			}
			seen[o.Key] = len(objs)
			objs = append(objs, ObjectState{Object: o})
		}
	}
	errs := make([]error, len(objs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range objs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			objs[i].State, errs[i] = resources.Read(ctx, h, objs[i].Object)
		}()
	}
	wg.Wait()
	for i, o := range objs {
		switch {
		case errs[i] == nil:
		case strings.Contains(errs[i].Error(), o.Name): // hosts name what failed
			return nil, errs[i]
		default:
			return nil, fmt.Errorf("%s %s: %w", o.Key.Kind, o.Display(), errs[i])
		}
	}
	return objs, nil
}

// targets lists the steps a plan covers: all of them, or those named and
// the steps they depend on.
func (pb *Playbook) targets(target []string) map[string]bool {
	all := len(target) == 0
	deps := map[string][]string{}
	set := map[string]bool{}
	for _, s := range pb.Steps {
		deps[s.Addr()] = s.after()
		set[s.Addr()] = all
	}
	var add func(addr string)
	add = func(addr string) {
		if !set[addr] {
			set[addr] = true
			for _, d := range deps[addr] {
				add(d)
			}
		}
	}
	for _, t := range target {
		add(t)
	}
	return set
}

func stepError(s *Step, err error) *hcl.Diagnostic {
	return errAt(s.DeclRange, s.Addr()+": "+err.Error(), "")
}
