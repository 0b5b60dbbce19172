//go:build !windows

package host

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFileAtomicKeepsModeAndOwner(t *testing.T) {
	for name, tc := range map[string]struct {
		mode     fs.FileMode // of the file replaced; 0: there is none
		uid, gid int         // chowned to, as root
		want     fs.FileMode
	}{
		"new file":                {want: 0o644},
		"private file":            {mode: 0o600, want: 0o600},
		"executable":              {mode: 0o750, want: 0o750},
		"setgid":                  {mode: 0o755 | fs.ModeSetgid, want: 0o755 | fs.ModeSetgid},
		"another user's, as root": {mode: 0o640, uid: 1234, gid: 5678, want: 0o640},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.uid != 0 && os.Geteuid() != 0 {
				t.Skip("giving a file to another user needs root")
			}
			path := filepath.Join(t.TempDir(), "app.conf")
			if tc.mode != 0 {
				if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if tc.uid != 0 {
					if err := os.Chown(path, tc.uid, tc.gid); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chmod(path, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, []byte("new\n")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() &^ fs.ModeType; got != tc.want {
				t.Errorf("mode %v, want %v", got, tc.want)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if tc.uid != 0 && (int(st.Uid) != tc.uid || int(st.Gid) != tc.gid) {
				t.Errorf("owner %d:%d, want %d:%d", st.Uid, st.Gid, tc.uid, tc.gid)
			}
			if data, _ := os.ReadFile(path); string(data) != "new\n" {
				t.Errorf("content %q", data)
			}
		})
	}
}
