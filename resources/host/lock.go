package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// LockHolder is who holds a host's lock: what the lock file records.
type LockHolder struct {
	PID     int       `json:"pid"`
	Machine string    `json:"machine"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	What    string    `json:"what"`
}

func (l LockHolder) String() string {
	return fmt.Sprintf("pid %d on %s, since %s (%s)", l.PID, l.Machine, l.Started.Format(time.RFC3339), l.What)
}

// ErrLocked is the cause of a lock not taken in time.
var ErrLocked = errors.New("host is locked by another wuplay")

// Lock takes the lock that lets one wuplay at a time change host h: a file
// in h's state folder naming the holder. It waits up to timeout for a
// holder to finish, takes over a lock whose holder died, and returns the
// function that releases it.
func Lock(ctx context.Context, h Host, what string, timeout time.Duration) (release func() error, err error) {
	dir, err := h.StateDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	path := filepath.Join(dir, "wuplay.lock")
	machine, _ := os.Hostname()
	me := LockHolder{PID: os.Getpid(), Machine: machine, Host: h.String(), Started: time.Now().UTC().Truncate(time.Second), What: what}
	data, _ := json.Marshal(me)
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for {
		err := createExclusive(path, data)
		if err == nil {
			return func() error { return os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock: %w", err)
		}
		holder, err := readHolder(path)
		switch {
		case err == nil && holder.Machine == machine && !processAlive(holder.PID):
			// Its holder died without releasing it (kill -9, power loss).
			if err := takeOver(path, holder); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, fs.ErrNotExist):
			continue // released meanwhile
		case err != nil:
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %s holds %s; waited %s (see -lock-timeout)", ErrLocked, holder, path, timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(wait, time.Until(deadline)+time.Millisecond)):
		}
		wait = min(2*wait, time.Second)
	}
}

// createExclusive writes data to path only if path does not exist, and
// never leaves path half written: the data goes to a temporary file that
// is then linked to path, which fails if path exists.
func createExclusive(path string, data []byte) error {
	tmp := path + "." + strconv.Itoa(os.Getpid()) + ".tmp"
	if err := WriteFileAtomic(tmp, data); err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

func readHolder(path string) (LockHolder, error) {
	var l LockHolder
	data, err := ReadFileMax(path, 1<<20) // a lock file is one line
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("unreadable lock file (remove it if no wuplay runs): %w", err)
	}
	return l, nil
}

// takeOver moves a dead holder's lock aside. Two wuplays may find the same
// dead holder: the rename lets one win, and a lock that turns out to be a
// new one is put back.
func takeOver(path string, dead LockHolder) error {
	aside := path + ".dead." + strconv.Itoa(os.Getpid())
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("lock: %w", err)
	}
	if got, err := readHolder(aside); err == nil && got != dead {
		if err := os.Link(aside, path); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("lock: %w", err)
		}
	}
	return os.Remove(aside)
}
