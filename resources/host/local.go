package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// local is the machine wuplay runs on.
type local struct {
	localServices
	localRegistry
}

// Local returns the machine wuplay runs on.
func Local() Host { return local{} }

func (local) String() string { return "local" }

func (local) Where() (Place, error) {
	m, err := machine()
	return Place{Machine: m}, err
}

// StateDir is $WUPLAY_STATE_DIR if set, else the system's folder for
// program state: /var/lib/wuplay, or %ProgramData%\wuplay on Windows.
func (local) StateDir() (string, error) {
	if dir := os.Getenv("WUPLAY_STATE_DIR"); dir != "" {
		return dir, nil
	}
	return localStateDir()
}

func (local) Getenv(name string) (string, bool) { return os.LookupEnv(name) }

func (local) PathKey(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("path %q is not absolute", path)
	}
	return foldPath(filepath.Clean(path)), nil
}

func (local) Stat(path string) (PathInfo, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return PathInfo{}, nil
	}
	if err != nil {
		return PathInfo{}, err
	}
	return pathInfo(path, fi), nil
}

// pathInfo is what Lstat's fi says of path.
func pathInfo(path string, fi fs.FileInfo) PathInfo {
	link := isLink(path, fi)
	return PathInfo{Exists: true, IsDir: fi.IsDir() && !link, Link: link, Size: fi.Size(), ModTime: fi.ModTime(), Links: hardLinks(fi)}
}

func (local) Volume(path string) (string, error) { return localVolume(path) }

func (local) Resolve(path string) (string, error) {
	// Resolve the longest part of the path that exists; the rest cannot
	// hold a link.
	dir, rest := filepath.Clean(path), ""
	for {
		if _, err := os.Lstat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return path, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
	resolved, err := resolveLinks(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(resolved, rest), nil
}

func (local) Holders(string) []string { return nil }

func (local) Glob(dir, pattern string) ([]DirEntry, error) {
	return globOS(func() ([]fs.DirEntry, error) { return os.ReadDir(dir) }, pattern, func(name string) string { return foldPath(name) },
		func(name string) string { return filepath.Join(dir, name) })
}

// globOS lists the entries that readDir reads of a folder that match
// pattern after fold, and names them with join.
func globOS(readDir func() ([]fs.DirEntry, error), pattern string, fold, join func(string) string) ([]DirEntry, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	ents, err := readDir()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []DirEntry
	for _, e := range ents {
		if ok, _ := path.Match(fold(pattern), fold(e.Name())); !ok {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		link := isLink(join(e.Name()), fi)
		out = append(out, DirEntry{Path: join(e.Name()), IsDir: fi.IsDir() && !link, Link: link})
	}
	return out, nil
}

// Protected judges the path as PathKey spells it, so that C:/Windows,
// C:\Windows\. and /etc/ are C:\Windows and /etc.
func (l local) Protected(path string) string {
	key, err := l.PathKey(path)
	if err != nil {
		return ""
	}
	return localProtected(key)
}

func (local) ReadFile(path string) ([]byte, error) { return ReadFileMax(path, MaxReadFile) }

func (local) WriteFile(path string, data []byte) error { return WriteFileAtomic(path, data) }

func (local) MkdirAll(path string) error { return os.MkdirAll(path, 0o755) }

func (local) Rename(from, to string) error { return rename(from, to) }

func (local) RemoveAll(path string) error { return removeAll(path) }

// WriteFileAtomic writes data to a temporary file beside path and renames it
// into place, so that a crash leaves either the old file or the new one. A
// file it replaces keeps its mode, owner and group (on Windows, through
// ReplaceFile, its attributes and ACL); a new one is 0644. Other hard links
// to the old file keep the old content.
func WriteFileAtomic(path string, data []byte) error {
	old, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return err
	case !old.Mode().IsRegular():
		old = nil // a link or special file is replaced, not followed
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil && old != nil {
		err = keepMeta(f, path, old)
	} else if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync() // the content and the mode and owner
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = replace(tmp, path, old)
	}
	if err != nil {
		os.Remove(tmp)
		return &fs.PathError{Op: "write", Path: path, Err: cause(err)}
	}
	return nil
}
