package host

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffsetHigh places the byte the lock covers at 2^62: far beyond the
// holder's name, since Windows refuses reads of a locked range to everyone
// else, and the name is there for the others to read.
const lockOffsetHigh = 1 << 30

// tryLock takes the kernel's exclusive lock on f, if nobody holds it.
func tryLock(f *os.File) (bool, error) {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

// removeLocked: on Windows a file open without FILE_SHARE_DELETE, as Go
// opens files, cannot be removed, by its holder or anyone: it is removed
// after the lock is released, when nobody else has it open, and the name
// cannot lead elsewhere while a handle to it is open.
const removeLocked = false

func linkCount(f *os.File) (uint64, error) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info); err != nil {
		return 0, err
	}
	return uint64(info.NumberOfLinks), nil
}
