package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCrashAtEveryChange kills an apply (kill -9) at each change it makes
// to a simulated host, then runs it again: every rerun must converge to
// the end state of an apply that was never interrupted, with every
// original file still somewhere, exactly once.
func TestCrashAtEveryChange(t *testing.T) {
	wuplay, err := exec.LookPath("wuplay") // the test binary, set up by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	playbook, _ := filepath.Abs("../../testdata/crash/reset.hcl")
	apply := func(dir string, env ...string) (int, string) {
		cmd := exec.Command(wuplay, "apply", "-auto-approve", "-no-color", "-host", "sim:"+dir, playbook)
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	fresh := func() string {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/reset")); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	original := files(t, fresh())

	ref := fresh()
	if code, out := apply(ref); code != 0 {
		t.Fatalf("uninterrupted apply: exit %d\n%s", code, out)
	}
	want := tree(t, ref)

	points := 0
	for n := 1; ; n++ {
		dir := fresh()
		code, out := apply(dir, fmt.Sprintf("WUPLAY_SIM_KILL_AFTER=%d", n))
		if code == 0 {
			break // the apply made fewer than n changes
		}
		if code != -1 { // -1: killed by a signal
			t.Fatalf("kill point %d: exit %d, want killed\n%s", n, code, out)
		}
		points++
		if code, out := apply(dir); code != 0 {
			t.Fatalf("kill point %d: rerun exit %d\n%s", n, code, out)
		}
		if code, out := apply(dir); code != 0 || !strings.Contains(out, "No changes.") {
			t.Fatalf("kill point %d: third run exit %d, want no changes\n%s", n, code, out)
		}
		if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
			t.Errorf("kill point %d: end state differs from an uninterrupted apply (-want +got):\n%s", n, diff)
		}
		got := files(t, dir)
		for name, sum := range original {
			if c := countOf(got, sum, filepath.Base(name)); c != 1 {
				t.Errorf("kill point %d: %s is found %d times", n, name, c)
			}
		}
	}
	if points < 20 {
		t.Errorf("only %d kill points; the test wants at least 20", points)
	}
	t.Logf("%d kill points", points)
}

// files maps each file of a simulated host's drives to its digest.
func files(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	root := filepath.Join(dir, "drive")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countOf(files map[string]string, sum, base string) int {
	n := 0
	for name, s := range files {
		if s == sum && filepath.Base(name) == base {
			n++
		}
	}
	return n
}

// tree lists a simulated host: its folders, files with digests, and
// host.yaml. Temporary files that a killed write left beside host.yaml
// are not part of the host. An apply record is listed by name only: it
// holds the time of the apply, and what the last run changed.
func tree(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case strings.HasPrefix(rel, ".host.yaml.") && strings.HasSuffix(rel, ".tmp"):
			return nil
		case d.IsDir():
			out = append(out, filepath.ToSlash(rel)+"/")
			return nil
		case filepath.Dir(rel) == "records":
			out = append(out, filepath.ToSlash(rel))
			return nil
		}
		data, err := os.ReadFile(p)
		out = append(out, fmt.Sprintf("%s %x", filepath.ToSlash(rel), sha256.Sum256(data)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
