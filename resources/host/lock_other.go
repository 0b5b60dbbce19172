//go:build !windows

package host

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// tryLock takes the kernel's exclusive lock on f, if nobody holds it.
func tryLock(f *os.File) (bool, error) {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// removeLocked: on Unix the lock file is removed while still locked, so
// that whoever opened it meanwhile finds, once it has the lock, that the
// name leads elsewhere (lockFile.names) and tries again.
const removeLocked = true

func linkCount(f *os.File) (uint64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Nlink), nil
}
