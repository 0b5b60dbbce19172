package playtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/engine"
)

func load(t *testing.T, testFile, playbook string, src []byte) (*engine.TestFile, *engine.Playbook) {
	t.Helper()
	if src == nil {
		var err error
		if src, err = os.ReadFile(testFile); err != nil {
			t.Fatal(err)
		}
	}
	tf, diags := engine.LoadTestFile(testFile, src)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	psrc, err := os.ReadFile(playbook)
	if err != nil {
		t.Fatal(err)
	}
	pb, diags := engine.Load(playbook, psrc)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return tf, pb
}

// tree lists every file, folder and link under root with a digest of each
// file's bytes.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[rel] = "link to " + target
			return err
		case d.IsDir():
			out[rel] = "folder"
		default:
			data, err := os.ReadFile(p)
			out[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileHostsStayInTheirCopy runs tests that name host folders by
// "../" and by an absolute path, one holding a link out of it, and an
// inline host whose paths climb above the drive: each changes its copy
// only; the folders named and what the link points to are as before.
func TestHostileHostsStayInTheirCopy(t *testing.T) {
	dir := "../../testdata/hostile/playtest"
	broken := "../../testdata/hosts/broken"

	// An absolute host folder with a link out of it, inside the folder
	// the playbook deletes.
	src, outside := t.TempDir(), t.TempDir()
	if err := os.CopyFS(src, os.DirFS(broken)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "precious.txt"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(src, "drive/c/Windows/SoftwareDistribution/outside")); err != nil {
		t.Fatal(err)
	}
	testSrc, err := os.ReadFile(filepath.Join(dir, "escape.test.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	testSrc = bytes.Replace(testSrc, []byte(`"HOST"`), fmt.Appendf(nil, "%q", src), 1)

	before := map[string]map[string]string{"broken": tree(t, broken), "absolute": tree(t, src), "outside": tree(t, outside), "dir": tree(t, dir)}
	temp := t.TempDir()
	tf, pb := load(t, filepath.Join(dir, "escape.test.hcl"), filepath.Join(dir, "escape.hcl"), testSrc)
	results := Run(context.Background(), tf, pb, Options{TempDir: temp})
	for _, r := range results {
		if !r.Passed() {
			t.Errorf("%s: %+v\n%s", r.Name, r.Failures, r.Log)
		}
	}
	if len(results) != 3 {
		t.Errorf("%d results, want 3", len(results))
	}
	after := map[string]map[string]string{"broken": tree(t, broken), "absolute": tree(t, src), "outside": tree(t, outside), "dir": tree(t, dir)}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the tests changed what they must only read (-before +after):\n%s", diff)
	}
	if ents, _ := os.ReadDir(temp); len(ents) != 0 {
		t.Errorf("the tests left %d entries in their temporary folder", len(ents))
	}
	for _, p := range []string{"../../testdata/escaped.txt", "../../escaped.txt", "../../../escaped.txt", "../../inline-escaped.txt"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was written outside the test's host", p)
		}
	}
}

// TestFailureSaysWhereWhatAndWhy: each failure names the line of its
// expectation, what was expected and what was found; a test stops at its
// first failing step.
func TestFailureSaysWhereWhatAndWhy(t *testing.T) {
	src := []byte(`test "wrong" {
  host = "../../testdata/hosts/broken"
  plan {
    exit_code = 0
    actions = {
      "service.stop_automatic_updates" = "restart"
    }
  }
  apply {}
}

test "wrong_expectation" {
  host = "../../testdata/hosts/broken"
  apply {}
  expect "service" {
    name  = "wuauserv"
    state = "stopped"
  }
  expect "path" {
    path = "C:\\Windows\\SDTemp"
    type = "file"
  }
}
`)
	tf, pb := load(t, "kb910336.test.hcl", "../../playbooks/kb910336.hcl", src)
	results := Run(context.Background(), tf, pb, Options{TempDir: t.TempDir()})
	want := map[string][]Failure{
		"wrong": {
			{Range: hcl.Range{Filename: "kb910336.test.hcl", Start: hcl.Pos{Line: 4}}, What: "plan exit code", Want: "0", Got: "2"},
			{Range: hcl.Range{Filename: "kb910336.test.hcl", Start: hcl.Pos{Line: 6}}, What: "plan: service.stop_automatic_updates", Want: "restart", Got: "stop"},
			{Range: hcl.Range{Filename: "kb910336.test.hcl", Start: hcl.Pos{Line: 5}}, What: "plan: directory.software_distribution", Want: "no_op", Got: "rename",
				Message: "a step that actions does not name must change nothing"},
			{Range: hcl.Range{Filename: "kb910336.test.hcl", Start: hcl.Pos{Line: 5}}, What: "plan: service.start_automatic_updates", Want: "no_op",
				Got: "start (wuauserv: stopped for directory.software_distribution, then back to running)", Message: "a step that actions does not name must change nothing"},
		},
		"wrong_expectation": {
			{Range: hcl.Range{Filename: "kb910336.test.hcl", Start: hcl.Pos{Line: 17}}, What: "service wuauserv: state", Want: `"stopped"`, Got: `"running"`},
		},
	}
	got := map[string][]Failure{}
	for _, r := range results {
		got[r.Name] = r.Failures
	}
	lineOnly := cmp.Transformer("line", func(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) })
	if diff := cmp.Diff(want, got, lineOnly, cmpopts.SortSlices(func(a, b Failure) bool { return a.What < b.What })); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if !strings.Contains(results[0].Log, "Plan: 3 to change, 0 unchanged.") {
		t.Errorf("the failing plan's log lacks the plan:\n%s", results[0].Log)
	}
}

// TestYAMLAndHCLTestFilesAreOne: the two notations of a test file give
// the same tests.
func TestYAMLAndHCLTestFilesAreOne(t *testing.T) {
	read := func(name string) *engine.TestFile {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		tf, diags := engine.LoadTestFile(name, src)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return tf
	}
	h, y := read("notations.test.hcl"), read("notations.test.yaml")
	opts := cmp.Options{
		cmpopts.IgnoreFields(engine.TestFile{}, "Filename", "Src"),
		cmpopts.IgnoreTypes(hcl.Range{}),
		cmp.Comparer(func(a, b cty.Value) bool { return a.Equals(b).True() }),
		cmp.Comparer(func(a, b *regexp.Regexp) bool {
			return (a == nil) == (b == nil) && (a == nil || a.String() == b.String())
		}),
	}
	if diff := cmp.Diff(h, y, opts); diff != "" {
		t.Errorf("HCL and YAML differ (-hcl +yaml):\n%s", diff)
	}
	if len(h.Tests) != 2 || len(h.Tests[0].Steps) < 8 {
		t.Errorf("the files hold %d tests: too few to prove anything", len(h.Tests))
	}
}
