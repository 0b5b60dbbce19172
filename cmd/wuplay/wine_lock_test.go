//go:build !windows

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wuplay/wuplay/resources/host/winetest"
)

// twoAtOnce runs two wuplay.exe applies side by side while a third Windows
// process holds the lock (LockFileEx): both wait, saying so and naming the
// holder, and are let go only once both do; then one fixes the machine
// and the other, waiting for it in turn, finds nothing to do.
func (m *wineMachine) twoAtOnce(t *testing.T) {
	m.reset(t)
	probe := winetest.BuildExe(t, "../../testdata/wine/hostprobe")
	release := filepath.Join(m.work, "release")
	t.Cleanup(func() { os.Remove(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	type proc struct {
		name     string
		out, err string // files of its stdout, stderr
		done     chan error
	}
	start := func(name string, args ...string) *proc {
		p := &proc{name: name, out: filepath.Join(dir, name+".out"), err: filepath.Join(dir, name+".err"), done: make(chan error, 1)}
		cmd := m.w.Command(ctx, args...)
		var files [2]*os.File
		for i, f := range []string{p.out, p.err} {
			var err error
			if files[i], err = os.Create(f); err != nil {
				t.Fatal(err)
			}
			defer files[i].Close()
		}
		cmd.Stdout, cmd.Stderr = files[0], files[1]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.done <- cmd.Wait() }()
		return p
	}
	// waitFor returns once p's file says what, or fails t when p ends first.
	waitFor := func(p *proc, file, what string) {
		t.Helper()
		for {
			if data, _ := os.ReadFile(file); strings.Contains(string(data), what) {
				return
			}
			select {
			case err := <-p.done:
				out, _ := os.ReadFile(p.out)
				errOut, _ := os.ReadFile(p.err)
				t.Fatalf("%s ended (%v) before it said %q\nstdout:\n%s\nstderr:\n%s", p.name, err, what, out, errOut)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	holder := start("holder", probe, "lock|held by a test", `waitfile|C:\wuplay-test\release`)
	waitFor(holder, holder.out, "lock|held by a test ok")
	a := start("a", m.wuplay, "apply", "-auto-approve", "-lock-timeout", "2m", "kb910336")
	b := start("b", m.wuplay, "apply", "-auto-approve", "-lock-timeout", "2m", "kb910336")
	for _, p := range []*proc{a, b} {
		waitFor(p, p.err, "(held by a test) holds it. Waiting up to 2m0s (-lock-timeout).")
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var outs string
	for _, p := range []*proc{holder, a, b} {
		if err := <-p.done; err != nil {
			errOut, _ := os.ReadFile(p.err)
			t.Errorf("%s: %v\n%s", p.name, err, errOut)
		}
		out, _ := os.ReadFile(p.out)
		outs += strings.ReplaceAll(string(out), "\r", "")
	}
	if strings.Count(outs, "Apply complete! 3 changed, 0 unchanged.") != 1 || strings.Count(outs, "No changes. Host local already matches playbook kb910336.") != 1 {
		t.Errorf("want one apply that changes the machine and one that finds nothing to do:\n%s", outs)
	}
}
