package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxReadFile bounds what a host's ReadFile returns (the file fact, the
// file resource's checksum): a file is read into memory whole.
const MaxReadFile = 64 << 20

// ErrNotRegular is the cause of a refused read of a named pipe, a device,
// a socket or a folder: reading one could block forever or never end.
var ErrNotRegular = errors.New("not a regular file (a named pipe, device, socket or folder)")

// ReadFileMax reads the regular file at path, if it holds at most max
// bytes. It is how wuplay reads every document (playbooks, variable files,
// plans, results, host.yaml, arguments) and the host's files: a path that
// names a pipe or a device fails at once, never blocks, and a file that
// grows while it is read is cut off at max+1 bytes and refused. Errors are
// *fs.PathError, so errors.Is(err, fs.ErrNotExist) holds for a missing
// file.
func ReadFileMax(path string, max int64) ([]byte, error) {
	return readFileMax(osFiles{}, path, max)
}

// readFileMaxIn reads name in root as ReadFileMax reads a path: a simulated
// host's files and host.yaml.
func readFileMaxIn(root *os.Root, name string, max int64) ([]byte, error) {
	return readFileMax(root, name, max)
}

// files is where readFileMax opens a name: the file system, or an
// os.Root in it.
type files interface {
	Stat(name string) (fs.FileInfo, error)
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
}

type osFiles struct{}

func (osFiles) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (osFiles) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

func readFileMax(in files, path string, max int64) ([]byte, error) {
	// Stat first, so that a device or a pipe is not even opened (opening
	// some has effects: a tape rewinds, a pipe's server sees a client).
	fi, err := in.Stat(path)
	if pe, ok := err.(*fs.PathError); ok {
		pe.Op = "open" // what the user asked for, as os.ReadFile says
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	// The path may be swapped for a pipe between the Stat and the open:
	// O_NONBLOCK opens a pipe without waiting for a writer (on Windows it
	// is ignored), and the opened file is checked again.
	f, err := in.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	tooLarge := &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: over %s", ErrTooLarge, sizeText(max))}
	if fi.Size() > max {
		tooLarge.Err = fmt.Errorf("%w: %s, over %s", ErrTooLarge, sizeText(fi.Size()), sizeText(max))
		return nil, tooLarge
	}
	// Size may be 0 (files of /proc) or stale: read up to one byte past max.
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > max {
		return nil, tooLarge
	}
	return data, nil
}

// ErrTooLarge is the cause of a refused read of a file over its limit.
var ErrTooLarge = errors.New("too large")

// sizeText says a size in the unit that reads best.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
