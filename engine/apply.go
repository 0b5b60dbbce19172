package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// Status is what became of a step in an apply. Its values are what JSON
// output writes; String gives the words for people.
type Status string

const (
	Done      Status = "done"
	Unchanged Status = "unchanged"
	Failed    Status = "failed"
	// PartlyDone is a failed step that changed some of what it was to
	// change: read again, its objects differ from before it (Changed says
	// how).
	PartlyDone   Status = "partly_done"
	NotAttempted Status = "not_attempted"
	// PutBack is a done step whose change was undone after a later step
	// failed, because the plan meant to return its object to where it was,
	// and the object read again is as it was.
	PutBack Status = "put_back"
	// PutBackFailed is a done step whose change was to be undone, and is
	// not: the undoing step failed, or the object read again is not as it
	// was. The host is left changed.
	PutBackFailed Status = "put_back_failed"
)

// Statuses are all the results a step may have.
var Statuses = []Status{Done, Unchanged, Failed, PartlyDone, NotAttempted, PutBack, PutBackFailed}

func (s Status) String() string {
	switch s {
	case PartlyDone:
		return "failed, partly done"
	case NotAttempted:
		return "not attempted"
	case PutBack:
		return "put back"
	case PutBackFailed:
		return "put back failed"
	}
	return string(s)
}

// StepResult is one step's outcome.
type StepResult struct {
	Addr     string
	Status   Status
	Err      error
	Duration time.Duration
	// PutBack says how the step's change was undone, or why undoing it
	// failed (then Err is set too).
	PutBack string
	// Changed says, for a step that failed partly done, what it changed,
	// from its objects read again.
	Changed []string
	// Reboot says that the step ran and the host needs a restart to
	// finish what it did (reboot_required).
	Reboot bool
}

// RebootNeeded lists the steps of an apply after which the host needs a
// restart.
func RebootNeeded(results []StepResult) []string {
	var out []string
	for _, r := range results {
		if r.Reboot {
			out = append(out, r.Addr)
		}
	}
	return out
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

// Outcome is how an apply ended.
type Outcome string

const (
	Succeeded   Outcome = "succeeded"
	Interrupted Outcome = "interrupted"
	// ApplyFailed is an apply that stopped at a failed step.
	ApplyFailed Outcome = "failed"
)

// Outcomes are all the ways an apply may end.
var Outcomes = []Outcome{Succeeded, ApplyFailed, Interrupted}

// OutcomeOf is how an apply that returned err ended.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Succeeded
	case errors.Is(err, ErrInterrupted):
		return Interrupted
	}
	return ApplyFailed
}

type cutShortKey struct{}

// WithCutShort returns ctx for Apply, with cut: once cut is done, the step
// in flight is cut short (its command ends, its wait stops), where the
// end of ctx alone lets it finish. What was changed is put back either way.
func WithCutShort(ctx, cut context.Context) context.Context {
	return context.WithValue(ctx, cutShortKey{}, cut)
}

// Apply carries out the plan's changes in order, reading each changed object
// again afterwards to verify it. It stops at the first failure, or when ctx
// is cancelled once the step in flight has finished, and then puts back
// every object that the plan meant to return to its starting state (the
// service stopped for a later step is started again). It returns every
// step's result. It changes nothing when it could not keep the apply's
// record at the end.
func Apply(ctx context.Context, p *Plan, h host.Host, obs Observer) ([]StepResult, error) {
	results := make([]StepResult, len(p.Steps))
	if err := host.CheckApplyRecord(h, p.Playbook.Name); err != nil {
		for i, sp := range p.Steps {
			results[i] = StepResult{Addr: sp.Addr, Status: NotAttempted}
			if sp.Action == resources.NoOp {
				results[i].Status = Unchanged
			}
		}
		return results, fmt.Errorf("%w; nothing was changed", err)
	}
	// A step in flight is never cut short by Ctrl-C: it ends within its own
	// timeout, and the apply stops after it. Only a context given by
	// WithCutShort cuts it short. Reading it again and putting back are
	// never cut short.
	keepCtx := context.WithoutCancel(ctx)
	stepCtx := keepCtx
	cut, _ := ctx.Value(cutShortKey{}).(context.Context)
	if cut != nil {
		var cancel context.CancelFunc
		stepCtx, cancel = context.WithCancel(keepCtx)
		defer cancel()
		defer context.AfterFunc(cut, cancel)()
	}
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
		now, rerr := reread(keepCtx, h, sp)
		switch {
		case err == nil && rerr != nil:
			err = fmt.Errorf("verify: %w", rerr)
		case err == nil:
			err = verify(sp, now)
		case rerr != nil:
			err = fmt.Errorf("%w (what it changed is unknown: reading it again failed: %w)", err, rerr)
		}
		if err != nil && cut != nil && cut.Err() != nil {
			err = fmt.Errorf("%w while it ran: %w", ErrInterrupted, err)
		}
		r.Duration = time.Since(start)
		r.Status, r.Err = Done, err
		if err != nil {
			r.Status, r.Changed = Failed, changed(sp, now, err)
			if len(r.Changed) > 0 {
				r.Status = PartlyDone
			}
			failed, failedAt = fmt.Errorf("%s: %w", sp.Addr, err), i
		}
		r.Reboot = sp.Reboot && r.Status != Failed
		obs.StepFinished(sp, *r)
	}
	if failed != nil {
		if err := putBack(keepCtx, p, h, results, failedAt); err != nil {
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
	// An apply that tried nothing leaves a record that already says the
	// playbook succeeded as it is: a second run changes nothing, its
	// record included.
	if !slices.ContainsFunc(results, func(r StepResult) bool { return r.Status != Unchanged }) {
		if prev, ok, err := host.ReadApplyRecord(h, p.Playbook.Name); err == nil && ok && prev.Result == string(Succeeded) {
			return nil
		}
	}
	rec := host.ApplyRecord{Playbook: p.Playbook.Name, SHA256: digest(p.Playbook.Src), Finished: time.Now().UTC(), Result: string(Succeeded)}
	if failed != nil {
		rec.Result = string(ApplyFailed)
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
		var hows []string
		var stepErrs []error
		for j, after := range sp.After {
			k := sp.Objects[j].Key
			if after == nil || undone[k] || !end[k].Equal(start[k]) {
				continue
			}
			// The latest done step that changed k is the one put back; one
			// that returned k to its start leaves nothing to put back.
			undone[k] = true
			if after.Equal(start[k]) {
				continue
			}
			how, err := restore(ctx, p, h, failedAt, sp.Objects[j], start[k])
			if err != nil {
				how = "put back failed: " + err.Error()
				stepErrs = append(stepErrs, err)
			}
			hows = append(hows, how)
		}
		switch {
		case len(stepErrs) > 0:
			results[i].Status, results[i].Err = PutBackFailed, errors.Join(stepErrs...)
			errs = append(errs, stepErrs...)
		case len(hows) > 0:
			results[i].Status = PutBack
		}
		results[i].PutBack = strings.Join(hows, "; ")
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
				return "", fmt.Errorf("%s: %w", sp.Addr, err)
			}
			got, err := resources.Read(ctx, h, obj)
			if err != nil {
				return "", fmt.Errorf("%s: reading %s %s again: %w", sp.Addr, obj.Key.Kind, obj.Name, err)
			}
			if !got.Equal(state) {
				return "", fmt.Errorf("%s ran, but read again %s", sp.Addr, describe(obj, state, got))
			}
			return fmt.Sprintf("%s %s put back by %s", obj.Key.Kind, obj.Name, sp.Addr), nil
		}
	}
	return "", fmt.Errorf("no later step returns %s %s to its starting state", obj.Key.Kind, obj.Name)
}

