package resources

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffCase is one situation of a resource's Diff: the step, the predicted
// state of its objects, and the change or the error it must give. No host
// is involved: Diff is pure.
type diffCase struct {
	res   Resource
	cur   []State
	force bool
	// want is the whole change; Before, when left out of a change that is
	// not a no-op, is cur.
	want Change
	err  string // a part of the error, instead of want
}

func testDiffs(t *testing.T, cases map[string]diffCase) {
	t.Helper()
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := tt.res.Diff(tt.cur, tt.force)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q (change %+v)", err, tt.err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.Before == nil && want.Action != NoOp {
				want.Before = tt.cur
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
