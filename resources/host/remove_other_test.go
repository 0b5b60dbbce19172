//go:build !windows

package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// swapForLink moves folder dir aside and puts a link to target in its place.
func swapForLink(t *testing.T, dir, target string) {
	t.Helper()
	must(t, os.Rename(dir, dir+".old"))
	must(t, os.Symlink(target, dir))
}

// A folder above the path, read as a folder, then swapped for a link to
// another folder before the delete or rename: nothing behind the link is
// deleted or moved, and nothing is moved into it.
func TestLocalParentSwappedForALink(t *testing.T) {
	for name, op := range map[string]func(base string) error{
		"delete": func(base string) error { return Local().RemoveAll(filepath.Join(base, "parent", "sub")) },
		"rename from": func(base string) error {
			return Local().Rename(filepath.Join(base, "parent", "sub"), filepath.Join(base, "moved"))
		},
		"rename to": func(base string) error {
			must(t, os.Mkdir(filepath.Join(base, "mine"), 0o755))
			return Local().Rename(filepath.Join(base, "mine"), filepath.Join(base, "parent", "mine"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			v, was := victim(t)
			must(t, os.MkdirAll(filepath.Join(base, "parent", "sub"), 0o755))
			p := filepath.Join(base, "parent", "sub")
			if r, err := Local().Resolve(p); err != nil || r != p {
				t.Fatalf("Resolve(%s) = %q, %v; want no link", p, r, err)
			}
			swapForLink(t, filepath.Join(base, "parent"), v)
			err := op(base)
			if err == nil || !strings.Contains(err.Error(), "parent is a symbolic link (to "+v+") now") {
				t.Errorf("got %v, want the link refused", err)
			}
			if diff := cmp.Diff(was, listing(t, v)); diff != "" {
				t.Errorf("the folder behind the link changed (-was +now):\n%s", diff)
			}
		})
	}
}

// The same swap in the moment between the check of a folder on the way
// and its opening, to a link that stays in the folder above it.
func TestLocalParentSwappedWhileOpened(t *testing.T) {
	base := t.TempDir()
	v := filepath.Join(base, "victim")
	must(t, os.MkdirAll(filepath.Join(v, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(v, "sub", "precious.txt"), []byte("do not lose me"), 0o644))
	was := listing(t, v)
	parent := filepath.Join(base, "parent")
	must(t, os.MkdirAll(filepath.Join(parent, "sub"), 0o755))
	beforeOpenDir = func(dir string) {
		if dir == parent {
			swapForLink(t, parent, "victim")
		}
	}
	defer func() { beforeOpenDir = func(string) {} }()
	err := Local().RemoveAll(filepath.Join(parent, "sub"))
	if err == nil || !strings.Contains(err.Error(), parent+" was replaced while wuplay opened it") {
		t.Errorf("got %v, want the swap refused", err)
	}
	if diff := cmp.Diff(was, listing(t, v)); diff != "" {
		t.Errorf("the folder behind the link changed (-was +now):\n%s", diff)
	}
}

// What the plan allowed still works: a tree with a link inside goes, the
// link with it and not what it points to; a rename moves a folder to
// another folder; a missing path is no error.
func TestLocalDeleteAndRename(t *testing.T) {
	base := t.TempDir()
	v, was := victim(t)
	tree := filepath.Join(base, "a", "tree")
	must(t, os.MkdirAll(filepath.Join(tree, "sub"), 0o755))
	must(t, os.Symlink(v, filepath.Join(tree, "sub", "link")))
	must(t, os.MkdirAll(filepath.Join(base, "b"), 0o755))
	must(t, Local().Rename(tree, filepath.Join(base, "b", "tree")))
	if err := Local().Rename(filepath.Join(base, "b"), filepath.Join(base, "a")); err == nil {
		t.Error("rename onto a folder that exists: no error")
	}
	must(t, Local().RemoveAll(filepath.Join(base, "b", "tree")))
	must(t, Local().RemoveAll(filepath.Join(base, "missing", "x")))
	if ents, err := os.ReadDir(filepath.Join(base, "b")); err != nil || len(ents) != 0 {
		t.Errorf("b holds %v (%v), want nothing", ents, err)
	}
	if diff := cmp.Diff(was, listing(t, v)); diff != "" {
		t.Errorf("the folder behind the link changed (-was +now):\n%s", diff)
	}
}
