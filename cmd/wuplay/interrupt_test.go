//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCtrlCFinishesTheCommandInFlight presses Ctrl-C as a terminal does,
// sending SIGINT to wuplay's whole process group, while a command step
// runs: the command is not in that group, so it finishes, as README's
// Ctrl-C guarantee says. Before, it was killed halfway.
func TestCtrlCFinishesTheCommandInFlight(t *testing.T) {
	wuplay, err := exec.LookPath("wuplay") // the test binary, set up by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	playbook := filepath.Join(dir, "ctrlc.hcl")
	// $PPID is wuplay, the leader of its process group.
	if err := os.WriteFile(playbook, []byte(`playbook "ctrlc" {}

command "interrupted_midway" {
  run   = "kill -INT -$PPID; touch `+done+`"
  shell = true
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wuplay, "apply", "-auto-approve", "-no-color", "-host", "local", playbook)
	cmd.Env = append(os.Environ(), "WUPLAY_STATE_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a terminal's foreground group
	out, err := cmd.CombinedOutput()
	t.Logf("wuplay apply: %v\n%s", err, out)
	if _, err := os.Stat(done); err != nil {
		t.Errorf("the command did not finish: %v", err)
	}
	if !strings.Contains(string(out), "command.interrupted_midway") {
		t.Errorf("the output does not name the step")
	}
}
