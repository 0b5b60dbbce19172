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
	link := isLink(path, fi)
	return PathInfo{Exists: true, IsDir: fi.IsDir() && !link, Link: link, Size: fi.Size(), ModTime: fi.ModTime()}, nil
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
	return globOS(dir, pattern, func(name string) string { return foldPath(name) }, func(name string) string {
		return filepath.Join(dir, name)
	})
}

// globOS lists the entries of the folder dir (in the OS's syntax) that
// match pattern after fold, and names them with join.
func globOS(dir, pattern string, fold, join func(string) string) ([]DirEntry, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	ents, err := os.ReadDir(dir)
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

func (local) Protected(path string) string { return localProtected(filepath.Clean(path)) }

func (local) ReadFile(path string) ([]byte, error) { return ReadFileMax(path, MaxReadFile) }

func (local) WriteFile(path string, data []byte) error { return WriteFileAtomic(path, data) }

func (local) MkdirAll(path string) error { return os.MkdirAll(path, 0o755) }

func (local) Rename(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: ErrAlreadyExists}
	}
	return os.Rename(from, to)
}

func (local) RemoveAll(path string) error { return removeAll(path) }

// WriteFileAtomic writes data to a temporary file beside path and renames it
// into place, so that a crash leaves either the old file or the new one.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
