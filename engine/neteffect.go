package engine

import (
	"github.com/wuplay/wuplay/resources"
)

// netEffect makes no-ops of a run of changes that, taken together, leave
// every object they touch as it was: stopping BITS, wuauserv and CryptSvc
// and starting them again around steps that change nothing achieves
// nothing. This is what lets a procedure-shaped playbook change nothing on
// its second run. Windows are found from each change, as short as
// possible; forced steps (-replace) are never cancelled.
func netEffect(steps []*StepPlan) {
	changes := map[resources.Key]int{}
	for _, sp := range steps {
		for _, o := range changedObjects(sp) {
			changes[o.Key]++
		}
	}
	for i := 0; i < len(steps); i++ {
		if j := closingStep(steps, i, changes); j > i {
			for _, sp := range steps[i : j+1] {
				if sp.Action == resources.NoOp {
					continue
				}
				for _, o := range changedObjects(sp) {
					changes[o.Key]--
				}
				sp.Change = resources.NoChange("no net change: %s to %s leave everything as they found it", steps[i].Addr, steps[j].Addr)
			}
			i = j
		}
	}
}

// closingStep returns the first j at which the changes of steps[i..j]
// leave every object they touch as it was, or -1. An object changed only
// once can never be restored, which ends the search early.
func closingStep(steps []*StepPlan, i int, changes map[resources.Key]int) int {
	if steps[i].Action == resources.NoOp {
		return -1
	}
	first := map[resources.Key]resources.State{}
	last := map[resources.Key]resources.State{}
	for j := i; j < len(steps); j++ {
		sp := steps[j]
		if sp.Action == resources.NoOp {
			continue
		}
		objs := changedObjects(sp)
		// A forced step, a command and a restart do something that no
		// state shows: no window holds them.
		if sp.Forced || len(objs) == 0 || sp.Action == resources.Restart {
			return -1
		}
		for _, o := range objs {
			if changes[o.Key] < 2 {
				return -1
			}
			if _, ok := first[o.Key]; !ok {
				first[o.Key] = sp.Before[indexOf(sp, o.Key)]
			}
			last[o.Key] = sp.After[indexOf(sp, o.Key)]
		}
		closed := true
		for k, before := range first {
			if !last[k].Equal(before) {
				closed = false
				break
			}
		}
		if closed {
			return j
		}
	}
	return -1
}

// changedObjects lists the objects a step changes.
func changedObjects(sp *StepPlan) []resources.Object {
	if sp.Action == resources.NoOp {
		return nil
	}
	var out []resources.Object
	for i, after := range sp.After {
		if after != nil {
			out = append(out, sp.Objects[i])
		}
	}
	return out
}

func indexOf(sp *StepPlan, k resources.Key) int {
	for i, o := range sp.Objects {
		if o.Key == k {
			return i
		}
	}
	panic("engine: object not in step")
}
