package playtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/wuplay/wuplay/resources/host"
)

// Limits of a host folder that a test copies: a test file may name any
// folder, and a test host is small.
const (
	maxHostEntries = 100_000
	maxHostBytes   = 8 << 30 // what the files say they hold; runs of zeros (a capture's) are not written
)

// copyHost copies the simulated host in src to dst, which it creates. It
// reads src only through a root on it: a link inside src is copied as a
// link, never followed, and the simulated host refuses to follow it out
// of the copy. Nothing but files, folders and links is copied.
func copyHost(src, dst string) error {
	fi, err := os.Lstat(filepath.Join(src, "host.yaml"))
	switch {
	case err != nil:
		return fmt.Errorf("%s is not a simulated host: %w", src, cause(err))
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a simulated host: its host.yaml is not a file", src)
	}
	root, err := os.OpenRoot(src)
	if err != nil {
		return fmt.Errorf("host %s: %w", src, cause(err))
	}
	defer root.Close()
	entries, total := 0, int64(0)
	return fs.WalkDir(root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("host %s: %w", src, err)
		}
		if entries++; entries > maxHostEntries {
			return fmt.Errorf("host %s: over %d files and folders; a test's host is small", src, maxHostEntries)
		}
		to := filepath.Join(dst, filepath.FromSlash(rel))
		switch t := d.Type(); {
		case t.IsDir():
			return os.Mkdir(to, 0o755)
		case t&fs.ModeSymlink != 0:
			target, err := root.Readlink(rel)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if total += info.Size(); total > maxHostBytes {
				return fmt.Errorf("host %s: its files hold over %d GiB; a test's host is small", src, maxHostBytes>>30)
			}
			return copyFile(root, rel, to)
		}
		return fmt.Errorf("host %s: %s is neither a file, a folder nor a link", src, rel)
	})
}

// copyFile copies a regular file, leaving holes where the source has
// runs of zeros, as a capture's files without content are.
func copyFile(root *os.Root, rel, to string) error {
	in, err := root.Open(rel)
	if err != nil {
		return err
	}
	defer in.Close()
	if fi, err := in.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is no longer a file", rel)
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	var size int64
	buf := make([]byte, 64<<10)
	zero := make([]byte, len(buf))
	for err == nil {
		var n int
		n, err = in.Read(buf)
		switch {
		case n == 0:
		case bytes.Equal(buf[:n], zero[:n]):
			_, err = out.Seek(int64(n), io.SeekCurrent)
		default:
			_, err = out.Write(buf[:n])
		}
		size += int64(n)
		if errors.Is(err, io.EOF) {
			err = out.Truncate(size)
			break
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeInline writes a host that the test file writes out: host.yaml's
// keys, and files (path: content) and folders (a list of paths) for its
// drives, written through the simulated host itself, so that no path
// leaves its drive folder.
func writeInline(v cty.Value, dst string) error {
	if err := os.MkdirAll(filepath.Join(dst, "drive", "c"), 0o755); err != nil {
		return err
	}
	// The drives first, under an empty host.yaml: a file that a running
	// service holds could not be written otherwise.
	if err := os.WriteFile(filepath.Join(dst, "host.yaml"), []byte("{}\n"), 0o644); err != nil {
		return err
	}
	sim, err := host.OpenSim(dst)
	if err != nil {
		return err
	}
	rest := map[string]cty.Value{}
	for k, val := range v.AsValueMap() {
		switch k {
		case "folders":
			if !val.CanIterateElements() {
				return errors.New("folders is a list of paths, such as C:\\Windows\\SDTemp")
			}
			for _, p := range val.AsValueSlice() {
				if p.Type() != cty.String {
					return errors.New("folders is a list of paths, such as C:\\Windows\\SDTemp")
				}
				if err := sim.MkdirAll(p.AsString()); err != nil {
					return err
				}
			}
		case "files":
			if !val.CanIterateElements() || val.Type().IsListType() || val.Type().IsTupleType() {
				return errors.New("files is a mapping from paths to contents")
			}
			m := val.AsValueMap()
			for _, p := range slices.Sorted(maps.Keys(m)) {
				if m[p].Type() != cty.String {
					return fmt.Errorf("files: %s: the content is a string", p)
				}
				if i := strings.LastIndexAny(p, `\/`); i > 2 {
					if err := sim.MkdirAll(p[:i]); err != nil {
						return err
					}
				}
				if err := sim.WriteFile(p, []byte(m[p].AsString())); err != nil {
					return err
				}
			}
		default:
			rest[k] = val
		}
	}
	obj := cty.EmptyObjectVal
	if len(rest) > 0 {
		obj = cty.ObjectVal(rest)
	}
	// JSON is YAML: host.yaml as the simulated host reads it, checked by
	// it at the first step.
	data, err := ctyjson.Marshal(obj, obj.Type())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "host.yaml"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	_, err = host.OpenSim(dst)
	return err
}

// cause strips the file name that the os package put in err.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
