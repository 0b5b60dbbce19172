// Package playtest runs a playbook's tests (engine.TestFile): each test on
// a fresh copy of its simulated host in a temporary folder, with its runs
// of the playbook, what happens to the host between them, and what the
// host must hold after. It writes nothing outside that folder and never
// changes the host folder a test names. It prints nothing: the writers in
// report.go turn results into text, JSON or JUnit for the command line.
package playtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// Result is one test's outcome.
type Result struct {
	File     string // the test file
	Name     string
	Duration time.Duration
	// Failures say what was expected and what was found, where the test
	// file says it; none: the test passed.
	Failures []Failure
	// Log is what the last run printed (its plan, the apply's results),
	// for the reader of a failure.
	Log string
}

// Passed says whether the test passed.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Failure is one thing a test found otherwise than expected.
type Failure struct {
	Range hcl.Range // the expectation in the test file
	What  string    // what was checked: "plan: service.stop_automatic_updates"
	Want  string
	Got   string
	// Message is a failure that is not a comparison (the host folder is
	// missing), or says more about one.
	Message string
}

// Options select and set up the tests.
type Options struct {
	// Run selects the tests whose names match; nil: all.
	Run *regexp.Regexp
	// TempDir is where each test's host copy is made ("": the system's).
	TempDir string
}

// Run runs the tests of tf against the playbook pb.
func Run(ctx context.Context, tf *engine.TestFile, pb *engine.Playbook, opts Options) []Result {
	var results []Result
	for _, t := range tf.Tests {
		if opts.Run != nil && !opts.Run.MatchString(t.Name) {
			continue
		}
		start := time.Now()
		tr := &testRun{ctx: ctx, tf: tf, t: t, pb: pb, clock: start.UTC().Truncate(time.Second)}
		tr.run(opts.TempDir)
		results = append(results, Result{File: tf.Filename, Name: t.Name, Duration: time.Since(start), Failures: tr.failures, Log: tr.log.String()})
		if ctx.Err() != nil {
			break
		}
	}
	return results
}

// testRun is one test being run.
type testRun struct {
	ctx      context.Context
	tf       *engine.TestFile
	t        *engine.Test
	pb       *engine.Playbook
	dir      string // the host's copy
	clock    time.Time
	failures []Failure
	log      bytes.Buffer
}

func (tr *testRun) fail(rng hcl.Range, what, want, got, msg string) {
	tr.failures = append(tr.failures, Failure{Range: rng, What: what, Want: want, Got: got, Message: msg})
}

func (tr *testRun) run(tempDir string) {
	tmp, err := os.MkdirTemp(tempDir, "wuplay-test-*")
	if err != nil {
		tr.fail(tr.t.DeclRange, "", "", "", fmt.Sprintf("a folder for the test's host: %v", err))
		return
	}
	defer os.RemoveAll(tmp)
	tr.dir = filepath.Join(tmp, "host")
	if err := tr.makeHost(); err != nil {
		tr.fail(tr.t.HostRange, "host", "", "", err.Error())
		return
	}
	for _, s := range tr.t.Steps {
		if tr.ctx.Err() != nil {
			tr.fail(s.Range, s.Kind, "", "", "interrupted")
			return
		}
		if !tr.step(s) {
			return
		}
		// Each step happens a second after the one before: an event that
		// follows an apply is newer than its record.
		tr.clock = tr.clock.Add(time.Second)
	}
}

// makeHost makes the test's host: a copy of its folder, or the host it
// writes out.
func (tr *testRun) makeHost() error {
	if tr.t.Host != "" {
		src := tr.t.Host
		if !filepath.IsAbs(src) {
			src = filepath.Join(filepath.Dir(tr.tf.Filename), src)
		}
		return copyHost(src, tr.dir)
	}
	return writeInline(tr.t.HostInline, tr.dir)
}

// sim opens the host's copy afresh, as each wuplay run does.
func (tr *testRun) sim() (*host.Sim, error) { return host.OpenSim(tr.dir) }

// step runs one step and says whether the test goes on.
func (tr *testRun) step(s *engine.TestStep) bool {
	h, err := tr.sim()
	if err != nil {
		tr.fail(s.Range, s.Kind, "", "", err.Error())
		return false
	}
	switch s.Kind {
	case "plan", "apply":
		return tr.runPlaybook(s, h)
	case "wait":
		tr.clock = tr.clock.Add(s.Duration)
		return true
	case "event":
		err = h.AddEvent(host.Event{Time: tr.clock, Channel: s.Channel, Provider: s.Provider, ID: s.ID, Message: s.Message})
	case "stop_service":
		err = h.StopService(tr.ctx, s.Service, time.Minute)
	case "start_service":
		err = h.StartService(tr.ctx, s.Service, time.Minute)
	case "reboot":
		err = h.Reboot(tr.ctx)
	case "expect":
		return tr.expect(s.Range, s.Expect, h)
	}
	if err != nil {
		tr.fail(s.Range, s.Kind, "", "", err.Error())
		return false
	}
	return true
}

