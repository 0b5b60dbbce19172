package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

// run is one command's run: its arguments, the sources read (for
// diagnostics) and where output goes.
type run struct {
	*cli
	a     *args
	files map[string]*hcl.File
	json  *views.JSONWriter
}

func (c *cli) start(a *args) *run {
	r := &run{cli: c, a: a, files: map[string]*hcl.File{}}
	if a.json {
		r.json = views.NewJSONWriter(c.stdout)
	}
	return r
}

func (r *run) color() bool { return r.screen.color && !r.a.noColor }

// diagnose prints diagnostics and reports whether any is an error.
func (r *run) diagnose(diags hcl.Diagnostics) bool {
	if len(diags) == 0 {
		return false
	}
	if r.json != nil {
		r.json.Diagnostics(diags)
	} else {
		views.WriteDiagnostics(r.stderr, r.files, diags, 78, r.color())
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
// file has that name. A file that has the name of a shipped playbook is
// read, with a warning: the user may not know it is there.
func readPlaybook(name string) (filename string, src []byte, warn *hcl.Diagnostic, err error) {
	src, err = host.ReadFileMax(name, engine.MaxPlaybookSize)
	shipped, shippedSrc, ok := playbooks.Lookup(name)
	switch {
	case errors.Is(err, os.ErrNotExist) && ok:
		return shipped, shippedSrc, nil, nil
	case errors.Is(err, os.ErrNotExist):
		return "", nil, nil, fmt.Errorf("%s: no such file, and no shipped playbook of that name (wuplay list shows them)", name)
	case err == nil && ok:
		warn = warning(fmt.Sprintf("%s is read from this folder; it shadows the shipped playbook of that name (wuplay show %s prints that one; write ./%s to name the file without this warning)", name, name, name))
	}
	return name, src, warn, err
}

// warning is a note on one line, not about a place in a playbook.
func warning(msg string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: msg}
}

// isPlanFile tells a saved plan (JSON) from a playbook.
func isPlanFile(src []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(src), []byte("{"))
}

// load reads the playbook and the variables.
func (r *run) load() (*engine.Playbook, engine.Vars, hcl.Diagnostics, error) {
	name, src, warn, err := readPlaybook(r.a.playbook)
	if err != nil {
		return nil, nil, nil, err
	}
	r.files[name] = &hcl.File{Bytes: src}
	pb, diags := engine.Load(name, src)
	if warn != nil {
		diags = append(hcl.Diagnostics{warn}, diags...)
	}
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
		vars[name] = engine.RawVar(val, "-var "+name+"="+val)
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
	if r.a.command == "backout" {
		return r.prepareBackout(ctx, pp)
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
	if err != nil || r.a.command != "apply" && (r.a.command != "backout" || r.a.dryRun) {
		pp.host = h
		return err
	}
	waiting := func(holder host.LockHolder) {
		fmt.Fprintf(r.stderr, "Waiting for the lock of %s: %s holds it. Waiting up to %s (-lock-timeout).\n", views.EscapeText(h.String()), views.EscapeText(holder.String()), r.a.lockTimeout)
	}
	if pp.unlock, err = host.Lock(ctx, h, "wuplay "+r.a.command+" "+r.a.playbook, r.a.lockTimeout, waiting); err != nil {
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
	views.WritePlan(r.stdout, p.Document(), r.color())
}

func (c *cli) validate(_ context.Context, a *args) int {
	r := c.start(a)
	pb, vars, diags, err := r.load()
	if err != nil {
		// Not about the playbook's text, but the playbook is not valid.
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error()})
		if r.json == nil {
			return r.fail(err)
		}
	} else if !diags.HasErrors() {
		diags = append(diags, engine.Validate(pb, vars)...)
	}
	invalid := r.diagnose(diags)
	switch {
	case r.json != nil:
		r.json.ValidateResult(diags)
	case !invalid:
		fmt.Fprintf(r.stdout, "Playbook %s is valid: %d steps.\n", views.EscapeText(pb.Name), len(pb.Steps))
	}
	if invalid {
		return exitError
	}
	return exitOK
}

