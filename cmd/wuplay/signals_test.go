//go:build !windows

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

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

// Review of issue 11 (Ctrl-C, at its seam with commands that end and with
// other ways a run is ended). A signal while a guard runs at plan time
// ends the guard's whole process tree at once, though a child of it holds
// the output open; the plan fails saying so, and apply leaves no lock
// behind. A terminal that hangs up (SIGHUP: a dropped ssh session) and a
// service manager or endpoint agent that stops wuplay (SIGTERM, which Go
// also gives for a closed console on Windows) interrupt as Ctrl-C does,
// here and between an apply's steps. Before, either killed wuplay at once:
// between two steps, with nothing put back and no report.
//
// The guard waits for wuplay to end it, so wuplay ends it only by
// handling the signal: this test does not depend on when the signal
// arrives.
func TestSignalsInterruptAsCtrlCDoes(t *testing.T) {
	for _, sig := range []string{"INT", "TERM", "HUP"} {
		for _, command := range []string{"plan", "apply"} {
			t.Run(sig+"/"+command, func(t *testing.T) {
				dir := t.TempDir()
				playbook := writePlaybook(t, dir, `playbook "guarded" {}

command "guarded" {
  run    = ["true"]
  unless = ["sh", "-c", "sleep 60 & kill -`+sig+` $PPID; wait"]
}
`)
				args := []string{command, "-no-color", playbook}
				if command == "apply" {
					args = []string{command, "-auto-approve", "-no-color", playbook}
				}
				start := time.Now()
				out, err := wuplayCommand(t, dir, args...).CombinedOutput()
				t.Logf("wuplay %s: %v\n%s", command, err, out)
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Errorf("wuplay ended by %v, want exit code 1", err)
				}
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
}
