package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wuplay/wuplay/resources/host/winetest"
)

// TestWuplayOnWineConsole runs wuplay.exe under Wine from a pty, where
// Wine gives it a console: wuplay turns on virtual-terminal processing
// there, and what reaches the terminal is the saved plan as on screen,
// in colour.
func TestWuplayOnWineConsole(t *testing.T) {
	w := winetest.NewPrefix(t)
	exe := winetest.BuildExe(t, "github.com/wuplay/wuplay/cmd/wuplay")
	wuplay, err := exec.LookPath("wuplay")
	if err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(w.Drive(), "wuplay-console.plan")
	t.Cleanup(func() { os.Remove(plan) })
	if out, err := exec.Command(wuplay, "plan", "-out", plan, "-host", "sim:"+brokenHost(t), "kb910336").CombinedOutput(); err != nil {
		t.Fatalf("wuplay plan -out: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := w.Command(ctx, exe, "show", `C:\wuplay-console.plan`)
	cmd.Env = append(cmd.Env, "TERM=xterm")
	exit, out := startOnTerminal(t, cmd, nil).wait()
	t.Logf("wuplay.exe show on a Wine console: exit %d\n%q", exit, out)
	if exit != 0 {
		t.Fatalf("exit %d", exit)
	}
	if !strings.Contains(colour.ReplaceAllString(out, ""), "Plan: 3 to change, 0 unchanged.") {
		t.Errorf("the plan is not on the terminal")
	}
	if !colour.MatchString(out) {
		t.Errorf("no colour on the console")
	}
}
