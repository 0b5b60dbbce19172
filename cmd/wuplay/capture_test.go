package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCaptureGivesTheSamePlan captures each shipped playbook from the
// simulated hosts of its KB, then plans against the source and against
// the capture: the saved plans are one (the host's name and folder
// aside), objects, facts and steps alike. Where the source's services do
// not recreate folders as they start (which Windows does not say, so a
// capture cannot hold), applying to both ends in the same state too.
func TestCaptureGivesTheSamePlan(t *testing.T) {
	tests := []struct {
		playbook, host string
		vars           []string
		// apply: also apply to both and compare the plans made after.
		apply bool
		// tree is a folder (below drive/c) that a step moves, empties or
		// deletes: the capture holds all of it.
		tree string
	}{
		{playbook: "kb910336", host: "broken", apply: true, tree: "Windows/SoftwareDistribution"},
		{playbook: "kb910336.yaml", host: "broken"},
		{playbook: "kb910336", host: "recreates"},
		{playbook: "kb910336", host: "healthy", apply: true},
		{playbook: "kb910336", host: "rerun", apply: true},
		{playbook: "kb910336", host: "fixed", apply: true},
		{playbook: "kb971058", host: "reset"},
		{playbook: "kb971058", host: "reset", vars: []string{"-var", "aggressive=true"}},
		{playbook: "kb822798", host: "reset", tree: "Windows/SoftwareDistribution"},
		{playbook: "kb10132", host: "wsus", vars: []string{"-var", "duplicate_id=5b9e1c2a-7f44-4e0b-9a3d-2c1f0e8d6b71"}, apply: true},
		{playbook: "kb2793718", host: "spooler", apply: true, tree: "Windows/System32/spool/PRINTERS"},
	}
	for _, tt := range tests {
		t.Run(tt.playbook+"/"+tt.host+strings.Join(tt.vars, ""), func(t *testing.T) {
			dir := t.TempDir()
			src, capture := filepath.Join(dir, "source"), filepath.Join(dir, "capture")
			if err := os.CopyFS(src, os.DirFS(filepath.Join("../../testdata/hosts", tt.host))); err != nil {
				t.Fatal(err)
			}
			args := append(append([]string{"capture", "-host", "sim:" + src, "-out", capture}, tt.vars...), tt.playbook)
			if code, out, errs := wuplay(t, args...); code != exitOK {
				t.Fatalf("wuplay %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
			}
			compare := func(when string) {
				t.Helper()
				a, b := savedPlan(t, src, tt.vars, tt.playbook), savedPlan(t, capture, tt.vars, tt.playbook)
				if diff := cmp.Diff(a, b); diff != "" {
					t.Errorf("%s: the plan against the capture differs (-source +capture):\n%s", when, diff)
				}
			}
			compare("captured")
			// What the capture holds, the source has, as big and as old.
			have, all := listing(t, filepath.Join(capture, "drive")), listing(t, filepath.Join(src, "drive"))
			for rel, what := range have {
				// A folder the capture made only to hold what it read
				// has the time it was made.
				inTree := tt.tree != "" && strings.HasPrefix(rel, "c/"+tt.tree+"/")
				if all[rel] != what && (strings.Contains(what, "bytes") || inTree) {
					t.Errorf("the capture has %s as %q, the source as %q", rel, what, all[rel])
				}
				if _, ok := all[rel]; !ok {
					t.Errorf("the capture has %s, which the source has not", rel)
				}
			}
			if tt.tree != "" {
				for rel, what := range all {
					if strings.HasPrefix(rel, "c/"+tt.tree+"/") && have[rel] != what {
						t.Errorf("the capture lacks %s (%s) of the folder %s", rel, what, tt.tree)
					}
				}
			}
			if !tt.apply {
				return
			}
			for _, h := range []string{src, capture} {
				args := append(append([]string{"apply", "-auto-approve", "-host", "sim:" + h}, tt.vars...), tt.playbook)
				if code, out, errs := wuplay(t, args...); code != exitOK {
					t.Fatalf("wuplay %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
				}
			}
			compare("after applying to both")
		})
	}
}

// savedPlan is the plan of playbook against the simulated host dir, as
// plan -out saves it, without what names the host or the time: what
// must be the same against a host and its capture.
func savedPlan(t *testing.T, dir string, vars []string, playbook string) map[string]any {
	t.Helper()
	file := filepath.Join(t.TempDir(), "plan.json")
	args := append(append([]string{"plan", "-out", file, "-host", "sim:" + dir}, vars...), playbook)
	if code, out, errs := wuplay(t, args...); code != exitOK {
		t.Fatalf("wuplay %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	normalize(d)
	return d
}

// normalize removes from a saved plan what names the host and the times
// of the run and of the applies before it.
func normalize(d map[string]any) {
	for _, k := range []string{"created_at", "host", "host_folder"} {
		delete(d, k)
	}
	// The backout names the host it goes back to, and its id is made
	// from the backout and the time of planning.
	if b, ok := d["backout"].(map[string]any); ok {
		for _, k := range []string{"host", "host_folder", "id"} {
			delete(b, k)
		}
	}
	// Two applies end at two times; what a plan decides on them (newer
	// than the last failure or not) is in its steps.
	facts, _ := d["facts"].(map[string]any)
	for name, v := range facts {
		if rec, ok := v.(map[string]any); ok && strings.HasPrefix(name, "last_apply.") {
			delete(rec, "finished")
			delete(rec, "succeeded")
		}
	}
}

// listing lists the folders and files under root, each file with its size
// and time, each folder with its time.
func listing(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		what := fmt.Sprintf("modified %s", fi.ModTime().UTC().Format(time.RFC3339Nano))
		if !d.IsDir() {
			what = fmt.Sprintf("%d bytes, %s", fi.Size(), what)
		}
		out[filepath.ToSlash(rel)] = what
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
