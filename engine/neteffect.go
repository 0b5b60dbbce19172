package engine

import (
	"github.com/wuplay/wuplay/resources"
)

// netEffect makes no-ops of the changes of an object that leaves a state
// and returns to it with no other change in between: stopping a service
// and starting it again around steps that change nothing achieves nothing.
// This is what lets a procedure-shaped playbook change nothing on its second
// run. Forced steps (-replace) are never cancelled.
func netEffect(steps []*StepPlan) {
	for again := true; again; {
		again = false
		for i, first := range steps {
			obj, before, ok := soleChange(first)
			if !ok {
				continue
			}
			for j := i + 1; j < len(steps); j++ {
				if steps[j].Action == resources.NoOp {
					continue
				}
				o, _, ok := soleChange(steps[j])
				if !ok || o.Key != obj.Key {
					break
				}
				if after := changedState(steps[j], obj.Key); after.Equal(before) {
					for _, sp := range steps[i : j+1] {
						if sp.Action != resources.NoOp {
							sp.Change = resources.NoChange("no net change: %s %s is as it was after %s",
								obj.Key.Kind, obj.Name, steps[j].Addr)
						}
					}
					again = true
					break
				}
			}
		}
	}
}

// soleChange reports the object that a step changes, and its state before,
// if the step changes exactly one object and is not forced.
func soleChange(sp *StepPlan) (resources.Object, resources.State, bool) {
	if sp.Action == resources.NoOp || sp.Forced {
		return resources.Object{}, nil, false
	}
	var obj resources.Object
	var before resources.State
	n := 0
	for i, after := range sp.After {
		if after != nil {
			obj, before = sp.Objects[i], sp.Before[i]
			n++
		}
	}
	return obj, before, n == 1
}

func changedState(sp *StepPlan, key resources.Key) resources.State {
	for i, o := range sp.Objects {
		if o.Key == key {
			return sp.After[i]
		}
	}
	return nil
}
