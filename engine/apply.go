package engine

import (
	"context"
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
)

// StepResult is one step's outcome.
type StepResult struct {
	Addr     string
	Status   Status
	Err      error
	Duration time.Duration
}

// Observer follows an apply as it goes; the command line shows progress and
// streams JSON from it. Apply calls it from one goroutine.
type Observer interface {
	StepStarted(sp *StepPlan)
	// StepProgress tells what a long wait is waiting for.
	StepProgress(sp *StepPlan, msg string)
	StepFinished(sp *StepPlan, r StepResult)
}

// Apply carries out the plan's changes in order, reading each changed object
// again afterwards to verify it. It stops at the first failure and returns
// every step's result.
func Apply(ctx context.Context, p *Plan, h host.Host, obs Observer) ([]StepResult, error) {
	results := make([]StepResult, len(p.Steps))
	var failed error
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
		}
		obs.StepStarted(sp)
		start := time.Now()
		err := sp.res.Apply(host.WithProgress(ctx, func(msg string) { obs.StepProgress(sp, msg) }), h, sp.Change)
		if err == nil {
			err = verify(ctx, h, sp)
		}
		r.Duration = time.Since(start)
		r.Status, r.Err = Done, err
		if err != nil {
			r.Status = Failed
			failed = fmt.Errorf("%s: %w", sp.Addr, err)
		}
		obs.StepFinished(sp, *r)
	}
	return results, failed
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
