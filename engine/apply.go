package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// Status is what became of a step in an apply.
type Status string

const (
	Done         Status = "done"
	Unchanged    Status = "unchanged"
	Failed       Status = "failed"
	NotAttempted Status = "not attempted"
	// PutBack is a done step whose change was undone after a later step
	// failed, because the plan meant to return its object to where it was.
	PutBack Status = "put back"
)

// StepResult is one step's outcome.
type StepResult struct {
	Addr     string
	Status   Status
	Err      error
	Duration time.Duration
	// PutBack says how the step's change was undone, or why undoing it
	// failed (then Err is set too).
	PutBack string
}

// Observer follows an apply as it goes; the command line shows progress and
// streams JSON from it. Apply calls it from one goroutine.
type Observer interface {
	StepStarted(sp *StepPlan)
	// StepProgress tells what a long wait is waiting for.
	StepProgress(sp *StepPlan, msg string)
	StepFinished(sp *StepPlan, r StepResult)
}

// ErrInterrupted is the cause of an apply stopped by its context (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// Apply carries out the plan's changes in order, reading each changed object
// again afterwards to verify it. It stops at the first failure, or when ctx
// is cancelled once the step in flight has finished, and then puts back
// every object that the plan meant to return to its starting state (the
// service stopped for a later step is started again). It returns every
// step's result.
func Apply(ctx context.Context, p *Plan, h host.Host, obs Observer) ([]StepResult, error) {
	results := make([]StepResult, len(p.Steps))
	// A step in flight is never cut short by Ctrl-C: it ends within its own
	// timeout, and the apply stops after it.
	stepCtx := context.WithoutCancel(ctx)
	var failed error
	failedAt := len(p.Steps)
	for i, sp := range p.Steps {
		r := &results[i]
		r.Addr = sp.Addr
		switch {
		case sp.Action == resources.NoOp:
			r.Status = Unchanged
			continue
		case failed != nil:
			r.Status = NotAttempted
			continue
		case ctx.Err() != nil:
			r.Status = NotAttempted
			failed, failedAt = fmt.Errorf("%w before %s", ErrInterrupted, sp.Addr), i
			continue
		}
		obs.StepStarted(sp)
		start := time.Now()
		err := sp.res.Apply(host.WithProgress(stepCtx, func(msg string) { obs.StepProgress(sp, msg) }), h, sp.Change)
		if err == nil {
			err = verify(stepCtx, h, sp)
		}
		r.Duration = time.Since(start)
		r.Status, r.Err = Done, err
		if err != nil {
			r.Status = Failed
			failed, failedAt = fmt.Errorf("%s: %w", sp.Addr, err), i
		}
		obs.StepFinished(sp, *r)
	}
	if failed != nil {
		if err := putBack(stepCtx, p, h, results, failedAt); err != nil {
			failed = fmt.Errorf("%w; and putting back failed: %w", failed, err)
		}
	}
	if err := Record(p, h, results, failed); err != nil {
		failed = errors.Join(failed, err)
	}
	return results, failed
}

// Record keeps on the host what an apply did, for later plans to read
// (fact "last_apply"). Apply calls it; an apply that finds nothing to
// change calls it too, since it proves the host fixed at that time: a
// rerun after wuplay was killed between its last change and its record
// must still leave one.
func Record(p *Plan, h host.Host, results []StepResult, failed error) error {
	rec := host.ApplyRecord{Playbook: p.Playbook.Name, SHA256: digest(p.Playbook.Src), Finished: time.Now().UTC(), Result: "succeeded"}
	if failed != nil {
		rec.Result = "failed"
	}
	for _, r := range results {
		if r.Status == Done {
			rec.Changed = append(rec.Changed, r.Addr)
		}
	}
	if err := host.WriteApplyRecord(h, rec); err != nil {
		return fmt.Errorf("the apply is done as reported, but its record for later plans (fact \"last_apply\") could not be written: %w", err)
	}
	return nil
}

// putBack undoes the done steps whose objects the plan meant to return to
// their starting state, by carrying out the later step that returns them,
// and verifies that each is back.
func putBack(ctx context.Context, p *Plan, h host.Host, results []StepResult, failedAt int) error {
	start := map[resources.Key]resources.State{} // before the first change
	end := map[resources.Key]resources.State{}   // after the whole plan
	for _, sp := range p.Steps {
		for j, after := range sp.After {
			if after == nil {
				continue
			}
			k := sp.Objects[j].Key
			if _, ok := start[k]; !ok {
				start[k] = sp.Before[j]
			}
			end[k] = after
		}
	}
	var errs []error
	undone := map[resources.Key]bool{}
	for i := failedAt - 1; i >= 0; i-- {
		sp := p.Steps[i]
		if results[i].Status != Done {
			continue
		}
		for j, after := range sp.After {
			k := sp.Objects[j].Key
			if after == nil || undone[k] || !end[k].Equal(start[k]) || after.Equal(start[k]) {
				continue
			}
			undone[k] = true
			how, err := restore(ctx, p, h, failedAt, sp.Objects[j], start[k])
			results[i].Status, results[i].PutBack = PutBack, how
			if err != nil {
				results[i].Err = err
				errs = append(errs, fmt.Errorf("%s %s: %w", k.Kind, sp.Objects[j].Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// restore returns obj to state by the first not-yet-run step that plans
// exactly that, and checks it.
func restore(ctx context.Context, p *Plan, h host.Host, from int, obj resources.Object, state resources.State) (string, error) {
	for _, sp := range p.Steps[from:] {
		for j, after := range sp.After {
			if after == nil || sp.Objects[j].Key != obj.Key || !after.Equal(state) {
				continue
			}
			if err := sp.res.Apply(ctx, h, sp.Change); err != nil {
				return "", fmt.Errorf("put back by %s: %w", sp.Addr, err)
			}
			got, err := resources.Read(ctx, h, obj)
			if err != nil {
				return "", fmt.Errorf("put back by %s: %w", sp.Addr, err)
			}
			if !got.Equal(state) {
				return "", fmt.Errorf("put back by %s, but it is %v, not %v", sp.Addr, got, state)
			}
			return fmt.Sprintf("%s %s put back by %s", obj.Key.Kind, obj.Name, sp.Addr), nil
		}
	}
	return "", fmt.Errorf("no later step returns it to its starting state")
}

// verify reads the step's changed objects again and compares the
// attributes the step was to change with what it planned.
func verify(ctx context.Context, h host.Host, sp *StepPlan) error {
	for i, after := range sp.After {
		if after == nil {
			continue
		}
		got, err := resources.Read(ctx, h, sp.Objects[i])
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		var bad []string
		for name, want := range after {
			if sp.Before[i][name] != want && got[name] != want {
				bad = append(bad, fmt.Sprintf("%s is %q, planned %q", name, got[name], want))
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return fmt.Errorf("verify %s %s: %s", sp.Objects[i].Key.Kind, sp.Objects[i].Name, strings.Join(bad, "; "))
		}
	}
	return nil
}
