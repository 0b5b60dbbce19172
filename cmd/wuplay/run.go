package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

// run is one command's run: its arguments, the sources read (for
// diagnostics) and where output goes.
type run struct {
	*cli
	a     *args
	files map[string]*hcl.File
	json  *engine.JSONWriter
}

func (c *cli) start(command string, argv []string) (*run, int) {
	a, err := parseArgs(command, argv, c.stderr)
	if errors.Is(err, errHelp) {
		return nil, exitOK
	}
	if err != nil {
		return nil, c.fail(err)
	}
	r := &run{cli: c, a: a, files: map[string]*hcl.File{}}
	if a.json {
		r.json = engine.NewJSONWriter(c.stdout)
	}
	return r, -1
}

func (r *run) color() bool { return r.terminal && !r.a.noColor }

// diagnose prints diagnostics and reports whether any is an error.
func (r *run) diagnose(diags hcl.Diagnostics) bool {
	if len(diags) == 0 {
		return false
	}
	if r.json != nil {
		r.json.Diagnostics(diags)
	} else {
		engine.WriteDiagnostics(r.stderr, r.files, diags, 78, r.color())
	}
	return diags.HasErrors()
}

// failed reports an error that is not about a playbook's text, in the
// output's form.
func (r *run) failed(err error) int {
	if r.json != nil {
		r.json.Diagnostics(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: err.Error()}})
		return exitError
	}
	return r.fail(err)
}

// readPlaybook reads a playbook from disk, or from the binary when no
// file has that name.
func readPlaybook(name string) (filename string, src []byte, err error) {
	src, err = host.ReadFileMax(name, engine.MaxPlaybookSize)
	if errors.Is(err, os.ErrNotExist) {
		shipped, src, ok := playbooks.Lookup(name)
		if !ok {
			return "", nil, fmt.Errorf("%s: no such file, and no shipped playbook of that name (wuplay list shows them)", name)
		}
		return shipped, src, nil
	}
	return name, src, err
}

// isPlanFile tells a saved plan (JSON) from a playbook.
func isPlanFile(src []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(src), []byte("{"))
}

// load reads the playbook and the variables.
func (r *run) load() (*engine.Playbook, engine.Vars, hcl.Diagnostics, error) {
	name, src, err := readPlaybook(r.a.playbook)
	if err != nil {
		return nil, nil, nil, err
	}
	r.files[name] = &hcl.File{Bytes: src}
	pb, diags := engine.Load(name, src)
	vars := maps.Clone(r.a.varValues)
	if vars == nil {
		vars = engine.Vars{}
	}
	for _, file := range r.a.varFiles {
		src, err := host.ReadFileMax(file, engine.MaxPlaybookSize)
		if err != nil {
			return nil, nil, diags, fmt.Errorf("variable file: %w", err)
		}
		r.files[file] = &hcl.File{Bytes: src}
		vs, d := engine.LoadVarFile(file, src)
		diags = append(diags, d...)
		for k, v := range vs {
			vars[k] = v
		}
	}
	for _, v := range r.a.vars {
		name, val, _ := strings.Cut(v, "=")
		vars[name] = engine.RawVar(name, val)
	}
	return pb, vars, diags, nil
}

// prepared is a plan ready to show or apply.
type prepared struct {
	plan *engine.Plan
	host host.Host
	// unlock releases the host's lock, which apply takes before it reads
	// the host; nil for plan.
	unlock func() error
	// saved is set when the plan came from a plan file that still holds:
	// it was reviewed already, so apply does not ask again.
	saved bool
}

// prepare plans the playbook, or checks a saved plan, against the host.
// For apply it first takes the host's lock, so that what it reads stays
// true until the apply ends; the caller releases it. It prints nothing.
func (r *run) prepare(ctx context.Context) (_ *prepared, diags hcl.Diagnostics, err error) {
	pp := &prepared{}
	defer func() {
		if (err != nil || diags.HasErrors()) && pp.unlock != nil {
			pp.unlock()
		}
	}()
	if src, ok := r.planFile(); ok && r.a.command == "apply" {
		return r.prepareSaved(ctx, pp, src)
	}
	pb, vars, diags, err := r.load()
	if err != nil || diags.HasErrors() {
		return nil, diags, err
	}
	if err := r.openHost(ctx, pp, r.a.host); err != nil {
		return nil, diags, err
	}
	p, more := engine.NewPlan(ctx, pb, pp.host, engine.Options{Vars: vars, Replace: r.a.replace, Target: r.a.target})
	pp.plan = p
	return pp, append(diags, more...), nil
}

// openHost opens the host, and for apply takes its lock.
func (r *run) openHost(ctx context.Context, pp *prepared, spec string) error {
	h, err := host.Open(spec)
	if err != nil || r.a.command != "apply" {
		pp.host = h
		return err
	}
	if pp.unlock, err = host.Lock(ctx, h, "wuplay apply "+r.a.playbook, r.a.lockTimeout); err != nil {
		return err
	}
	// Open it again: what was read before the lock was taken may have
	// changed while another wuplay held it.
	pp.host, err = host.Open(spec)
	return err
}