func (c *cli) plan(ctx context.Context, a *args) int {
	return c.start(a).plan(ctx)
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
	if err := r.checkOutputsOn(pp); err != nil {
		return r.failed(err)
	}
	r.show(pp.plan)
	if r.a.out != "" {
		if err := host.WriteFileAtomic(r.a.out, pp.plan.Document().Marshal()); err != nil {
			return r.failed(err)
		}
		if r.json == nil {
			out := views.EscapeText(r.a.out)
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
	views.WriteDetection(r.stdout, d)
	if d.Verdict() == engine.NonCompliant {
		return exitNeedsFix
	}
	return exitOK
}

func (c *cli) show(_ context.Context, a *args) int {
	r := c.start(a)
	src, err := host.ReadFileMax(a.playbook, engine.MaxPlanFile)
	if err == nil && isPlanFile(src) {
		d, err := engine.ParsePlanDocument(a.playbook, src)
		if err != nil {
			return r.failed(err)
		}
		switch {
		case a.json:
			r.stdout.Write(d.Marshal())
		case a.markdown:
			views.WriteMarkdown(r.stdout, d)
		default:
			views.WritePlan(r.stdout, d, r.color())
			if d.Summary.Changes > 0 {
				fmt.Fprintln(r.stdout)
				views.WriteBackout(r.stdout, d.Backout, r.color())
			}
		}
		return exitOK
	}
	name, shipped, ok := playbooks.Lookup(a.playbook)
	switch {
	case ok && (a.json || a.markdown):
		r.failed(fmt.Errorf("%s is a shipped playbook, shown as its source: -json and -markdown render a saved plan", a.playbook))
		return exitUsage
	case ok:
		if err == nil {
			r.diagnose(hcl.Diagnostics{warning(fmt.Sprintf("%s in this folder is a playbook, not a saved plan: this is the shipped %s (validate, plan and apply read the file)", a.playbook, name))})
		}
		r.stdout.Write(shipped)
		return exitOK
	case err == nil:
		return r.failed(fmt.Errorf("%s is not a saved plan: show prints saved plans (wuplay plan -out FILE) and shipped playbooks (wuplay list)", a.playbook))
	case errors.Is(err, fs.ErrNotExist):
		return r.failed(fmt.Errorf("%s: no such file, and no shipped playbook of that name (wuplay list shows them)", a.playbook))
	}
	return r.failed(err)
}

func (c *cli) graph(_ context.Context, a *args) int {
	r := c.start(a)
	pb, _, diags, err := r.load()
	if err != nil {
		return r.failed(err)
	}
	if r.diagnose(diags) {
		return exitError
	}
	g := engine.NewGraph(pb)
	if r.json != nil {
		r.stdout.Write(g.Marshal())
		return exitOK
	}
	views.WriteGraph(r.stdout, g)
	return exitOK
}

func (c *cli) list(_ context.Context, a *args) int {
	all := []engine.ShippedPlaybook{}
	for _, file := range playbooks.Names() {
		_, src, _ := playbooks.Lookup(file)
		pb, diags := engine.Load(file, src)
		if diags.HasErrors() {
			panic(fmt.Sprintf("shipped playbook %s: %s", file, diags.Error()))
		}
		all = append(all, engine.ShippedPlaybook{File: file, Name: pb.Name, Title: pb.Title, Source: pb.Source})
	}
	if a.json {
		out, _ := json.MarshalIndent(engine.PlaybookList{FormatVersion: engine.FormatVersion, WuplayVersion: engine.Version(), Playbooks: all}, "", "  ")
		fmt.Fprintf(c.stdout, "%s\n", out)
		return exitOK
	}
	for _, p := range all {
		fmt.Fprintf(c.stdout, "%-16s %s\n%-16s %s\n", p.File, p.Title, "", p.Source)
	}
	return exitOK
}

func (c *cli) version(_ context.Context, a *args) int {
	v := engine.VersionDocument{FormatVersion: engine.FormatVersion, WuplayVersion: engine.Version(), GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if a.json {
		out, _ := json.MarshalIndent(v, "", "  ")
		fmt.Fprintf(c.stdout, "%s\n", out)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "wuplay %s\n%s on %s\n", v.WuplayVersion, v.GoVersion, v.Platform)
	return exitOK
}
