//go:build !windows

package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// removeAll deletes p and everything under it relative to the folder that
// holds p, opened by openParent: a folder above p swapped for a link since
// the plan read it is refused, not followed. Below p, os.Root's RemoveAll
// removes a link in the tree and never what it points to.
func removeAll(p string) error {
	dir, base, err := openParent(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("refusing to delete %s: %w", p, err)
	}
	defer dir.Close()
	if err := dir.RemoveAll(base); err != nil {
		return &fs.PathError{Op: "remove", Path: p, Err: cause(err)}
	}
	return nil
}

// rename renames from to to relative to the folders that hold them, opened
// by openParent, so that neither a folder swapped for a link moves what
// is behind the link nor lands it there.
func rename(from, to string) error {
	fail := func(err error) error { return &os.LinkError{Op: "rename", Old: from, New: to, Err: err} }
	fdir, fbase, err := openParent(from)
	if err != nil {
		return fail(err)
	}
	defer fdir.Close()
	tdir, tbase, err := openParent(to)
	if err != nil {
		return fail(err)
	}
	defer tdir.Close()
	if _, err := tdir.Lstat(tbase); err == nil {
		return fail(ErrAlreadyExists)
	}
	// os.Root renames within one root; renameat takes the two folders.
	f, err := fdir.Open(".")
	if err != nil {
		return fail(cause(err))
	}
	defer f.Close()
	t, err := tdir.Open(".")
	if err != nil {
		return fail(cause(err))
	}
	defer t.Close()
	if err := unix.Renameat(int(f.Fd()), fbase, int(t.Fd()), tbase); err != nil {
		return fail(err)
	}
	return nil
}

// beforeOpenDir is called between checking a folder on the way to a path
// and opening it: tests swap the folder for a link there.
var beforeOpenDir = func(dir string) {}

// openParent opens the folder that holds p, from / (or, for a relative p,
// the working folder) down, one folder at a time, and returns it with p's
// last component. Every folder on the way must be a folder and no link,
// and still be the one it was checked to be once opened: what the plan
// read had no link (a path through one is refused then), so a link now is
// a swap, and following it would reach whatever it points to.
func openParent(p string) (*os.Root, string, error) {
	p = filepath.Clean(p)
	at, base := filepath.Split(p)
	if base == "" || base == "." || base == ".." {
		return nil, "", fmt.Errorf("%s names no entry of a folder", p)
	}
	start := "."
	if filepath.IsAbs(p) {
		start = "/"
	}
	dir, err := os.OpenRoot(start)
	if err != nil {
		return nil, "", err
	}
	walked := start
	for _, part := range strings.Split(at, "/") {
		if part == "" {
			continue
		}
		next, err := openChild(dir, part, filepath.Join(walked, part))
		dir.Close()
		if err != nil {
			return nil, "", err
		}
		dir, walked = next, filepath.Join(walked, part)
	}
	return dir, base, nil
}

// openChild opens folder name of dir, which is at on this machine.
func openChild(dir *os.Root, name, at string) (*os.Root, error) {
	fi, err := dir.Lstat(name)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: at, Err: cause(err)}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, _ := dir.Readlink(name)
		return nil, fmt.Errorf("%s is a symbolic link (to %s) now; wuplay never deletes or renames through one", at, target)
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: at, Err: unix.ENOTDIR}
	}
	beforeOpenDir(at)
	child, err := dir.OpenRoot(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: at, Err: cause(err)}
	}
	if now, err := child.Stat("."); err != nil || !os.SameFile(fi, now) {
		child.Close()
		return nil, fmt.Errorf("%s was replaced while wuplay opened it; wuplay never deletes or renames through a folder that changes under it", at)
	}
	return child, nil
}
