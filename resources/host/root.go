package host

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// A simulated host does every file operation through an os.Root, and the
// lock through one on its folder: below a Root the OS itself refuses a
// link that leads out, even one swapped in after wuplay looked. What this
// file adds is the user's words for such a link, found before anything is
// tried, and an atomic write that stays inside a Root.

// LinkOutError is a path that leads through a symbolic link out of the
// folder it must stay in.
type LinkOutError struct {
	Link   string // the link, as a path on this machine
	Folder string // the folder it leads out of
	// Target is where the link leads, found without reading anything
	// outside Folder.
	Target string
}

func (e *LinkOutError) Error() string {
	return fmt.Sprintf("it leads through the symbolic link %s out of %s, to %s; wuplay follows no link out of it", e.Link, e.Folder, e.Target)
}

// maxLinks is os.Root's own limit of links in one name.
const maxLinks = 8

// resolveIn finds parts (the components of a name below root) as the OS
// would, with match(dir, part) giving the spelling that part has in folder
// dir. It follows every symbolic link on the way that stays inside root,
// and the last component too if follow is set. A link that leads out, or
// an absolute one (which would not move with the folder), is a
// *LinkOutError. The name it returns, slash-separated, holds no link but
// (unless follow) its last component; should the tree change before it is
// used, root still refuses to leave the folder.
func resolveIn(root *os.Root, parts []string, follow bool, match func(dir, part string) string) (string, error) {
	at := []string{"."} // resolved components: folders, never links
	links := 0
	for len(parts) > 0 {
		part := parts[0]
		parts = parts[1:]
		if part == "" || part == "." {
			continue
		}
		dir := path.Join(at...)
		name := part
		if match != nil {
			name = match(dir, part)
		}
		cur := path.Join(dir, name)
		fi, err := root.Lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 || len(parts) == 0 && !follow {
			at = append(at, name)
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: more than %d symbolic links in a row", filepath.Join(root.Name(), cur), maxLinks)
		}
		target, err := root.Readlink(cur)
		if err != nil {
			return "", err
		}
		// The components of at are folders, so ".." in the target may be
		// resolved by name.
		full := path.Join(dir, filepath.ToSlash(target))
		if filepath.IsAbs(target) || filepath.VolumeName(target) != "" || full == ".." || strings.HasPrefix(full, "../") {
			out := &LinkOutError{Link: filepath.Join(root.Name(), cur), Folder: root.Name(), Target: target}
			if !filepath.IsAbs(target) {
				out.Target = filepath.Join(root.Name(), full)
			}
			return "", out
		}
		at, parts = []string{"."}, append(strings.Split(full, "/"), parts...)
	}
	return path.Join(at...), nil
}

// writeFileAtomicIn writes data to a temporary file beside name in root
// and renames it into place, so that a crash leaves either the old file or
// the new one. The rename replaces a link at name; it never writes through
// one.
func writeFileAtomicIn(root *os.Root, name string, data []byte) error {
	var tmp string
	var f *os.File
	var err error
	for range 100 { // as os.CreateTemp tries
		var b [8]byte
		rand.Read(b[:])
		tmp = path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(b[:])+".tmp")
		// O_EXCL creates a new file: it never opens one, nor a link.
		if f, err = root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		root.Remove(tmp)
	}
	return err
}
