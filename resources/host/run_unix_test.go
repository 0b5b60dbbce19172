//go:build !windows

package host

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gone reports whether the process pid has ended (a zombie has ended too),
// waiting up to a few seconds for a SIGKILL to land.
func gone(t *testing.T, pid int) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the command name in parentheses.
		if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); f[0] == "Z" {
			return true
		}
	}
	return false
}

// firstPid reads the pid a command printed first.
func firstPid(t *testing.T, out string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.Fields(out + " x")[0])
	if err != nil {
		t.Fatalf("output %q: want a pid first", out)
	}
	return pid
}

func TestRunEndsTheProcessTree(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see the processes")
	}
	for name, tc := range map[string]struct {
		line    string
		timeout time.Duration
		cancel  bool // as Ctrl-C during a plan does
		wantErr string
		daemon  bool // it left the group: a daemon of its own, which lives on
	}{
		// The grandchild holds the output open: without its own process
		// group, the timeout killed sh alone and Run waited 30 s for it.
		"timeout with a grandchild holding the output": {line: "sleep 30 & echo $!; sleep 30", timeout: time.Second, wantErr: "timed out after 1s"},
		"a grandchild that ignores SIGTERM":            {line: "trap '' TERM; sleep 30 & echo $!; sleep 30", timeout: time.Second, wantErr: "timed out after 1s"},
		"interrupted":                                  {line: "sleep 30 & echo $!; echo >FIFO; sleep 30", timeout: time.Minute, cancel: true, wantErr: "interrupted"},
		// The program ends at once and leaves a process behind that holds
		// its output: Run returns, and ends what it left.
		"exits leaving a grandchild": {line: "sleep 30 & echo $!", timeout: time.Minute},
		"starts a daemon":            {line: `setsid sleep 30 & echo $!; until [ "$(ps -o sid= -p $!)" -eq $! ]; do :; done`, timeout: time.Minute, daemon: true},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			line := tc.line
			if tc.cancel {
				// The command says when it runs through a FIFO.
				fifo := filepath.Join(t.TempDir(), "running")
				if err := syscall.Mkfifo(fifo, 0o600); err != nil {
					t.Fatal(err)
				}
				line = strings.ReplaceAll(line, "FIFO", fifo)
				go func() { os.ReadFile(fifo); cancel() }()
			}
			start := time.Now()
			exit, out, err := Local().Run(ctx, []string{line}, true, tc.timeout)
			took := time.Since(start)
			if took > 8*time.Second {
				t.Errorf("Run took %s, want a few seconds at most", took.Round(time.Second))
			}
			switch {
			case tc.wantErr == "" && (err != nil || exit != 0):
				t.Fatalf("Run: exit %d, %v, want success", exit, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Run: %v, want an error saying %q", err, tc.wantErr)
			}
			pid := firstPid(t, out)
			if tc.daemon {
				if syscall.Kill(pid, syscall.SIGKILL) != nil {
					t.Errorf("the daemon %d was ended", pid)
				}
			} else if !gone(t, pid) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Errorf("the grandchild %d still runs", pid)
			}
		})
	}
}

func TestRunInItsOwnProcessGroup(t *testing.T) {
	// A terminal's Ctrl-C goes to its foreground process group: a command
	// in wuplay's own group would be killed by it mid-step.
	_, out, err := Local().Run(context.Background(), []string{"ps -o pgid= -p $$"}, true, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("ps: %q", out)
	}
	if pgid == syscall.Getpgrp() {
		t.Errorf("the command runs in wuplay's process group %d", pgid)
	}
}

func TestRunBoundsItsOutput(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	exit, out, err := Local().Run(context.Background(), []string{"head", "-c", "200000000", "/dev/zero"}, false, time.Minute)
	runtime.ReadMemStats(&after)
	if err != nil || exit != 0 {
		t.Fatalf("Run: exit %d, %v", exit, err)
	}
	// Before the bound, the whole output was read into memory first:
	// 200 MB of output cost over 500 MB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("reading 200 MB of output allocated %d MB, want a few", alloc>>20)
	}
	if len(out) > maxOutput+100 || !strings.Contains(out, "199934464 bytes left out") {
		t.Errorf("output of %d bytes, ending %q: want at most %d, saying what was left out", len(out), out[max(0, len(out)-200):], maxOutput)
	}
}

func TestRunKilledBySignalIsAnError(t *testing.T) {
	_, _, err := Local().Run(context.Background(), []string{"kill -KILL $$"}, true, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "ended by signal: killed") {
		t.Errorf("Run: %v, want an error naming the signal", err)
	}
}
