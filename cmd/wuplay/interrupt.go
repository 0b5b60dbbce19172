package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
)

// interrupts gives Ctrl-C its meaning, and says it as each one comes:
//
//   - the first ends the run's context: a plan or a wait for the lock
//     stops, a question is answered no, and an apply lets the step in
//     flight finish within its own timeout, starts no other, and puts back
//     what it changed;
//   - the second cuts the step in flight short (its command and what that
//     started end, its wait stops); what was changed is put back all the
//     same;
//   - later ones only say what wuplay still waits for.
//
// Commands that steps run are in process groups of their own, so the
// terminal's Ctrl-C reaches wuplay alone: only wuplay decides what ends.
type interrupts struct {
	stop, cut context.CancelFunc
	// cutCtx is done at the second Ctrl-C.
	cutCtx context.Context

	mu sync.Mutex
	// say writes an acknowledgement where the user sees it.
	say      func(msg string)
	n        int
	applying bool
	step     *engine.StepPlan // in flight
}

func newInterrupts(stop context.CancelFunc, w io.Writer) *interrupts {
	cutCtx, cut := context.WithCancel(context.Background())
	return &interrupts{stop: stop, cut: cut, cutCtx: cutCtx, say: func(msg string) { fmt.Fprintln(w, msg) }}
}

// interrupt is one Ctrl-C.
func (in *interrupts) interrupt() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.n++
	var msg string
	switch {
	case !in.applying && in.n == 1:
		msg = "Interrupt received: stopping; nothing has been changed."
	case !in.applying:
		msg = "Interrupt received again: stopping; nothing has been changed."
	case in.n == 1 && in.step != nil:
		wait := ""
		if in.step.MaxWait > 0 {
			wait = " within its timeout of " + in.step.MaxWait.String()
		}
		msg = fmt.Sprintf("Interrupt received: the step in flight (%s) finishes%s, then what was changed is put back. Press Ctrl-C again to cut that step short; what was changed is put back all the same.", views.EscapeText(in.step.Addr), wait)
	case in.n == 1:
		msg = "Interrupt received: no further step starts, and what was changed is put back."
	case in.n == 2 && in.step != nil:
		msg = fmt.Sprintf("Interrupt received again: cutting the step in flight (%s) short, then what was changed is put back.", views.EscapeText(in.step.Addr))
	default:
		msg = "Interrupt received again: wuplay ends once what was changed is put back; each wait has its own timeout."
	}
	switch in.n {
	case 1:
		in.stop()
	case 2:
		in.cut()
	}
	in.say(msg)
}

// apply readies an apply for Ctrl-C: it returns ctx, which the second
// Ctrl-C cuts short, and obs, which tells which step is in flight. say,
// if not nil, replaces how acknowledgements are written. A nil in (no
// signals, as in tests) changes nothing.
func (in *interrupts) apply(ctx context.Context, obs engine.Observer, say func(string)) (context.Context, engine.Observer) {
	if in == nil {
		return ctx, obs
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.applying = true
	if say != nil {
		in.say = say
	}
	return engine.WithCutShort(ctx, in.cutCtx), &inFlight{obs, in}
}

// inFlight tells interrupts which step is in flight.
type inFlight struct {
	engine.Observer
	in *interrupts
}

func (o *inFlight) StepStarted(sp *engine.StepPlan) {
	o.in.mu.Lock()
	o.in.step = sp
	o.in.mu.Unlock()
	o.Observer.StepStarted(sp)
}

func (o *inFlight) StepFinished(sp *engine.StepPlan, r engine.StepResult) {
	o.in.mu.Lock()
	o.in.step = nil
	o.in.mu.Unlock()
	o.Observer.StepFinished(sp, r)
}
