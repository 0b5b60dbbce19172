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
	// The lock's files are reached through the state folder opened once,
	// so that a link planted among them (a simulated host's folder is
	// anyone's) cannot lead out of it.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	l := lockFile{root, dir}
	machine, _ := os.Hostname()
	me := LockHolder{PID: os.Getpid(), Machine: machine, Host: h.String(), Started: time.Now().UTC().Truncate(time.Second), What: what}
	if err := l.take(ctx, me, timeout); err != nil {
		root.Close()
		return nil, err
	}
	return func() error {
		defer root.Close()
		return l.remove(lockName)
	}, nil
}

// take creates the lock naming me, as Lock describes.
func (l lockFile) take(ctx context.Context, me LockHolder, timeout time.Duration) error {
	data, _ := json.Marshal(me)
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for {
		err := l.createExclusive(data)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("lock %s: %w", l.path(), err)
		}
		holder, err := l.readHolder(lockName)
		switch {
		case err == nil && holder.Machine == me.Machine && !processAlive(holder.PID):
			// Its holder died without releasing it (kill -9, power loss).
			if err := l.takeOver(holder); err != nil {
				return err
			}
			continue
		case errors.Is(err, fs.ErrNotExist):
			continue // released meanwhile
		case err != nil:
			return fmt.Errorf("lock %s: %w", l.path(), err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s holds %s; waited %s (see -lock-timeout)", ErrLocked, holder, l.path(), timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock %s: interrupted while waiting for %s", l.path(), holder)
		case <-time.After(min(wait, time.Until(deadline)+time.Millisecond)):
		}
		wait = min(2*wait, time.Second)
	}
}

const lockName = "wuplay.lock"

// lockFile is the lock in its state folder, opened as root.
type lockFile struct {
	root *os.Root
	dir  string
}

// path is the lock's, for messages.
func (l lockFile) path() string { return filepath.Join(l.dir, lockName) }

// remove removes a file of the lock by its path: removing a name never
// follows a link, and Wine lacks the delete that os.Root uses on Windows
// (FILE_DISPOSITION_POSIX_SEMANTICS).
func (l lockFile) remove(name string) error { return os.Remove(filepath.Join(l.dir, name)) }

// createExclusive writes data to the lock only if there is none, and never
// leaves it half written: the data goes to a temporary file that is then
// linked to the lock's name, which fails if that exists.
func (l lockFile) createExclusive(data []byte) error {
	tmp := lockName + "." + strconv.Itoa(os.Getpid()) + ".tmp"
	if err := writeFileAtomicIn(l.root, tmp, data); err != nil {
		return err
	}
	defer l.remove(tmp)
	return l.root.Link(tmp, lockName)
}

func (l lockFile) readHolder(name string) (LockHolder, error) {
	var h LockHolder
	// wuplay writes a lock as a file of its own; a link there is someone
	// else's, and root would refuse to follow it out anyway.
	if fi, err := l.root.Lstat(name); err != nil {
		return h, err
	} else if !fi.Mode().IsRegular() {
		kind := "special file"
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			kind = "symbolic link"
		case fi.IsDir():
			kind = "folder"
		}
		return h, fmt.Errorf("the lock file is a %s, which wuplay never writes; remove it if no wuplay runs", kind)
	}
	data, err := readFileMaxIn(l.root, name, 1<<20) // a lock file is one line
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, fmt.Errorf("unreadable lock file (remove it if no wuplay runs): %w", err)
	}
	return h, nil
}

// takeOver moves a dead holder's lock aside. Two wuplays may find the same
// dead holder: the rename lets one win, and a lock that turns out to be a
// new one is put back.
func (l lockFile) takeOver(dead LockHolder) error {
	aside := lockName + ".dead." + strconv.Itoa(os.Getpid())
	if err := l.root.Rename(lockName, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("lock %s: %w", l.path(), err)
	}
	if got, err := l.readHolder(aside); err == nil && got != dead {
		if err := l.root.Link(aside, lockName); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("lock %s: %w", l.path(), err)
		}
	}
	return l.remove(aside)
}
