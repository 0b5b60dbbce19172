package host

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
	release, err := Lock(context.Background(), h, "first", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(context.Background(), h, "second", 0, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "(first)") {
		t.Fatalf("second lock: %v, want ErrLocked naming the first holder", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(h.dir, lockName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the released lock left its file: %v", err)
	}
	release, err = Lock(context.Background(), h, "third", 0, nil)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release()
}

// The second Lock is released from while it waits: it must be waiting
// then, and take the lock once it is free.
func TestLockWaitsForRelease(t *testing.T) {
	h := lockHost(t)
	release, err := Lock(context.Background(), h, "first", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var waitedFor LockHolder
	r, err := Lock(context.Background(), h, "second", time.Minute, func(holder LockHolder) {
		waitedFor = holder
		release()
	})
	if err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
	r()
	if waitedFor.What != "first" || waitedFor.PID != os.Getpid() {
		t.Errorf("waited for %+v, want the first holder", waitedFor)
	}
}

// TestLockHolderDies is the lock's holder when the test binary is run
// with WUPLAY_LOCK_DIR: it takes the lock of that folder's host and dies
// holding it, as under kill -9.
func TestLockHolderDies(t *testing.T) {
	dir := os.Getenv("WUPLAY_LOCK_DIR")
	if dir == "" {
		t.Skip("run by TestLockOfDeadHolderIsFree")
	}
	h, err := OpenSim(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(context.Background(), h, "killed", 0, nil); err != nil {
		t.Fatal(err)
	}
	self, _ := os.FindProcess(os.Getpid())
	self.Kill()
	select {}
}

func TestLockOfDeadHolderIsFree(t *testing.T) {
	h := lockHost(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderDies$")
	cmd.Env = append(os.Environ(), "WUPLAY_LOCK_DIR="+h.dir)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("the holder was not killed: %v\n%s", err, out)
	}
	// It left its file, naming it.
	data, err := os.ReadFile(filepath.Join(h.dir, lockName))
	var dead LockHolder
	if err != nil || json.Unmarshal(data, &dead) != nil || dead.What != "killed" {
		t.Fatalf("lock file %q (%v), want the dead holder's", data, err)
	}
	release, err := Lock(context.Background(), h, "new", 0, nil)
	if err != nil {
		t.Fatalf("lock with a dead holder: %v", err)
	}
	data, _ = os.ReadFile(filepath.Join(h.dir, lockName))
	var holder LockHolder
	if json.Unmarshal(data, &holder) != nil || holder.PID != os.Getpid() || holder.What != "new" {
		t.Errorf("lock file %q, want this process", data)
	}
	release()
	if ents, _ := os.ReadDir(h.dir); len(ents) != 2 {
		t.Errorf("left behind: %v", ents)
	}
}

// Many takers at once, each removing the file as it releases it: never
// two hold the lock together.
func TestLockExcludesUnderContention(t *testing.T) {
	h := lockHost(t)
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				release, err := Lock(context.Background(), h, "taker", time.Minute, nil)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				time.Sleep(time.Millisecond) // work while holding it
				inside.Add(-1)
				if err := release(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d held the lock at once", most.Load())
	}
}

// A lock file that is another name of a file (a hard link to host.yaml,
// say) is refused, and that file is left as it was.
func TestLockFileHardLinkRefused(t *testing.T) {
	h := lockHost(t)
	yaml := filepath.Join(h.dir, "host.yaml")
	if err := os.WriteFile(yaml, []byte("env: {windir: 'C:\\Windows'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(yaml, filepath.Join(h.dir, lockName)); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(context.Background(), h, "test", 0, nil)
	if err == nil || !strings.Contains(err.Error(), "the lock file has 2 names (hard links)") {
		t.Errorf("got %v, want the hard link refused", err)
	}
	if data, _ := os.ReadFile(yaml); string(data) != "env: {windir: 'C:\\Windows'}\n" {
		t.Errorf("host.yaml now holds %q", data)
	}
}

// Ctrl-C while waiting for another wuplay's lock says so, naming the
// holder, in the user's words: before, it was "context canceled".
func TestLockWaitInterrupted(t *testing.T) {
	h := lockHost(t)
	release, err := Lock(context.Background(), h, "first", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Lock(ctx, h, "second", time.Minute, nil)
	if err == nil || !strings.Contains(err.Error(), "interrupted while waiting for pid") || !strings.Contains(err.Error(), "(first)") {
		t.Fatalf("lock: %v, want interrupted, naming the holder", err)
	}
}
