//go:build !windows

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/resources/host"
)

// readTree is every file under dir with its content, and every folder.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if err != nil || d.IsDir() {
			out[rel] = "folder"
			return err
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	}))
	return out
}

// A folder on the path of a step, read as a folder by the plan and
// swapped for a link to another folder before the apply: the step fails,
// and nothing behind the link is deleted, moved or written.
func TestApplyAfterAFolderSwappedForALink(t *testing.T) {
	for name, tt := range map[string]struct {
		sim  bool   // else this machine's file system
		step string // with %s for the folder that is swapped
	}{
		"local delete": {step: `directory "d" {
  path  = "%s/sub"
  state = "absent"
}`},
		"local rename": {step: `directory "d" {
  path      = "%s/sub"
  state     = "absent"
  rename_to = "%s/sub.old"
}`},
		"local files deleted by pattern": {step: `files "f" {
  path    = "%s/sub"
  pattern = "*.txt"
  state   = "absent"
}`},
		"sim file written": {sim: true, step: `file "f" {
  path    = "%s\\sub\\precious.txt"
  content = "overwritten"
}`},
		"sim folder created": {sim: true, step: `directory "d" {
  path = "%s\\sub\\new"
}`},
		"sim registry backup": {sim: true, step: `registry_key "k" {
  key    = "HKLM\\SOFTWARE\\Test"
  state  = "absent"
  backup = "%s\\sub\\precious.txt"
}`},
		"sim delete": {sim: true, step: `directory "d" {
  path  = "%s\\sub"
  state = "absent"
}`},
	} {
		t.Run(name, func(t *testing.T) {
			victim := t.TempDir()
			must(t, os.MkdirAll(filepath.Join(victim, "sub"), 0o755))
			must(t, os.WriteFile(filepath.Join(victim, "sub", "precious.txt"), []byte("do not lose me"), 0o644))
			was := readTree(t, victim)

			var h host.Host
			var folder, winFolder string
			if tt.sim {
				sim := simHost(t, "registry:\n  HKLM\\SOFTWARE\\Test: {v: {type: string, data: x}}\n", "Data/sub/")
				h, winFolder = sim, `C:\\Data`
				dir, _ := sim.StateDir()
				folder = filepath.Join(dir, "drive", "c", "Data")
			} else {
				h, folder = host.Local(), filepath.Join(t.TempDir(), "data")
				winFolder = folder
				must(t, os.MkdirAll(filepath.Join(folder, "sub"), 0o755))
				// The name the victim has too: what the plan read.
				must(t, os.WriteFile(filepath.Join(folder, "sub", "precious.txt"), nil, 0o644))
			}
			p, diags := NewPlan(context.Background(), load(t, strings.ReplaceAll(tt.step, "%s", winFolder)), h, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if changed, _ := p.Changed(); changed != 1 {
				t.Fatalf("plan changes %d steps, want 1", changed)
			}

			must(t, os.Rename(folder, folder+".old"))
			must(t, os.Symlink(victim, folder))
			results, err := Apply(context.Background(), p, h, nopObserver{})
			if err == nil || results[0].Status != Failed {
				t.Errorf("apply: %v, %v; want the step failed", results, err)
			}
			if got := readTree(t, victim); fmt.Sprint(got) != fmt.Sprint(was) {
				t.Errorf("the folder behind the link holds %v, was %v", got, was)
			}
		})
	}
}
