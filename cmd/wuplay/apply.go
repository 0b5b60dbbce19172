package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

func (c *cli) apply(ctx context.Context, argv []string) int {
	r, code := c.start("apply", argv)
	if r == nil {
		return code
	}
	if _, saved := r.planFile(); !r.a.autoApprove && !r.terminal && !saved {
		return r.failed(errors.New("apply asks for approval on a terminal, and this is not one: review the plan with \"wuplay plan\", then run apply with -auto-approve"))
	}
	pp, diags, err := r.prepare(ctx)
	if r.diagnose(diags) {
		return exitError
	}
	if err != nil {
		return r.failed(err)
	}
	defer pp.unlock()
	r.show(pp.plan)
	if changed, _ := pp.plan.Changed(); changed == 0 {
		return r.writeReport(pp.plan, nil, nil, time.Now())
	}
	if !r.a.autoApprove && !pp.saved {
		yes, err := r.confirm(ctx, fmt.Sprintf("Apply these changes to %s?", pp.plan.Host))
		if err != nil {
			return r.failed(err)
		}
		if !yes {
			fmt.Fprintln(r.stderr, "Apply cancelled: nothing was changed.")
			return exitError
		}
	}
	var obs engine.Observer = &textObserver{w: r.stdout, live: r.terminal}
	if r.json != nil {
		obs = r.json
	}
	started := time.Now()
	results, err := engine.Apply(ctx, pp.plan, pp.host, obs)
	if r.json != nil {
		r.json.ApplySummary(results)
	} else {
		writeResults(r.stdout, results)
	}
	if code := r.writeReport(pp.plan, results, err, started); code != exitOK {
		return code
	}
	if err != nil {
		return r.failed(err)
	}
	return exitOK
}

// planFile returns the argument's content if it is a saved plan, which
// was reviewed already and is applied without a question.
func (r *run) planFile() ([]byte, bool) {
	src, err := host.ReadFileMax(r.a.playbook, engine.MaxPlanFile)
	return src, err == nil && isPlanFile(src)
}

// writeReport writes the -report audit record, if asked for.
func (r *run) writeReport(p *engine.Plan, results []engine.StepResult, applyErr error, started time.Time) int {
	if r.a.report == "" {
		return exitOK
	}
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	machine, _ := os.Hostname()
	rep := engine.NewReport(p, results, applyErr, started, time.Now(), who, machine)
	if err := host.WriteFileAtomic(r.a.report, rep.Marshal()); err != nil {
		return r.failed(fmt.Errorf("report: %w", err))
	}
	return exitOK
}

// textObserver prints a line as each step starts and ends. On a terminal
// it also shows, for a step that takes more than a second, the time spent
// and what the step waits for.
type textObserver struct {
	w    io.Writer
	live bool

	mu    sync.Mutex
	state string
	stop  chan struct{}
	done  sync.WaitGroup
}

func (o *textObserver) StepStarted(sp *engine.StepPlan) {
	fmt.Fprintf(o.w, "%s: %s...\n", sp.Addr, sp.Action)
	if !o.live {
		return
	}
	o.state, o.stop = "", make(chan struct{})
	o.done.Add(1)
	go o.tick(sp, time.Now())
}

func (o *textObserver) tick(sp *engine.StepPlan, start time.Time) {
	defer o.done.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case now := <-t.C:
			o.mu.Lock()
			state := o.state
			o.mu.Unlock()
			if state != "" {
				state = ", " + state
			}
			fmt.Fprintf(o.w, "%s: still %s... [%s elapsed%s]\n", sp.Addr, gerunds[sp.Action], now.Sub(start).Round(time.Second), state)
		}
	}
}

var gerunds = map[resources.Action]string{
	resources.Create: "creating", resources.Update: "updating", resources.Delete: "deleting",
	resources.Rename: "renaming", resources.Start: "starting", resources.Stop: "stopping",
	resources.Restart: "restarting", resources.Empty: "emptying", resources.Run: "running",
}

func (o *textObserver) StepProgress(_ *engine.StepPlan, msg string) {
	o.mu.Lock()
	o.state = msg
	o.mu.Unlock()
}

func (o *textObserver) StepFinished(sp *engine.StepPlan, r engine.StepResult) {
	if o.stop != nil {
		close(o.stop)
		o.done.Wait()
		o.stop = nil
	}
	verb := "complete"
	if r.Err != nil {
		verb = "failed"
	}
	fmt.Fprintf(o.w, "%s: %s %s after %s\n", sp.Addr, sp.Action, verb, r.Duration.Round(time.Millisecond))
}

func writeResults(w io.Writer, results []engine.StepResult) {
	counts := map[engine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	if counts[engine.Failed] == 0 {
		fmt.Fprintf(w, "\nApply complete! %d changed, %d unchanged.\n", counts[engine.Done], counts[engine.Unchanged])
	} else {
		fmt.Fprintf(w, "\nApply failed: %d changed, %d failed, %d put back, %d not attempted, %d unchanged.\n",
			counts[engine.Done], counts[engine.Failed], counts[engine.PutBack], counts[engine.NotAttempted], counts[engine.Unchanged])
	}
	for _, r := range results {
		if r.Status == engine.Unchanged {
			continue
		}
		took := ""
		if r.Status != engine.NotAttempted {
			took = r.Duration.Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "  %-40s %-14s %s\n", r.Addr, r.Status, took)
		if r.PutBack != "" {
			fmt.Fprintf(w, "  %-40s %s\n", "", r.PutBack)
		}
	}
}
