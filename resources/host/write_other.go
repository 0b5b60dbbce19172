//go:build !windows

package host

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// hardLinks counts the names of the file that fi describes.
func hardLinks(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Nlink)
	}
	return 0
}

// keepMeta gives tmp, which is to replace the file at path that old
// describes, old's owner, group and mode. Without root, a file of another
// owner cannot be replaced keeping its owner: that fails, before the
// replacement. Extended attributes and ACLs are not copied.
func keepMeta(tmp *os.File, path string, old fs.FileInfo) error {
	st := old.Sys().(*syscall.Stat_t)
	// Owner first: chown clears the set-user-ID and set-group-ID bits.
	if err := tmp.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("%s: cannot keep its owner (uid %d, gid %d) in the new file: %w", path, st.Uid, st.Gid, err)
	}
	return tmp.Chmod(old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
}

// replace puts the file tmp in the place of path.
func replace(tmp, path string, _ fs.FileInfo) error { return os.Rename(tmp, path) }
