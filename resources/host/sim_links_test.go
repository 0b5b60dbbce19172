package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// victim makes a folder outside every simulated host, for links to lead
// to, and returns it with a listing of what it holds.
func victim(t *testing.T) (dir string, was map[string]string) {
	dir = t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("do not lose me"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "deep.txt"), []byte("nor me"), 0o644))
	return dir, listing(t, dir)
}

// listing is every entry under dir with its type and, for a file, a digest
// of its bytes.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = d.Type().String()
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		return nil
	}))
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// simDir makes a simulated host's folder with drive C: holding Windows.
func simDir(t *testing.T) string {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "drive", "c", "Windows"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "host.yaml"), []byte("env: {windir: C:\\Windows}\n"), 0o644))
	return dir
}

func openSim(t *testing.T, dir string) *Sim {
	t.Helper()
	s, err := OpenSim(dir)
	must(t, err)
	return s
}

func TestSimFollowsNoLinkOut(t *testing.T) {
	for name, tt := range map[string]struct {
		// link makes, in the host's folder dir, the links of the case to
		// victim.
		link func(t *testing.T, dir, victim string)
		op   func(s *Sim) error
	}{
		"file written through an absolute link": {
			link: linkAt(`drive/c/Out`, ""),
			op:   func(s *Sim) error { return s.WriteFile(`C:\Out\new.txt`, []byte("x")) },
		},
		"file written over a file through a relative link": {
			link: relLinkAt(`drive/c/Windows/Temp`),
			op:   func(s *Sim) error { return s.WriteFile(`C:\WINDOWS\temp\precious.txt`, []byte("x")) },
		},
		"folder created through a link": {
			link: linkAt(`drive/c/Out`, ""),
			op:   func(s *Sim) error { return s.MkdirAll(`C:\Out\sub\new`) },
		},
		"folder created at a link": {
			link: linkAt(`drive/c/Out`, ""),
			op:   func(s *Sim) error { return s.MkdirAll(`C:\Out`) },
		},
		"drive d a link": {
			link: linkAt(`drive/d`, ""),
			op:   func(s *Sim) error { return s.WriteFile(`D:\precious.txt`, []byte("x")) },
		},
		"link to a link out": {
			link: func(t *testing.T, dir, victim string) {
				linkAt(`drive/c/Out`, "")(t, dir, victim)
				must(t, os.Symlink("Out/sub", filepath.Join(dir, "drive", "c", "Inner")))
			},
			op: func(s *Sim) error { return s.WriteFile(`C:\Inner\deep.txt`, []byte("x")) },
		},
		"delete through a link": {
			link: linkAt(`drive/c/Out`, ""),
			op:   func(s *Sim) error { return s.RemoveAll(`C:\Out\sub`) },
		},
		"rename through a link": {
			link: linkAt(`drive/c/Out`, ""),
			op:   func(s *Sim) error { return s.Rename(`C:\Out\sub`, `C:\Taken`) },
		},
		"rename into a link": {
			link: func(t *testing.T, dir, victim string) {
				linkAt(`drive/c/Out`, "")(t, dir, victim)
				must(t, os.Mkdir(filepath.Join(dir, "drive", "c", "Mine"), 0o755))
			},
			op: func(s *Sim) error { return s.Rename(`C:\Mine`, `C:\Out\sub\Mine`) },
		},
		"glob through a link": {
			link: linkAt(`drive/c/Out`, ""),
			op: func(s *Sim) error {
				_, err := s.Glob(`C:\Out`, "*")
				return err
			},
		},
		"stat through a link": {
			link: linkAt(`drive/c/Out`, ""),
			op: func(s *Sim) error {
				_, err := s.Stat(`C:\Out\precious.txt`)
				return err
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := simDir(t)
			v, was := victim(t)
			tt.link(t, dir, v)
			err := tt.op(openSim(t, dir))
			if out := (*LinkOutError)(nil); !errors.As(err, &out) {
				t.Errorf("got %v, want a link out refused", err)
			}
			if diff := cmp.Diff(was, listing(t, v)); diff != "" {
				t.Errorf("the folder outside changed (-was +now):\n%s", diff)
			}
		})
	}
}

// linkAt makes the link at rel (slash-separated, in the host's folder) to
// the victim, or to the file name in it.
func linkAt(rel, name string) func(t *testing.T, dir, victim string) {
	return func(t *testing.T, dir, victim string) {
		must(t, os.Symlink(filepath.Join(victim, name), filepath.Join(dir, filepath.FromSlash(rel))))
	}
}

// relLinkAt makes the link at rel to the victim by a relative path, as a
// folder copied with its links might hold one.
func relLinkAt(rel string) func(t *testing.T, dir, victim string) {
	return func(t *testing.T, dir, victim string) {
		at := filepath.Join(dir, filepath.FromSlash(rel))
		target, err := filepath.Rel(filepath.Dir(at), victim)
		must(t, err)
		must(t, os.Symlink(target, at))
	}
}

