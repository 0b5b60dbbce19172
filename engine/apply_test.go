package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wuplay/wuplay/resources/host"
)

// undeletable makes file f impossible to delete for this process, as an
// access-denied subfolder is on Windows: by the folder's permissions, or,
// for root, which they do not stop, by the immutable attribute.
func undeletable(t *testing.T, f string) {
	t.Helper()
	if os.Geteuid() != 0 {
		must(t, os.Chmod(filepath.Dir(f), 0o555))
		t.Cleanup(func() { os.Chmod(filepath.Dir(f), 0o755) })
		return
	}
	if out, err := exec.Command("chattr", "+i", f).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", f).Run() })
}

// A step that fails after changing part of what it was to change is
// "failed, partly done", says what it changed, and the host is reported as
// left changed, never as unchanged. os.RemoveAll deletes all it can and
// fails on the locked file: a, a/1.txt and a/2.txt are gone.
func TestApplyPartlyDoneSaysWhatChanged(t *testing.T) {
	tests := map[string]struct {
		state string
		want  []string // %s is the folder
	}{
		"delete stops at a locked file": {"absent", []string{
			"deleted 3 of the 6 entries under %s: %[1]s/a, %[1]s/a/1.txt, %[1]s/a/2.txt",
		}},
		"empty stops at a locked entry": {"empty", []string{
			`entries %s/*: matches ["a", "b", "c.txt"] -> ["b", "c.txt"]`,
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tree")
			for _, f := range []string{"a/1.txt", "a/2.txt", "b/locked/x.txt", "c.txt"} {
				p := filepath.Join(dir, filepath.FromSlash(f))
				must(t, os.MkdirAll(filepath.Dir(p), 0o755))
				must(t, os.WriteFile(p, []byte(f), 0o644))
			}
			if tt.state == "absent" {
				must(t, os.Remove(filepath.Join(dir, "c.txt")))
			}
			undeletable(t, filepath.Join(dir, "b", "locked", "x.txt"))
			h := host.Local()
			p, diags := NewPlan(context.Background(), load(t, fmt.Sprintf("directory \"d\" {\n  path = %q\n  state = %q\n}\n", dir, tt.state)), h, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			results, err := Apply(context.Background(), p, h, nopObserver{})
			if err == nil {
				t.Fatal("the apply succeeded")
			}
			if results[0].Status != PartlyDone {
				t.Errorf("status %q, want %q", results[0].Status, PartlyDone)
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, fmt.Sprintf(w, dir))
			}
			if diff := cmp.Diff(want, results[0].Changed); diff != "" {
				t.Errorf("step changed (-want +got):\n%s", diff)
			}
			left, err := LeftChanged(context.Background(), p, h, results)
			must(t, err)
			if diff := cmp.Diff(want, left); diff != "" {
				t.Errorf("left changed (-want +got):\n%s", diff)
			}
		})
	}
}
