package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

// run is one validate, plan or apply: its arguments, the sources read
// (for diagnostics) and where output goes.
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
		w := hcl.NewDiagnosticTextWriter(r.stderr, r.files, 78, r.color())
		w.WriteDiagnostics(diags)
	}
	return diags.HasErrors()
}

// load reads the playbook, from disk or from the binary, and the variables.
func (r *run) load() (*engine.Playbook, engine.Vars, bool) {
	name := r.a.playbook
	src, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		var ok bool
		if name, src, ok = playbooks.Lookup(name); !ok {
			r.fail(fmt.Errorf("%s: no such file, and no shipped playbook of that name (wuplay list shows them)", r.a.playbook))
			return nil, nil, false
		}
	} else if err != nil {
		r.fail(err)
		return nil, nil, false
	}
	r.files[name] = &hcl.File{Bytes: src}
	pb, diags := engine.Load(name, src)
	vars := engine.Vars{}
	for _, file := range r.a.varFiles {
		vs, d := engine.LoadVarFile(file)
		if src, err := os.ReadFile(file); err == nil {
			r.files[file] = &hcl.File{Bytes: src}
		}
		diags = append(diags, d...)
		for k, v := range vs {
			vars[k] = v
		}
	}
	for _, v := range r.a.vars {
		name, val, _ := strings.Cut(v, "=")
		vars[name] = val
	}
	return pb, vars, !r.diagnose(diags)
}

func (c *cli) validate(_ context.Context, argv []string) int {
	r, code := c.start("validate", argv)
	if r == nil {
		return code
	}
	pb, vars, ok := r.load()
	if !ok || r.diagnose(engine.Validate(pb, vars)) {
		return exitError
	}
	if r.json == nil {
		fmt.Fprintf(r.stdout, "Playbook %s is valid: %d steps.\n", pb.Name, len(pb.Steps))
	}
	return exitOK
}

// makePlan loads the playbook and plans it against the host.
func (r *run) makePlan(ctx context.Context) (*engine.Plan, host.Host, bool) {
	pb, vars, ok := r.load()
	if !ok {
		return nil, nil, false
	}
	h, err := host.Open(r.a.host)
	if err != nil {
		r.fail(err)
		return nil, nil, false
	}
	p, diags := engine.NewPlan(ctx, pb, h, engine.Options{Vars: vars, Replace: r.a.replace})
	if r.diagnose(diags) {
		return nil, nil, false
	}
	if r.json != nil {
		r.json.Plan(p)
	} else {
		engine.WritePlan(r.stdout, p, r.color())
	}
	return p, h, true
}

func (c *cli) plan(ctx context.Context, argv []string) int {
	r, code := c.start("plan", argv)
	if r == nil {
		return code
	}
	p, _, ok := r.makePlan(ctx)
	if !ok {
		return exitError
	}
	if changed, _ := p.Changed(); changed > 0 && r.a.detailedExitcode {
		return exitChanges
	}
	return exitOK
}

func (c *cli) apply(ctx context.Context, argv []string) int {
	r, code := c.start("apply", argv)
	if r == nil {
		return code
	}
	if !r.a.autoApprove && !r.terminal {
		return r.fail(errors.New("apply asks for approval on a terminal, and this is not one: review the plan with \"wuplay plan\", then run apply with -auto-approve"))
	}
	p, h, ok := r.makePlan(ctx)
	if !ok {
		return exitError
	}
	if changed, _ := p.Changed(); changed == 0 {
		return exitOK
	}
	if !r.a.autoApprove {
		yes, err := r.confirm(fmt.Sprintf("Apply these changes to %s?", p.Host))
		if err != nil {
			return r.fail(err)
		}
		if !yes {
			fmt.Fprintln(r.stderr, "Apply cancelled: nothing was changed.")
			return exitError
		}
	}
	var obs engine.Observer = &textObserver{w: r.stdout}
	if r.json != nil {
		obs = r.json
	}
	results, err := engine.Apply(ctx, p, h, obs)
	if r.json != nil {
		r.json.ApplySummary(results)
	} else {
		writeResults(r.stdout, results)
	}
	if err != nil {
		if r.json == nil {
			r.fail(err)
		}
		return exitError
	}
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

// textObserver prints a line as each step starts and ends.
type textObserver struct {
	w interface{ Write([]byte) (int, error) }
}

func (o *textObserver) StepStarted(sp *engine.StepPlan) {
	fmt.Fprintf(o.w, "%s: %s...\n", sp.Addr, sp.Action)
}

func (o *textObserver) StepFinished(sp *engine.StepPlan, r engine.StepResult) {
	if r.Err != nil {
		fmt.Fprintf(o.w, "%s: %s failed after %s\n", sp.Addr, sp.Action, r.Duration.Round(time.Millisecond))
		return
	}
	fmt.Fprintf(o.w, "%s: %s complete after %s\n", sp.Addr, sp.Action, r.Duration.Round(time.Millisecond))
}

func writeResults(w interface{ Write([]byte) (int, error) }, results []engine.StepResult) {
	counts := map[engine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	if counts[engine.Failed] == 0 {
		fmt.Fprintf(w, "\nApply complete! %d changed, %d unchanged.\n", counts[engine.Done], counts[engine.Unchanged])
		return
	}
	fmt.Fprintf(w, "\nApply failed: %d changed, %d failed, %d not attempted, %d unchanged.\n",
		counts[engine.Done], counts[engine.Failed], counts[engine.NotAttempted], counts[engine.Unchanged])
	for _, r := range results {
		fmt.Fprintf(w, "  %-40s %s\n", r.Addr, r.Status)
	}
}