// A link at the path itself is a link: a delete removes it, a write
// replaces it, neither reaches what it points to.
func TestSimLinkOutAtThePathIsALink(t *testing.T) {
	dir := simDir(t)
	v, was := victim(t)
	linkAt(`drive/c/Out`, "")(t, dir, v)
	linkAt(`drive/c/file.txt`, "precious.txt")(t, dir, v)
	s := openSim(t, dir)
	for _, p := range []string{`C:\Out`, `C:\file.txt`} {
		if fi, err := s.Stat(p); err != nil || !fi.Link {
			t.Errorf("Stat(%s) = %+v, %v; want a link", p, fi, err)
		}
		if r, err := s.Resolve(p); err != nil || !strings.HasSuffix(r, "(outside the simulated drives)") || !strings.HasPrefix(r, v) {
			t.Errorf("Resolve(%s) = %q, %v; want %s... outside", p, r, err, v)
		}
	}
	must(t, s.WriteFile(`C:\file.txt`, []byte("mine")))
	must(t, s.RemoveAll(`C:\Out`))
	if data, err := os.ReadFile(filepath.Join(dir, "drive", "c", "file.txt")); string(data) != "mine" {
		t.Errorf("C:\\file.txt holds %q (%v), want what was written", data, err)
	}
	if diff := cmp.Diff(was, listing(t, v)); diff != "" {
		t.Errorf("the folder outside changed (-was +now):\n%s", diff)
	}
}

// A folder handed over for review may have host.yaml, its drive folder or
// its lock lead out of it.
func TestSimFolderLinksOut(t *testing.T) {
	for name, link := range map[string]func(t *testing.T, dir, victim string){
		"host.yaml": func(t *testing.T, dir, victim string) {
			must(t, os.Remove(filepath.Join(dir, "host.yaml")))
			linkAt("host.yaml", "precious.txt")(t, dir, victim)
		},
		"drive": func(t *testing.T, dir, victim string) {
			must(t, os.RemoveAll(filepath.Join(dir, "drive")))
			linkAt("drive", "")(t, dir, victim)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := simDir(t)
			v, was := victim(t)
			link(t, dir, v)
			_, err := OpenSim(dir)
			if out := (*LinkOutError)(nil); !errors.As(err, &out) {
				t.Errorf("got %v, want a link out refused", err)
			}
			if diff := cmp.Diff(was, listing(t, v)); diff != "" {
				t.Errorf("the folder outside changed (-was +now):\n%s", diff)
			}
		})
	}
	t.Run("lock", func(t *testing.T) {
		dir := simDir(t)
		v, was := victim(t)
		s := openSim(t, dir)
		linkAt("wuplay.lock", "precious.txt")(t, dir, v)
		_, err := Lock(context.Background(), s, "test", 0, nil)
		if err == nil || !strings.Contains(err.Error(), "the lock file is a symbolic link") {
			t.Errorf("got %v, want the link refused", err)
		}
		if diff := cmp.Diff(was, listing(t, v)); diff != "" {
			t.Errorf("the folder outside changed (-was +now):\n%s", diff)
		}
	})
}

// A link inside the drives that stays inside them is followed, as Windows
// follows a junction; Resolve says where it leads, so that a plan refuses
// to delete through it.
func TestSimFollowsLinksInside(t *testing.T) {
	dir := simDir(t)
	must(t, os.Symlink("Windows", filepath.Join(dir, "drive", "c", "Alias")))
	must(t, os.Symlink("../c/Windows", filepath.Join(dir, "drive", "c", "Up")))
	s := openSim(t, dir)
	must(t, s.WriteFile(`C:\alias\note.txt`, []byte("hi")))
	if data, err := os.ReadFile(filepath.Join(dir, "drive", "c", "Windows", "note.txt")); string(data) != "hi" {
		t.Errorf("C:\\Windows\\note.txt holds %q (%v), want what was written through the link", data, err)
	}
	for p, want := range map[string]string{
		`C:\Alias\note.txt`: `C:\Windows\note.txt`,
		`C:\Up\new\x`:       `C:\Windows\new\x`,
		`c:\windows`:        `C:\Windows`,
	} {
		if got, err := s.Resolve(p); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %s", p, got, err, want)
		}
	}
}

// A folder swapped for a link out after wuplay read it is not followed:
// the check above is made again, and os.Root refuses what slips past it.
func TestSimFolderSwappedForALinkOut(t *testing.T) {
	dir := simDir(t)
	v, was := victim(t)
	data := filepath.Join(dir, "drive", "c", "Data")
	must(t, os.MkdirAll(filepath.Join(data, "sub"), 0o755))
	s := openSim(t, dir)
	if fi, err := s.Stat(`C:\Data\sub`); err != nil || !fi.IsDir {
		t.Fatalf("Stat = %+v, %v; want a folder", fi, err)
	}
	must(t, os.Rename(data, data+".old"))
	must(t, os.Symlink(v, data))
	for _, op := range []func() error{
		func() error { return s.RemoveAll(`C:\Data\sub`) },
		func() error { return s.WriteFile(`C:\Data\precious.txt`, nil) },
		func() error { return s.Rename(`C:\Data\sub`, `C:\Sub`) },
	} {
		if err := op(); err == nil {
			t.Error("an operation through the link succeeded")
		}
	}
	if diff := cmp.Diff(was, listing(t, v)); diff != "" {
		t.Errorf("the folder outside changed (-was +now):\n%s", diff)
	}
}

// Links that lead to each other end in an error, not a hang.
func TestSimLinkLoop(t *testing.T) {
	dir := simDir(t)
	must(t, os.Symlink("B", filepath.Join(dir, "drive", "c", "A")))
	must(t, os.Symlink("A", filepath.Join(dir, "drive", "c", "B")))
	s := openSim(t, dir)
	if err := s.WriteFile(`C:\A\x.txt`, nil); err == nil || !strings.Contains(err.Error(), "more than 8 symbolic links in a row") {
		t.Errorf("got %v, want too many links", err)
	}
}
