package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
)

// isLink checks the reparse-point attribute itself: since Go 1.23 a
// junction is not ModeSymlink (kb-procedures.md F16), and a recursive delete
// that took it for a folder would empty its target. The attribute is asked
// of the path too, since Wine reports it only there.
func isLink(path string, fi fs.FileInfo) bool {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok && d.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		return true
	}
	if p, err := windows.UTF16PtrFromString(path); err == nil {
		if attrs, err := windows.GetFileAttributes(p); err == nil && attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
			return true
		}
	}
	return fi.Mode()&fs.ModeSymlink != 0
}

// resolveLinks asks Windows for the final path of p, through every
// symbolic link and junction.
func resolveLinks(p string) (string, error) {
	name, err := windows.UTF16PtrFromString(p)
	if err != nil {
		return "", err
	}
	h, err := windows.CreateFile(name, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetFinalPathNameByHandle(h, &buf[0], uint32(len(buf)), 0)
	if err != nil {
		return "", &fs.PathError{Op: "resolve", Path: p, Err: err}
	}
	final := windows.UTF16ToString(buf[:n])
	final = strings.TrimPrefix(final, `\\?\UNC\`)
	return strings.TrimPrefix(final, `\\?\`), nil
}

func localVolume(p string) (string, error) {
	return strings.ToLower(filepath.VolumeName(p)), nil
}

// Elevated reports whether the process runs with an elevated token, as
// changing services needs.
func (localServices) Elevated() (bool, error) {
	return windows.GetCurrentProcessToken().IsElevated(), nil
}

func localStateDir() (string, error) {
	dir, ok := os.LookupEnv("ProgramData")
	if !ok {
		return "", errors.New("%ProgramData% is not set: set WUPLAY_STATE_DIR to a folder for wuplay's lock")
	}
	return filepath.Join(dir, "wuplay"), nil
}

func localProtected(key string) string {
	return windowsProtected(key, os.LookupEnv, local{}.PathKey)
}

// rename is MoveFileEx's. Unlike the delete, it does not check the
// folders above from and to at the time it runs.
func rename(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: ErrAlreadyExists}
	}
	return os.Rename(from, to)
}