// reread reads again the objects that the step was to change; the others
// are nil.
func reread(ctx context.Context, h host.Host, sp *StepPlan) ([]resources.State, error) {
	now := make([]resources.State, len(sp.After))
	for i, after := range sp.After {
		if after == nil {
			continue
		}
		got, err := resources.Read(ctx, h, sp.Objects[i])
		if err != nil {
			return nil, err
		}
		now[i] = got
	}
	return now, nil
}

// verify compares the attributes the step was to change, read again as
// now, with what it planned.
func verify(sp *StepPlan, now []resources.State) error {
	for i, after := range sp.After {
		if after == nil {
			continue
		}
		var bad []string
		for name, want := range after {
			if sp.Before[i][name] != want && now[i][name] != want {
				bad = append(bad, fmt.Sprintf("%s is %q, planned %q", name, now[i][name], want))
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return fmt.Errorf("verify %s %s: %s", sp.Objects[i].Key.Kind, sp.Objects[i].Name, strings.Join(bad, "; "))
		}
	}
	return nil
}

// changed says what a failed step changed: where its objects, read again
// as now, differ from before it, and what the resource found it had done
// (a delete that stopped midway).
func changed(sp *StepPlan, now []resources.State, err error) []string {
	var out []string
	for i := range now {
		if now[i] != nil {
			if d := describe(sp.Objects[i], sp.Before[i], now[i]); d != "" {
				out = append(out, d)
			}
		}
	}
	var partial *resources.PartialError
	if errors.As(err, &partial) {
		out = append(out, partial.Done...)
	}
	return out
}

// describe says how an object's state now differs from before, or "".
func describe(o resources.Object, before, now resources.State) string {
	var parts []string
	switch {
	case before["exists"] != "false" && now["exists"] == "false":
		parts = []string{"no longer exists"}
	case before["exists"] == "false" && now["exists"] == "true":
		parts = []string{"now exists"}
		if now["type"] != "" {
			parts[0] += " (" + now["type"] + ")"
		}
	default:
		for _, name := range slices.Sorted(maps.Keys(mergeKeys(before, now))) {
			if before[name] != now[name] && !resources.Hidden(name) {
				parts = append(parts, fmt.Sprintf("%s %s -> %s", name, ShowValue(name, before[name]), ShowValue(name, now[name])))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s %s: %s", o.Key.Kind, o.Display(), strings.Join(parts, ", "))
}

// LeftChanged reads again every object that the apply's attempted steps
// were to change and says how each differs from before the apply: what a
// failed apply leaves changed on the host, after putting back. It never
// changes the host.
func LeftChanged(ctx context.Context, p *Plan, h host.Host, results []StepResult) ([]string, error) {
	start := map[resources.Key]resources.State{}
	var objs []resources.Object
	for i, sp := range p.Steps {
		if results[i].Status == Unchanged || results[i].Status == NotAttempted {
			continue
		}
		for j, after := range sp.After {
			if k := sp.Objects[j].Key; after != nil && start[k] == nil {
				start[k] = sp.Before[j]
				objs = append(objs, sp.Objects[j])
			}
		}
	}
	var out []string
	for _, o := range objs {
		now, err := resources.Read(ctx, h, o)
		if err != nil {
			return out, fmt.Errorf("reading %s %s again: %w", o.Key.Kind, o.Name, err)
		}
		if d := describe(o, start[o.Key], now); d != "" {
			out = append(out, d)
		}
	}
	// What a step that failed partly done changed inside an object that
	// is still there (the files a delete removed) shows in no state.
	for _, r := range results {
		for _, c := range r.Changed {
			if r.Status == PartlyDone && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
