package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgs(t *testing.T) {
	tests := map[string]struct {
		command string
		argv    []string
		want    *args
		err     string
	}{
		"defaults": {
			command: "plan", argv: []string{"kb910336"},
			want: &args{command: "plan", playbook: "kb910336", host: "local"},
		},
		"repeatable flags": {
			command: "apply", argv: []string{"-var", "a=1", "-var=b=2", "-replace", "service.x", "-replace=file.y", "-auto-approve", "-host", "sim:d", "p.hcl"},
			want: &args{command: "apply", playbook: "p.hcl", host: "sim:d", hostGiven: true, vars: []string{"a=1", "b=2"},
				replace: []string{"service.x", "file.y"}, autoApprove: true},
		},
		"apply has no -detailed-exitcode": {
			command: "apply", argv: []string{"-detailed-exitcode", "p.hcl"},
			err: "apply has no flag -detailed-exitcode; it is a flag of plan, backout",
		},
		"validate has no -replace": {
			command: "validate", argv: []string{"-replace", "a.b", "p.hcl"},
			err: "validate has no flag -replace; it is a flag of plan, apply",
		},
		"flag after playbook": {
			command: "plan", argv: []string{"p.hcl", "-json"},
			err: "unexpected arguments after the playbook: -json (flags come before the playbook)",
		},
		"bare -detect answers Intune": {
			command: "plan", argv: []string{"-detect", "kb910336"},
			want: &args{command: "plan", playbook: "kb910336", host: "local", detect: intune},
		},
		"-detect names its console": {
			command: "plan", argv: []string{"-detect=ConfigMgr", "kb910336"},
			want: &args{command: "plan", playbook: "kb910336", host: "local", detect: configMgr},
		},
		"-detect sets the exit code itself": {
			command: "plan", argv: []string{"-detect", "-detailed-exitcode", "kb910336"},
			err: "-detect prints what the endpoint manager reads and sets the exit code: it takes no -json, -out or -detailed-exitcode",
		},
		"var without value": {
			command: "plan", argv: []string{"-var", "x", "p.hcl"},
			err: `-var "x": want NAME=VALUE`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseArgs(tt.command, tt.argv)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(args{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// On a terminal, apply shows the plan and goes ahead only on "yes".
func TestApplyAsksOnTerminal(t *testing.T) {
	for _, answer := range []string{"no", "yes"} {
		t.Run(answer, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/broken")); err != nil {
				t.Fatal(err)
			}
			var out, errs strings.Builder
			c := &cli{stdin: bufio.NewReader(strings.NewReader(answer + "\n")), stdout: &out, stderr: &errs, terminal: true}
			code := c.main(context.Background(), []string{"apply", "-no-color", "-host", "sim:" + dir, "kb910336"})
			if !strings.Contains(out.String(), "Apply these changes to sim:"+dir+"?") {
				t.Errorf("no question in output:\n%s", out.String())
			}
			_, err := os.Stat(filepath.Join(dir, "drive", "c", "Windows", "SDTemp"))
			renamed := err == nil
			switch answer {
			case "yes":
				if code != exitOK || !renamed {
					t.Errorf("exit %d, renamed %v; want 0 and renamed\n%s%s", code, renamed, out.String(), errs.String())
				}
			default:
				if code != exitError || renamed || !strings.Contains(errs.String(), "Apply cancelled: nothing was changed.") {
					t.Errorf("exit %d, renamed %v; want 1, nothing changed\n%s", code, renamed, errs.String())
				}
			}
		})
	}
}

// Ctrl-C at the question ends it as a no: nothing changes.
func TestInterruptAtTheQuestion(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/broken")); err != nil {
		t.Fatal(err)
	}
	stdin, _ := io.Pipe() // a terminal nobody types into
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs strings.Builder
	c := &cli{stdin: bufio.NewReader(stdin), stdout: &out, stderr: &errs, terminal: true}
	done := make(chan int)
	go func() { done <- c.main(ctx, []string{"apply", "-no-color", "-host", "sim:" + dir, "kb910336"}) }()
	cancel()
	if code := <-done; code != exitError || !strings.Contains(errs.String(), "Apply cancelled: nothing was changed.") {
		t.Errorf("exit %d, stderr %q; want 1 and a cancelled apply", code, errs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "drive", "c", "Windows", "SDTemp")); err == nil {
		t.Error("the interrupted apply renamed the folder")
	}
}

// On a terminal, a step that takes more than a second shows the time spent
// and the state it waits in; without one, apply prints a line a step.
func TestProgressOnTerminal(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755); err != nil {
			t.Fatal(err)
		}
		hostYAML := "services:\n  wuauserv: {state: running, hangs_on_stop: true}\n"
		playbook := filepath.Join(dir, "stop.hcl")
		os.WriteFile(filepath.Join(dir, "host.yaml"), []byte(hostYAML), 0o644)
		os.WriteFile(playbook, []byte("playbook \"stop\" {}\nservice \"stop\" {\n  name    = \"wuauserv\"\n  state   = \"stopped\"\n  timeout = \"3s\"\n}\n"), 0o644)
		var out strings.Builder
		c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: &out, stderr: &out, terminal: terminal, screen: screen{live: terminal}}
		c.main(context.Background(), []string{"apply", "-auto-approve", "-no-color", "-host", "sim:" + dir, playbook})
		// A tick is due each second of the 3 s wait; a busy machine may
		// deliver it late, so the elapsed time is not pinned.
		progress := regexp.MustCompile(`service.stop: still stopping\.\.\. \[\ds elapsed, STOP_PENDING\]`).MatchString(out.String())
		if progress != terminal {
			t.Errorf("terminal %v: progress shown %v\n%s", terminal, progress, out.String())
		}
		if strings.Contains(out.String(), "\x1b[") {
			t.Errorf("terminal %v with -no-color: escape codes in output", terminal)
		}
	}
}
