package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

func (c *cli) apply(ctx context.Context, a *args) int {
	return c.start(a).apply(ctx)
}

// apply plans (or checks a saved plan), shows, asks, applies, and reports:
// for apply, and for backout with its generated playbook.
func (r *run) apply(ctx context.Context) int {
	a := r.a
	_, saved := r.planFile()
	switch {
	case !a.autoApprove && !saved && a.json:
		// The question and its answer have no place between JSON lines.
		r.failed(fmt.Errorf("%s -json needs -auto-approve, or a saved plan (wuplay plan -out FILE) to apply: it cannot ask for approval", a.command))
		return exitUsage
	case !a.autoApprove && !saved && !r.terminal:
		return r.failed(fmt.Errorf("%s asks for approval on a terminal, and this is not one: review the plan first (wuplay plan, or backout -dry-run), then run %s with -auto-approve", a.command, a.command))
	}
	if err := r.checkOutputs(); err != nil {
		return r.failed(err)
	}
	pp, diags, err := r.prepare(ctx)
	if r.diagnose(diags) {
		return exitError
	}
	if err != nil {
		return r.failed(err)
	}
	defer pp.unlock()
	if err := r.checkOutputsOn(pp); err != nil {
		return r.failed(err)
	}
	r.show(pp.plan)
	if changed, _ := pp.plan.Changed(); changed == 0 {
		if err := engine.Record(pp.plan, pp.host, nil, nil); err != nil {
			return r.failed(err)
		}
		return r.writeReport(pp.plan, nil, nil, nil, time.Now())
	}
	if !r.a.autoApprove && !pp.saved {
		yes, err := r.confirm(ctx, fmt.Sprintf("Apply these changes to %s?", views.EscapeText(pp.plan.Host)))
		if err != nil {
			return r.failed(err)
		}
		if !yes {
			fmt.Fprintln(r.stderr, "Apply cancelled: nothing was changed.")
			return exitError
		}
	}
	var obs engine.Observer = r.json
	var say func(string)
	if r.json == nil {
		text := &textObserver{w: r.stdout}
		if r.screen.live {
			text.line = &statusLine{w: r.stdout, escapes: r.screen.escapes, width: r.screen.width}
			say = func(msg string) { text.interject(r.stderr, msg) }
		}
		obs = text
	}
	ctx, obs = r.interrupts.apply(ctx, obs, say)
	started := time.Now()
	results, err := engine.Apply(ctx, pp.plan, pp.host, obs)
	left := leftChanged(ctx, pp, results, err)
	if r.json != nil {
		r.json.ApplySummary(pp.plan, results, err, left)
	} else {
		writeResults(r.stdout, results, err, left)
	}
	if code := r.writeReport(pp.plan, results, err, left, started); code != exitOK {
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
	if r.a.command == "backout" {
		return nil, false // a report, whose backout is asked for
	}
	src, err := host.ReadFileMax(r.a.playbook, engine.MaxPlanFile)
	return src, err == nil && isPlanFile(src)
}

// leftChanged says what an apply that did not succeed left changed on
// the host, read again after putting back; nil after a success.
func leftChanged(ctx context.Context, pp *prepared, results []engine.StepResult, applyErr error) []string {
	if applyErr == nil {
		return nil
	}
	// Read even after Ctrl-C: the user must learn what the host is left as.
	left, err := engine.LeftChanged(context.WithoutCancel(ctx), pp.plan, pp.host, results)
	if err != nil {
		left = append(left, fmt.Sprintf("unknown: %v", err))
	}
	return left
}

// writeReport writes the -report audit record, if asked for.
func (r *run) writeReport(p *engine.Plan, results []engine.StepResult, applyErr error, left []string, started time.Time) int {
	if r.a.report == "" {
		return exitOK
	}
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	machine, _ := os.Hostname()
	rep := engine.NewReport(p, results, applyErr, started, time.Now(), who, machine)
	rep.LeftChanged = left
	if err := host.WriteFileAtomic(r.a.report, rep.Marshal()); err != nil {
		return r.failed(fmt.Errorf("report: %w", err))
	}
	return exitOK
}

// textObserver prints a line as each step starts and ends. On a terminal
// (line set) a step that takes more than a second also shows, on one line
// rewritten in place, the time spent and what it waits for. Step
// addresses and what a host says are untrusted: each line escapes them,
// so that none can erase or rewrite another.
type textObserver struct {
	w    io.Writer
	line *statusLine

	mu    sync.Mutex // guards line and state
	state string
	stop  chan struct{}
	done  sync.WaitGroup
}

func (o *textObserver) StepStarted(sp *engine.StepPlan) {
	fmt.Fprintf(o.w, "%s: %s...\n", views.EscapeText(sp.Addr), sp.Action)
	if o.line == nil {
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
			if state != "" {
				state = ", " + state
			}
			o.line.show(fmt.Sprintf("%s: still %s... [%s elapsed%s]", views.EscapeText(sp.Addr), gerunds[sp.Action], now.Sub(start).Round(time.Second), views.EscapeText(state)))
			o.mu.Unlock()
		}
	}
}

