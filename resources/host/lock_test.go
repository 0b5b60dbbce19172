package host

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func lockHost(t *testing.T) *Sim {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := OpenSim(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLockHeldIsRefusedNamingTheHolder(t *testing.T) {
	h := lockHost(t)
	release, err := Lock(context.Background(), h, "first", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(context.Background(), h, "second", 0)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "(first)") {
		t.Fatalf("second lock: %v, want ErrLocked naming the first holder", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	release, err = Lock(context.Background(), h, "third", 0)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release()
}

func TestLockWaitsForRelease(t *testing.T) {
	h := lockHost(t)
	release, err := Lock(context.Background(), h, "first", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error)
	go func() {
		r, err := Lock(context.Background(), h, "second", time.Minute)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
}

func TestLockOfDeadHolderIsTakenOver(t *testing.T) {
	h := lockHost(t)
	// A process that has exited: its pid is no longer alive.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	machine, _ := os.Hostname()
	dead, _ := json.Marshal(LockHolder{PID: cmd.Process.Pid, Machine: machine, Host: h.String(), What: "killed"})
	if err := os.WriteFile(filepath.Join(h.dir, "wuplay.lock"), dead, 0o644); err != nil {
		t.Fatal(err)
	}
	release, err := Lock(context.Background(), h, "new", 0)
	if err != nil {
		t.Fatalf("lock with a dead holder: %v", err)
	}
	holder, err := lockFile{root: h.root}.readHolder(lockName)
	if err != nil || holder.PID != os.Getpid() {
		t.Errorf("holder %+v (%v), want this process", holder, err)
	}
	release()
	if ents, _ := os.ReadDir(h.dir); len(ents) != 2 {
		t.Errorf("left behind: %v", ents)
	}
}

// Ctrl-C while waiting for another wuplay's lock says so, naming the
// holder, in the user's words: before, it was "context canceled".
func TestLockWaitInterrupted(t *testing.T) {
	h := lockHost(t)
	release, err := Lock(context.Background(), h, "first", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Lock(ctx, h, "second", time.Minute)
	if err == nil || !strings.Contains(err.Error(), "interrupted while waiting for pid") || !strings.Contains(err.Error(), "(first)") {
		t.Fatalf("lock: %v, want interrupted, naming the holder", err)
	}
}
