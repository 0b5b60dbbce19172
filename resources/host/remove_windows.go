package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// removeAll deletes path and everything under it. It walks the tree itself
// rather than calling os.RemoveAll, for three reasons:
//
//   - A reparse point (a junction, a symbolic link, a mount point) is
//     removed as itself and never entered: a delete that took a junction
//     for a folder would empty its target, which may be anywhere,
//     C:\Windows included (kb-procedures.md F14).
//   - Nothing is deleted unless the whole tree could be when checked: a
//     first pass opens every entry for deletion, so a file in use
//     (ERROR_SHARING_VIOLATION) or a link that cannot be removed fails the
//     delete before it starts, rather than half way through.
//   - os.RemoveAll deletes by handle with POSIX semantics, which Wine (our
//     test bed) lacks: it fails there on any folder that is not empty.
//
// Every entry is checked three ways before it is deleted: its attributes
// as os.Lstat reads them, its attributes by path (GetFileAttributes), and
// where the handle opened to delete it really leads
// (GetFinalPathNameByHandle), which must be the folder above it plus its
// name. The last catches a link the first two miss, and a folder swapped
// for a junction during the walk; the delete then goes through that same
// handle. Read-only files and folders lose the attribute first, as
// Explorer and rd /s /q do. A missing path is no error.
func removeAll(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	want, err := rootWant(path)
	if err != nil {
		return err
	}
	if err := removeTree(path, want, false); err != nil {
		return err
	}
	return removeTree(path, want, true)
}

