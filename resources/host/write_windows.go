package host

import (
	"io/fs"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// hardLinks is 0: a FileInfo of Windows does not count them.
func hardLinks(fs.FileInfo) int { return 0 }

// keepMeta does nothing: replace keeps what the old file had.
func keepMeta(*os.File, string, fs.FileInfo) error { return nil }

var procReplaceFileW = windows.NewLazySystemDLL("kernel32.dll").NewProc("ReplaceFileW")

// replace puts the file tmp in the place of path. Over an existing file
// it is ReplaceFile, which keeps the old file's attributes, ACL, creation
// time and alternate streams, where a rename would give the new file the
// folder's inherited ACL.
func replace(tmp, path string, old fs.FileInfo) error {
	if old == nil {
		return os.Rename(tmp, path)
	}
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return err
	}
	const writeThrough = 1 // REPLACEFILE_WRITE_THROUGH
	if r, _, err := procReplaceFileW.Call(uintptr(unsafe.Pointer(to)), uintptr(unsafe.Pointer(from)), 0, writeThrough, 0, 0); r == 0 {
		return &os.LinkError{Op: "replace", Old: tmp, New: path, Err: err}
	}
	return nil
}
