package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hidden matches what a terminal would not show as itself: C0 and C1
// controls but the newline, bidi controls, zero-width characters.
var hidden = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")

// hostileHost is a simulated host with a folder of files whose names try
// to rewrite the terminal, one of them held open so that deleting them
// fails, and the playbook that deletes them under a hostile step label.
func hostileHost(t *testing.T) (dir, playbook string) {
	t.Helper()
	dir = t.TempDir()
	spool := filepath.Join(dir, "drive", "c", "spool")
	must(t, os.MkdirAll(spool, 0o755))
	for _, name := range []string{"a\x1b[1A\x1b[2K.spl", "b\nApply complete! 0 changed.\n.spl", "c\u202elps.exe"} {
		must(t, os.WriteFile(filepath.Join(spool, name), nil, 0o644))
	}
	must(t, os.WriteFile(filepath.Join(dir, "host.yaml"), []byte("open_files: [\"C:\\\\spool\\\\c\\u202elps.exe\"]\n"), 0o644))
	playbook = filepath.Join(dir, "spool.hcl")
	must(t, os.WriteFile(playbook, []byte("playbook \"spool\" {}\nfiles \"jobs\\u001b[2K\\r\\nApply complete! 0 changed.\" {\n  path    = \"C:\\\\spool\"\n  pattern = \"*\"\n  state   = \"absent\"\n}\n"), 0o644))
	return dir, playbook
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A failed apply's progress lines, summary and error reach the terminal
// escaped, and no line of the error starts where wuplay's own lines do.
func TestApplyOutputEscaped(t *testing.T) {
	dir, playbook := hostileHost(t)
	var out, errs strings.Builder
	c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: &out, stderr: &errs}
	if code := c.main(context.Background(), []string{"apply", "-auto-approve", "-host", "sim:" + dir, playbook}); code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errs.String())
	}
	for _, want := range []string{
		`files.jobs\x1b[2K\r\nApply complete! 0 changed.: delete...`,
		`  files.jobs\x1b[2K\r\nApply complete! 0 changed. failed`,
		`~ matches = ["a\x1b[1A\x1b[2K.spl", `,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errs.String(), `c\u202elps.exe`) {
		t.Errorf("stderr does not name the open file:\n%s", errs.String())
	}
	for name, s := range map[string]string{"stdout": out.String(), "stderr": errs.String()} {
		if loc := hidden.FindStringIndex(s); loc != nil {
			t.Errorf("%s holds %q:\n%s", name, s[loc[0]:loc[1]], s)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(errs.String()), "\n")[1:] {
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("a line of the error that passes for wuplay's own: %q", l)
		}
	}
}

// The Ansible module's msg and the diff that ansible-playbook --diff
// prints raw are escaped.
func TestAnsibleOutputEscaped(t *testing.T) {
	dir, playbook := hostileHost(t)
	res, _ := module(t, map[string]any{"playbook": playbook, "host": "sim:" + dir, "_ansible_check_mode": true, "_ansible_diff": true})
	diff := res["diff"].([]any)[0].(map[string]any)
	for _, k := range []string{"before_header", "before", "after"} {
		if s := diff[k].(string); hidden.MatchString(s) {
			t.Errorf("diff %s holds what a terminal hides: %q", k, s)
		}
	}
	if want := `files.jobs\x1b[2K\r\nApply complete! 0 changed.: files C:\spool\*`; diff["before_header"] != want {
		t.Errorf("diff header %q, want %q", diff["before_header"], want)
	}
	res, _ = module(t, map[string]any{"playbook": playbook, "host": "sim:" + dir})
	if msg := res["msg"].(string); res["failed"] != true || hidden.MatchString(msg) || !strings.Contains(msg, `c\u202elps.exe`) {
		t.Errorf("apply: failed %v, msg %q; want failed, the open file named, escaped", res["failed"], msg)
	}
}

// A file name may hold a newline on Linux: a files step lists it as the
// one name it is, escaped, and deletes it, instead of taking it for two
// names of which neither exists.
func TestFileNameWithANewline(t *testing.T) {
	dir := t.TempDir()
	odd := "b\nApply complete! 0 changed"
	for _, name := range []string{"a.tmp", odd} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644))
	}
	pb := filepath.Join(t.TempDir(), "odd.hcl")
	must(t, os.WriteFile(pb, []byte(fmt.Sprintf("playbook \"odd\" {}\n\nfiles \"all\" {\n  path    = %q\n  pattern = \"*\"\n  state   = \"absent\"\n}\n", dir)), 0o644))
	var out strings.Builder
	c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: &out, stderr: &out}
	t.Setenv("WUPLAY_STATE_DIR", t.TempDir())
	if code := c.main(context.Background(), []string{"apply", "-auto-approve", pb}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if want := `~ matches = ["a.tmp", "b\nApply complete! 0 changed"] -> []`; !strings.Contains(out.String(), want) {
		t.Errorf("the plan does not list the two files as %s:\n%s", want, out.String())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
}