func (r *run) prepareSaved(ctx context.Context, pp *prepared, src []byte) (*prepared, hcl.Diagnostics, error) {
	if len(r.a.vars)+len(r.a.varFiles)+len(r.a.replace)+len(r.a.target) > 0 {
		return nil, nil, errors.New("a saved plan is applied as it was made: -var, -var-file, -replace and -target belong to wuplay plan -out")
	}
	d, err := engine.ParsePlanDocument(r.a.playbook, src)
	if err != nil {
		return nil, nil, err
	}
	r.files[d.Playbook.Filename] = &hcl.File{Bytes: []byte(d.Playbook.Content)}
	// The plan's own host, wherever apply runs from: a simulated host by
	// its recorded folder, not by a relative name.
	spec := d.Host
	if d.HostFolder != "" {
		spec = "sim:" + d.HostFolder
	}
	if r.a.hostGiven {
		h, err := host.Open(r.a.host)
		if err != nil {
			return nil, nil, err
		}
		if err := d.CheckPlace(h); err != nil {
			return nil, nil, fmt.Errorf("%s: -host %s: %w; apply it without -host, or make a plan for that host; nothing was changed", r.a.playbook, r.a.host, err)
		}
		spec = r.a.host
	}
	if err := r.openHost(ctx, pp, spec); err != nil {
		return nil, nil, err
	}
	p, diags, err := d.Recheck(ctx, pp.host)
	if err != nil {
		return nil, diags, fmt.Errorf("%s: %w; nothing was changed", r.a.playbook, err)
	}
	pp.plan, pp.saved = p, true
	return pp, diags, nil
}

// show prints the plan as the run's output wants it.
func (r *run) show(p *engine.Plan) {
	if r.json != nil {
		r.json.Plan(p.Document())
		return
	}
	engine.WritePlan(r.stdout, p.Document(), r.color())
}

func (c *cli) validate(_ context.Context, argv []string) int {
	r, code := c.start("validate", argv)
	if r == nil {
		return code
	}
	pb, vars, diags, err := r.load()
	if err != nil {
		return r.failed(err)
	}
	if r.diagnose(diags) || r.diagnose(engine.Validate(pb, vars)) {
		return exitError
	}
	if r.json == nil {
		fmt.Fprintf(r.stdout, "Playbook %s is valid: %d steps.\n", engine.EscapeText(pb.Name), len(pb.Steps))
	}
	return exitOK
}

func (c *cli) plan(ctx context.Context, argv []string) int {
	r, code := c.start("plan", argv)
	if r == nil {
		if code == exitError && slices.ContainsFunc(argv, isDetectFlag) {
			return exitDetectError
		}
		return code
	}
	return r.plan(ctx)
}

// isDetectFlag reports whether arg is -detect, in any of flag's spellings:
// a detection whose flags are wrong must not answer "needs the fix".
func isDetectFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return strings.HasPrefix(arg, "-") && name == "detect"
}

func (r *run) plan(ctx context.Context) int {
	if err := r.checkOutputs(); err != nil {
		return r.failed(err)
	}
	pp, diags, err := r.prepare(ctx)
	if r.diagnose(diags) {
		return r.errorExit()
	}
	if err != nil {
		r.failed(err)
		return r.errorExit()
	}
	if r.a.detect != "" {
		return r.detect(pp.plan.Document())
	}
	r.show(pp.plan)
	if r.a.out != "" {
		if err := host.WriteFileAtomic(r.a.out, pp.plan.Document().Marshal()); err != nil {
			return r.failed(err)
		}
		if r.json == nil {
			out := engine.EscapeText(r.a.out)
			fmt.Fprintf(r.stdout, "\nSaved the plan to %s. Review it with \"wuplay show %s\"; apply exactly it with \"wuplay apply %s\".\n", out, out, out)
		}
	}
	if changed, _ := pp.plan.Changed(); changed > 0 && r.a.detailedExitcode {
		return exitChanges
	}
	return exitOK
}

// errorExit is plan's exit code for an error.
func (r *run) errorExit() int {
	if r.a.detect != "" {
		return exitDetectError
	}
	return exitError
}

// detect answers an endpoint manager: Intune reads the exit code (and
// shows the output), Configuration Manager compares the one line of
// output with its compliance rule and takes any exit code but 0 as a
// failure to discover.
func (r *run) detect(d *engine.PlanDocument) int {
	if r.a.detect == configMgr {
		fmt.Fprintln(r.stdout, d.Verdict())
		return exitOK
	}
	engine.WriteDetection(r.stdout, d)
	if d.Verdict() == engine.NonCompliant {
		return exitNeedsFix
	}
	return exitOK
}

func (c *cli) show(_ context.Context, argv []string) int {
	r, code := c.start("show", argv)
	if r == nil {
		return code
	}
	src, err := host.ReadFileMax(r.a.playbook, engine.MaxPlanFile)
	if err != nil {
		return r.failed(err)
	}
	d, err := engine.ParsePlanDocument(r.a.playbook, src)
	if err != nil {
		return r.failed(err)
	}
	switch {
	case r.a.json:
		r.stdout.Write(d.Marshal())
	case r.a.markdown:
		engine.WriteMarkdown(r.stdout, d)
	default:
		engine.WritePlan(r.stdout, d, r.color())
	}
	return exitOK
}

func (c *cli) graph(_ context.Context, argv []string) int {
	r, code := c.start("graph", argv)
	if r == nil {
		return code
	}
	pb, _, diags, err := r.load()
	if err != nil {
		return r.failed(err)
	}
	if r.diagnose(diags) {
		return exitError
	}
	engine.WriteGraph(r.stdout, pb)
	return exitOK
}

func (c *cli) list(_ context.Context, argv []string) int {
	if len(argv) > 0 {
		return c.fail(fmt.Errorf("list takes no arguments"))
	}
	for _, name := range playbooks.Names() {
		_, src, _ := playbooks.Lookup(name)
		pb, diags := engine.Load(name, src)
		if diags.HasErrors() {
			panic(fmt.Sprintf("shipped playbook %s: %s", name, diags.Error()))
		}
		fmt.Fprintf(c.stdout, "%-16s %s\n%-16s %s\n", name, pb.Title, "", pb.Source)
	}
	return exitOK
}
