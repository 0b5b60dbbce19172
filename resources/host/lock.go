package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	if l.PID == 0 {
		// A holder between taking the lock and writing its name, or a
		// program other than wuplay.
		return "a process that has not written its name"
	}
	return fmt.Sprintf("pid %d on %s, since %s (%s)", l.PID, l.Machine, l.Started.Format(time.RFC3339), l.What)
}

// ErrLocked is the cause of a lock not taken in time.
var ErrLocked = errors.New("host is locked by another wuplay")

// Lock takes the lock that lets one wuplay at a time change host h, and
// returns the function that releases it. The lock is the kernel's, on the
// file wuplay.lock in h's state folder (flock on Unix, LockFileEx on
// Windows): the kernel drops it when its process ends, however it ends, so
// a holder that died (kill -9, power loss) leaves the lock free. The file
// itself only names the holder, for whoever waits.
//
// Lock waits up to timeout for the holder to release it; if it must wait,
// it first calls waiting (if not nil) with the holder.
func Lock(ctx context.Context, h Host, what string, timeout time.Duration, waiting func(LockHolder)) (release func() error, err error) {
	dir, err := h.StateDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	// The lock file is reached through the state folder opened once, so
	// that a link planted there (a simulated host's folder is anyone's)
	// cannot lead out of it.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	defer root.Close()
	l := lockFile{root, dir}
	machine, _ := os.Hostname()
	me := LockHolder{PID: os.Getpid(), Machine: machine, Host: h.String(), Started: time.Now().UTC().Truncate(time.Second), What: what}
	f, err := l.take(ctx, timeout, waiting)
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(me)
	if err := writeHolder(f, data); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", l.path(), err)
	}
	return func() error { return l.release(f) }, nil
}

// take returns the lock file, locked, as Lock describes.
func (l lockFile) take(ctx context.Context, timeout time.Duration, waiting func(LockHolder)) (*os.File, error) {
	deadline := time.Now().Add(timeout)
	wait := 10 * time.Millisecond
	for {
		f, err := l.open()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", l.path(), err)
		}
		if f == nil {
			continue
		}
		locked, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", l.path(), err)
		}
		if locked {
			if l.names(f) {
				return f, nil
			}
			// Its holder removed it between our open and our lock: the
			// lock is now on a file of no name, which nobody else sees.
			f.Close()
			continue
		}
		holder := readHolder(f)
		f.Close()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %s holds %s; waited %s (see -lock-timeout)", ErrLocked, holder, l.path(), timeout)
		}
		if waiting != nil {
			waiting(holder)
			waiting = nil
		}
		// The kernel would let us block on the lock, but not give up on
		// it at a deadline or at Ctrl-C: try again, less and less often.
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: interrupted while waiting for %s", l.path(), holder)
		case <-time.After(min(wait, time.Until(deadline)+time.Millisecond)):
		}
		wait = min(2*wait, 250*time.Millisecond)
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

// open opens the lock file, making it if there is none, or returns nil
// if another wuplay's release removed it meanwhile (try again). wuplay
// writes its name into it: a link there, to a file of the host or
// elsewhere, is someone else's, and is refused before anything is written
// through it.
func (l lockFile) open() (*os.File, error) {
	if err := l.plain(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := l.root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	// Checked again on what was opened: the name may have been swapped.
	if err := l.plain(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Close()
		return nil, err
	}
	n, err := linkCount(f)
	switch {
	case err != nil:
		f.Close()
		return nil, err
	case n == 0 || !l.names(f):
		f.Close()
		return nil, nil
	case n > 1:
		f.Close()
		return nil, fmt.Errorf("the lock file has %d names (hard links), which wuplay never makes; remove it if no wuplay runs", n)
	}
	return f, nil
}

// plain says why the lock's name is not a plain file, if it is not.
func (l lockFile) plain() error {
	fi, err := l.root.Lstat(lockName)
	if err != nil || fi.Mode().IsRegular() {
		return err
	}
	kind := "special file"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		kind = "symbolic link"
	case fi.IsDir():
		kind = "folder"
	}
	return fmt.Errorf("the lock file is a %s, which wuplay never writes; remove it if no wuplay runs", kind)
}

// names reports whether the lock's name still leads to f.
func (l lockFile) names(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := l.root.Lstat(lockName)
	return err == nil && os.SameFile(fi, named)
}

// release empties the lock file, so that one left behind names nobody,
// removes it and releases the lock.
func (l lockFile) release(f *os.File) error {
	err := f.Truncate(0)
	if removeLocked {
		err = errors.Join(err, ignoreNotExist(os.Remove(l.path())), f.Close())
	} else {
		err = errors.Join(err, f.Close())
		// Fails while another wuplay has it open to try the lock; that
		// one removes it in turn.
		os.Remove(l.path())
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.path(), err)
	}
	return nil
}

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// writeHolder replaces what the locked file f says with data.
func writeHolder(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(data, 0)
	return err
}

// readHolder reads who holds the lock of f; a holder not yet written, or
// written by something else than wuplay, is the zero LockHolder.
func readHolder(f *os.File) LockHolder {
	var h LockHolder
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil || json.Unmarshal(data, &h) != nil {
		return LockHolder{}
	}
	return h
}