// runPlaybook plans, or plans and applies, as the command line does, and
// compares the outcome with what the step expects.
func (tr *testRun) runPlaybook(s *engine.TestStep, h *host.Sim) bool {
	// The log is of this run only: the one that failed.
	tr.log.Reset()
	fmt.Fprintf(&tr.log, "$ wuplay %s (%s)\n", s.Kind, rangeText(s.Range))
	before := len(tr.failures)
	defer func() {
		slices.SortStableFunc(tr.failures[before:], func(a, b Failure) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	}()
	p, diags := engine.NewPlan(tr.ctx, tr.pb, h, engine.Options{Vars: tr.t.Vars, Replace: s.Replace})
	var runErr error
	if diags.HasErrors() {
		runErr = errors.New(diags.Error())
		fmt.Fprintf(&tr.log, "%s\n", diags.Error())
	} else {
		views.WritePlan(&tr.log, p.Document(), false)
	}
	exit := 0
	switch {
	case runErr != nil:
		exit = 1
	case s.Kind == "plan":
		if changed, _ := p.Changed(); changed > 0 {
			exit = 2
		}
		tr.checkActions(s, p)
	default:
		var results []engine.StepResult
		if changed, _ := p.Changed(); changed == 0 {
			runErr = engine.Record(p, h, nil, nil)
		} else {
			results, runErr = engine.Apply(tr.ctx, p, h, quiet{})
		}
		for _, r := range results {
			if r.Status != engine.Unchanged {
				fmt.Fprintf(&tr.log, "  %s: %s\n", r.Addr, r.Status)
			}
		}
		if runErr != nil {
			exit = 1
			fmt.Fprintf(&tr.log, "Error: %s\n", runErr)
		}
		tr.checkResults(s, results)
		if err := tr.dateRecord(h); err != nil {
			tr.fail(s.Range, "apply record", "", "", err.Error())
		}
	}
	want := 0
	if s.Error != nil {
		want = 1
	}
	if s.ExitCode != nil {
		fmt.Sscan(s.ExitCode.Value, &want)
		if got := fmt.Sprint(exit); got != s.ExitCode.Value {
			tr.fail(s.ExitCode.Range, s.Kind+" exit code", s.ExitCode.Value, got, errText(runErr))
		}
	} else if exit == 1 && want != 1 {
		tr.fail(s.Range, s.Kind, "success", "an error", errText(runErr))
	}
	if s.Error != nil {
		if got := errText(runErr); !strings.Contains(got, s.Error.Value) {
			tr.fail(s.Error.Range, s.Kind+" error", "an error holding "+quote(s.Error.Value), quoteOr(got, "no error"), "")
		}
	}
	return len(tr.failures) == before
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (tr *testRun) checkActions(s *engine.TestStep, p *engine.Plan) {
	if s.Actions == nil {
		return
	}
	want := map[string]engine.Want{}
	for _, w := range s.Actions {
		if !slices.ContainsFunc(p.Steps, func(sp *engine.StepPlan) bool { return sp.Addr == w.Name }) {
			tr.fail(w.Range, "plan: "+w.Name, w.Value, "", fmt.Sprintf("%s is not a step of playbook %s", w.Name, tr.pb.Name))
		}
		want[w.Name] = w
	}
	for _, sp := range p.Steps {
		w, ok := want[sp.Addr]
		if !ok {
			w = engine.Want{Name: sp.Addr, Value: string(resources.NoOp), Range: s.ActionsRange}
		}
		if string(sp.Action) != w.Value {
			got := string(sp.Action)
			if sp.Reason != "" {
				got += " (" + sp.Reason + ")"
			}
			msg := ""
			if !ok {
				msg = "a step that actions does not name must change nothing"
			}
			tr.fail(w.Range, "plan: "+sp.Addr, w.Value, got, msg)
		}
	}
}

func (tr *testRun) checkResults(s *engine.TestStep, results []engine.StepResult) {
	for _, w := range s.Results {
		i := slices.IndexFunc(results, func(r engine.StepResult) bool { return r.Addr == w.Name })
		got := string(engine.Unchanged) // an apply that changed nothing
		if i >= 0 {
			got = string(results[i].Status)
		} else if !slices.ContainsFunc(tr.pb.Steps, func(st *engine.Step) bool { return st.Addr() == w.Name }) {
			tr.fail(w.Range, "apply: "+w.Name, w.Value, "", fmt.Sprintf("%s is not a step of playbook %s", w.Name, tr.pb.Name))
			continue
		}
		if got != w.Value {
			tr.fail(w.Range, "apply: "+w.Name, w.Value, got, "")
		}
	}
}

// dateRecord gives the apply record the test's time: a test's clock
// runs ahead of the wall clock once it waits, and the playbook compares
// the record's time with the events'.
func (tr *testRun) dateRecord(h *host.Sim) error {
	rec, ok, err := host.ReadApplyRecord(h, tr.pb.Name)
	if err != nil || !ok {
		return err
	}
	rec.Finished = tr.clock
	return host.WriteApplyRecord(h, rec)
}

// quiet follows an apply and says nothing: the results tell.
type quiet struct{}

func (quiet) StepStarted(*engine.StepPlan)                     {}
func (quiet) StepProgress(*engine.StepPlan, string)            {}
func (quiet) StepFinished(*engine.StepPlan, engine.StepResult) {}

func rangeText(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", filepath.Base(r.Filename), r.Start.Line)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func quoteOr(s, none string) string {
	if s == "" {
		return none
	}
	return quote(s)
}
