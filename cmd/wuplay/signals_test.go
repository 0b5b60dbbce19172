//go:build !windows

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Review of issue 11 (Ctrl-C, at its seam with other ways a run ends): a
// terminal that hangs up (SIGHUP, an ssh session that drops), a service
// manager or an endpoint agent that stops wuplay (SIGTERM, which Go also
// gives for a closed console on Windows) end an apply as Ctrl-C does: the
// step in flight finishes, the rest is not attempted, what was changed is
// put back, and the report says "interrupted". Before, either signal
// killed wuplay between two steps: no put back, no report.
func TestSignalsEndAnApplyAsCtrlCDoes(t *testing.T) {
	for _, sig := range []string{"TERM", "HUP"} {
		t.Run(sig, func(t *testing.T) {
			dir := t.TempDir()
			after := filepath.Join(dir, "after")
			playbook := writePlaybook(t, dir, `playbook "signalled" {}

command "signalled_midway" {
  run   = "kill -`+sig+` $PPID"
  shell = true
}

file "after" {
  path    = "`+after+`"
  content = "not to be written\n"
}
`)
			report := filepath.Join(dir, "report.json")
			out, err := wuplayCommand(t, dir, "apply", "-auto-approve", "-no-color", "-report", report, playbook).CombinedOutput()
			t.Logf("wuplay apply: %v\n%s", err, out)
			if !strings.Contains(string(out), "Apply interrupted: 1 changed, 0 failed, 0 put back, 1 not attempted") {
				t.Errorf("the apply did not end as interrupted")
			}
			if _, err := os.Stat(after); err == nil {
				t.Errorf("the step after the signal ran")
			}
			if data, err := os.ReadFile(report); err != nil || !strings.Contains(string(data), `"result": "interrupted"`) {
				t.Errorf("report: %v\n%s", err, data)
			}
		})
	}
}

// A closed output (wuplay apply | head -3, a log collector that dies) no
// longer kills an apply at its next line: the apply goes on to the end,
// and its report and record are written. Before, SIGPIPE killed it
// between two steps.
func TestClosedOutputDoesNotEndAnApply(t *testing.T) {
	dir := t.TempDir()
	goOn := filepath.Join(dir, "go-on")
	if err := syscall.Mkfifo(goOn, 0o600); err != nil {
		t.Fatal(err)
	}
	after := filepath.Join(dir, "after")
	// The command waits until the test has closed wuplay's output.
	playbook := writePlaybook(t, dir, `playbook "closed" {}

command "output_closed_meanwhile" {
  run   = "read line < `+goOn+`"
  shell = true
}

file "after" {
  path    = "`+after+`"
  content = "written\n"
}
`)
	report := filepath.Join(dir, "report.json")
	cmd := wuplayCommand(t, dir, "apply", "-auto-approve", "-no-color", "-report", report, playbook)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if strings.Contains(sc.Text(), "command.output_closed_meanwhile: run...") {
			break
		}
	}
	stdout.Close()
	f, err := os.OpenFile(goOn, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go on\n")
	f.Close()
	err = cmd.Wait()
	t.Logf("wuplay apply: %v", err)
	if _, err := os.Stat(after); err != nil {
		t.Errorf("the step after the output closed did not run: %v", err)
	}
	if data, err := os.ReadFile(report); err != nil || !strings.Contains(string(data), `"result": "succeeded"`) {
		t.Errorf("report: %v\n%s", err, data)
	}
}

func writePlaybook(t *testing.T, dir, src string) string {
	t.Helper()
	path := filepath.Join(dir, "playbook.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wuplayCommand runs the test binary as wuplay on this machine, with its
// state in dir.
func wuplayCommand(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	wuplay, err := exec.LookPath("wuplay") // set up by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wuplay, args...)
	cmd.Env = append(os.Environ(), "WUPLAY_STATE_DIR="+dir)
	return cmd
}

// Ctrl-C while a guard runs at plan time (Ctrl-C, at its seam with
// commands that end): the guard's whole process tree is ended at once,
// though a child of it holds the output open, the plan fails saying so,
// and apply leaves no lock behind.
func TestCtrlCDuringAGuard(t *testing.T) {
	for _, command := range []string{"plan", "apply"} {
		t.Run(command, func(t *testing.T) {
			dir := t.TempDir()
			playbook := writePlaybook(t, dir, `playbook "guarded" {}

command "guarded" {
  run    = ["true"]
  unless = ["sh", "-c", "sleep 60 & kill -INT $PPID; wait"]
}
`)
			args := []string{command, "-no-color", playbook}
			if command == "apply" {
				args = []string{command, "-auto-approve", "-no-color", playbook}
			}
			start := time.Now()
			out, err := wuplayCommand(t, dir, args...).CombinedOutput()
			t.Logf("wuplay %s: %v\n%s", command, err, out)
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("the interrupted guard held wuplay for %s", took)
			}
			if !strings.Contains(string(out), "interrupted; its processes were ended") {
				t.Errorf("the error does not say the guard was interrupted")
			}
			if _, err := os.Stat(filepath.Join(dir, "wuplay.lock")); err == nil {
				t.Errorf("the lock was left behind")
			}
		})
	}
}
