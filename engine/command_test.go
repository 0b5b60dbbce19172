//go:build !windows

package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wuplay/wuplay/resources/host"
)

func TestPlanGuardEndsWithinTheStepTimeout(t *testing.T) {
	for name, tc := range map[string]struct {
		guard, want string
	}{
		// Its grandchild holds the output open; before, plan waited 30 s.
		"guard outlives the timeout": {guard: "sleep 30 & sleep 30", want: "timed out after 1s"},
		"guard leaves a grandchild":  {guard: "sleep 30 & exit 1", want: "run true"},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			p, diags := NewPlan(context.Background(), load(t, `command "guarded" {
  run     = ["true"]
  unless  = "`+tc.guard+`"
  shell   = true
  timeout = "1s"
}`), host.Local(), Options{})
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("plan took %s, want a few seconds at most", took.Round(time.Second))
			}
			got := diags.Error()
			if !diags.HasErrors() {
				got = p.Steps[0].Change.Reason
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("plan says %q, want %q", got, tc.want)
			}
		})
	}
}