// interject writes msg to w (stderr, the same terminal) on a line of its
// own: the progress line is kept above it, and the next tick starts anew.
func (o *textObserver) interject(w io.Writer, msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.line.keep()
	fmt.Fprintln(w, msg)
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
		o.line.clear()
	}
	verb := "complete"
	if r.Err != nil {
		verb = string(r.Status)
	}
	fmt.Fprintf(o.w, "%s: %s %s after %s\n", views.EscapeText(sp.Addr), sp.Action, verb, r.Duration.Round(time.Millisecond))
}

// writeResults prints how the apply that returned err ended: a summary
// line, each changed step's result, and what a failed or interrupted apply
// left changed on the host (left, read again after putting back).
func writeResults(w io.Writer, results []engine.StepResult, err error, left []string) {
	counts := map[engine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	if err == nil {
		fmt.Fprintf(w, "\nApply complete! %d changed, %d unchanged.\n", counts[engine.Done], counts[engine.Unchanged])
	} else {
		parts := []string{fmt.Sprintf("%d changed", counts[engine.Done]), fmt.Sprintf("%d failed", counts[engine.Failed])}
		if n := counts[engine.PartlyDone]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d failed partly done", n))
		}
		parts = append(parts, fmt.Sprintf("%d put back", counts[engine.PutBack]))
		if n := counts[engine.PutBackFailed]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d put back failed", n))
		}
		parts = append(parts, fmt.Sprintf("%d not attempted", counts[engine.NotAttempted]), fmt.Sprintf("%d unchanged", counts[engine.Unchanged]))
		how := "failed"
		if errors.Is(err, engine.ErrInterrupted) {
			how = "interrupted"
		}
		fmt.Fprintf(w, "\nApply %s: %s.\n", how, strings.Join(parts, ", "))
	}
	for _, r := range results {
		if r.Status == engine.Unchanged {
			continue
		}
		took := ""
		if r.Status != engine.NotAttempted {
			took = r.Duration.Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "  %-40s %-19s %s\n", views.EscapeText(r.Addr), r.Status, took)
		for _, c := range r.Changed {
			fmt.Fprintf(w, "  %-40s %s\n", "", views.EscapeText(c))
		}
		if r.PutBack != "" {
			fmt.Fprintf(w, "  %-40s %s\n", "", views.EscapeText(r.PutBack))
		}
	}
	switch {
	case err != nil && len(left) == 0:
		fmt.Fprintf(w, "\nThe host is as it was before the apply.\n")
	case err != nil:
		fmt.Fprintf(w, "\nThe host is left changed:\n")
		for _, l := range left {
			fmt.Fprintf(w, "  %s\n", views.EscapeText(l))
		}
	}
	if steps := engine.RebootNeeded(results); len(steps) > 0 {
		fmt.Fprintf(w, "\nRestart required: the host needs a restart to finish what %s did.\n", views.EscapeText(strings.Join(steps, ", ")))
	}
}