// rootWant is where path must lead: the folder above it, which must lead
// where its name says, and path's own long name; "" for a drive root,
// which has no folder above.
func rootWant(path string) (string, error) {
	parent := filepath.Dir(path)
	if parent == path {
		return "", nil
	}
	name, err := windows.UTF16PtrFromString(extendedPath(parent))
	if err != nil {
		return "", &fs.PathError{Op: "remove", Path: path, Err: err}
	}
	h, err := windows.CreateFile(name, windows.FILE_READ_ATTRIBUTES, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: parent, Err: err}
	}
	defer windows.CloseHandle(h)
	final, err := finalPathOf(h)
	if err != nil {
		return "", &fs.PathError{Op: "resolve", Path: parent, Err: err}
	}
	// A plan refuses a path through a link (Resolve), so a folder above
	// that leads elsewhere now was swapped for a junction since: deleting
	// there would empty what it points to.
	if !strings.EqualFold(finalPath(final), filepath.Clean(parent)) {
		return "", fmt.Errorf("refusing to delete %s: the folder above it leads to %s now; wuplay never deletes through a link", path, finalPath(final))
	}
	base := filepath.Base(path)
	// A short name (SOFTWA~1) is the same entry as its long one.
	if p, err := windows.UTF16PtrFromString(extendedPath(path)); err == nil {
		buf := make([]uint16, windows.MAX_LONG_PATH)
		if n, err := windows.GetLongPathName(p, &buf[0], uint32(len(buf))); err == nil && int(n) < len(buf) {
			base = filepath.Base(windows.UTF16ToString(buf[:n]))
		}
	}
	return strings.TrimSuffix(final, `\`) + `\` + base, nil
}

// finalPathOf is GetFinalPathNameByHandle's \\?\ form of where h leads.
func finalPathOf(h windows.Handle) (string, error) {
	buf := make([]uint16, windows.MAX_PATH+8)
	for {
		n, err := windows.GetFinalPathNameByHandle(h, &buf[0], uint32(len(buf)), 0)
		if err != nil {
			return "", err
		}
		if int(n) < len(buf) {
			return windows.UTF16ToString(buf[:n]), nil
		}
		buf = make([]uint16, n+1) // n is the size it needs
	}
}

// removeTree checks (delete false) or deletes (delete true) path and what
// is under it. want is where path must lead (the final path of the folder
// above it and its name), or "" for a drive root.
func removeTree(path, want string, delete bool) error {
	e, err := openEntry(path, want)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // gone meanwhile
	}
	if err != nil {
		return err
	}
	defer windows.CloseHandle(e.h)
	if e.dir && !e.link {
		// List the folder through the handle that was checked, not by its
		// path again, which might lead elsewhere by now.
		names, err := e.list()
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := removeTree(filepath.Join(path, n), e.final+`\`+n, delete); err != nil {
				return err
			}
		}
	}
	if !delete {
		return nil
	}
	return e.remove()
}

// entry is one object of the tree, open for deletion without following a
// final reparse point.
type entry struct {
	path  string
	h     windows.Handle
	final string // GetFinalPathNameByHandle's \\?\ form
	attrs uint32 // as the handle has them
	dir   bool
	link  bool
	// listable: opened with FILE_LIST_DIRECTORY (not asked of links: the
	// compatibility junctions deny it, and a link is never listed).
	listable bool
}

func openEntry(path, want string) (*entry, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	attrs := fileAttributes(fi)
	name, err := windows.UTF16PtrFromString(extendedPath(path))
	if err != nil {
		return nil, &fs.PathError{Op: "remove", Path: path, Err: err}
	}
	// os.Lstat reads a reparse point's attributes through a handle, and
	// Wine answers that without the reparse bit for a Unix symbolic link
	// to a folder, where GetFileAttributes, by path, has it. Windows
	// answers both alike. Either saying "reparse point" is enough.
	if a, err := windows.GetFileAttributes(name); err == nil {
		attrs |= a & windows.FILE_ATTRIBUTE_REPARSE_POINT
	}
	access := uint32(windows.DELETE | windows.FILE_READ_ATTRIBUTES)
	if attrs&windows.FILE_ATTRIBUTE_READONLY != 0 {
		access |= windows.FILE_WRITE_ATTRIBUTES
	}
	listable := attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0 && attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0
	if listable {
		access |= windows.FILE_LIST_DIRECTORY
	}
	h, err := windows.CreateFile(name, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open for deletion", Path: path, Err: removeCause(err)}
	}
	e := &entry{path: path, h: h, listable: listable}
	if err := e.read(); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	e.dir = (attrs|e.attrs)&windows.FILE_ATTRIBUTE_DIRECTORY != 0
	e.link = (attrs|e.attrs)&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0
	switch {
	case e.link && e.attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0:
		// The path says link, the handle does not: the system opened the
		// target (Wine does, for a Unix symbolic link), and deleting through
		// the handle would delete the target.
		err = fmt.Errorf("it is a symbolic link or junction that this system opens as its target (%s), so it cannot be removed without harming the target; remove the link by hand", finalPath(e.final))
	case !e.link && want != "" && !strings.EqualFold(e.final, want):
		// Windows says no link, yet the path leads elsewhere: a link that
		// the system does not report as one (Wine: a Unix symbolic link to
		// a file), or a folder above swapped for a junction meanwhile.
		err = fmt.Errorf("it leads through a link to %s, not to %s", finalPath(e.final), finalPath(want))
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("refusing to delete %s: %w", path, err)
	}
	return e, nil
}

// read fills in what the handle says of the object.
func (e *entry) read() error {
	var bi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(e.h, &bi); err != nil {
		return &fs.PathError{Op: "read attributes", Path: e.path, Err: err}
	}
	e.attrs = bi.FileAttributes
	final, err := finalPathOf(e.h)
	if err != nil {
		return &fs.PathError{Op: "resolve", Path: e.path, Err: err}
	}
	e.final = final
	return nil
}

// list names what the folder holds.
func (e *entry) list() ([]string, error) {
	if !e.listable {
		return nil, fmt.Errorf("refusing to delete %s: it changed from a file to a folder during the delete", e.path)
	}
	// os.File lists a folder through any handle that may list it; it
	// gets a copy, since it closes what it holds.
	proc := windows.CurrentProcess()
	var dup windows.Handle
	if err := windows.DuplicateHandle(proc, e.h, proc, &dup, 0, false, windows.DUPLICATE_SAME_ACCESS); err != nil {
		return nil, &fs.PathError{Op: "list", Path: e.path, Err: err}
	}
	f := os.NewFile(uintptr(dup), e.path)
	defer f.Close()
	return f.Readdirnames(-1)
}

// fileBasicInfo is FILE_BASIC_INFO: zero times are left as they are.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}

// remove deletes the entry through its handle, which removes a link
// itself and never its target; a folder must be empty by then.
func (e *entry) remove() error {
	if e.attrs&windows.FILE_ATTRIBUTE_READONLY != 0 && !e.link {
		// Not a link's: a read-only link fails to delete, and says so.
		info := fileBasicInfo{FileAttributes: e.attrs &^ windows.FILE_ATTRIBUTE_READONLY}
		if info.FileAttributes == 0 {
			info.FileAttributes = windows.FILE_ATTRIBUTE_NORMAL // 0 would mean "no change"
		}
		if err := windows.SetFileInformationByHandle(e.h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
			return &fs.PathError{Op: "clear the read-only attribute of", Path: e.path, Err: removeCause(err)}
		}
	}
	del := uint32(1) // FILE_DISPOSITION_INFO.DeleteFile
	if err := windows.SetFileInformationByHandle(e.h, windows.FileDispositionInfo, (*byte)(unsafe.Pointer(&del)), uint32(unsafe.Sizeof(del))); err != nil {
		return &fs.PathError{Op: "remove", Path: e.path, Err: removeCause(err)}
	}
	return nil
}

// fileAttributes are the Win32 attributes that os.Lstat read.
func fileAttributes(fi fs.FileInfo) uint32 {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		return d.FileAttributes
	}
	var attrs uint32
	if fi.Mode()&fs.ModeSymlink != 0 {
		attrs |= windows.FILE_ATTRIBUTE_REPARSE_POINT
	}
	if fi.IsDir() {
		attrs |= windows.FILE_ATTRIBUTE_DIRECTORY
	}
	return attrs
}

// finalPath is a final path as a user writes it.
func finalPath(p string) string {
	if rest, ok := strings.CutPrefix(p, `\\?\UNC\`); ok {
		return `\\` + rest
	}
	return strings.TrimPrefix(p, `\\?\`)
}

// extendedPath gives a long absolute path the \\?\ prefix that lets the
// Win32 calls take it past MAX_PATH, as the os package does for its own.
func extendedPath(p string) string {
	if len(p) < 248 || strings.HasPrefix(p, `\\?\`) || !filepath.IsAbs(p) {
		return p
	}
	p = filepath.Clean(p)
	if rest, ok := strings.CutPrefix(p, `\\`); ok {
		return `\\?\UNC\` + rest
	}
	return `\\?\` + p
}

// removeCause turns a sharing violation, which the engine tells apart, into
// host's error. An access denied stays as it is: elevation does not always
// cure it (files of TrustedInstaller's, a file being deleted already).
func removeCause(err error) error {
	if err == windows.ERROR_SHARING_VIOLATION {
		return sysError{ErrSharingViolation, err}
	}
	return err
}
