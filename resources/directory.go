package resources

import (
	"context"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// Directory keeps a folder present, empty (its contents deleted, the
// folder kept) or absent. An absent folder with RenameTo is moved aside
// rather than deleted, as KB procedures do to keep the old tree; IfExists
// says what to do when the destination exists from an earlier run.
type Directory struct {
	Path           string
	State          string // present, empty or absent
	RenameTo       string
	IfExists       string // fail, rotate or replace
	AllowProtected bool
}

// pathAttr and allowProtectedAttr are the attributes of every type that
// changes a path.
var (
	pathAttr           = Attribute{Name: "path", Type: cty.String, Required: true, Doc: "Such as `C:\\Windows\\SDTemp` or `/var/tmp/x`."}
	allowProtectedAttr = Attribute{Name: "allow_protected", Type: cty.Bool,
		Doc: "Allow a delete, empty or rename of a protected path (the Windows folder, a profile root...); links and `..` are refused even so."}
)

func init() {
	register(&Type{
		Name: "directory",
		Doc:  "Keeps a folder present, empty or absent; an absent folder may be moved aside rather than deleted.",
		Schema: Schema{
			pathAttr,
			{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Allowed: []string{"present", "empty", "absent"},
				Doc: "`empty` deletes the contents and keeps the folder."},
			{Name: "rename_to", Type: cty.String, Doc: "Move the folder here instead of deleting it (needs `state = \"absent\"`)."},
			{Name: "if_exists", Type: cty.String, Default: cty.StringVal("fail"), Allowed: []string{"fail", "rotate", "replace"},
				Doc: "When `rename_to` exists: fail; rotate to the first free `NAME.1`, `NAME.2`...; or replace it."},
			allowProtectedAttr,
		},
		Decode: func(a *Attrs) Resource {
			d := &Directory{
				Path:           a.String("path"),
				State:          a.String("state"),
				RenameTo:       a.String("rename_to"),
				IfExists:       a.String("if_exists"),
				AllowProtected: a.Bool("allow_protected"),
			}
			switch {
			case a.Has("rename_to") && a.Known("state") && d.State != "absent":
				a.Errorf("rename_to", "rename_to moves the folder aside, so it needs state = \"absent\"")
			case a.Has("if_exists") && !a.Has("rename_to"):
				a.Errorf("if_exists", "if_exists says what to do when rename_to exists, so it needs rename_to")
			case d.RenameTo != "" && a.Known("path") && a.Known("rename_to"):
				// Objects judges the paths as the host compares them; the
				// same text is the same folder on every host.
				if err := renameLoop(d.Path, d.RenameTo, d.RenameTo, d.Path); err != nil {
					a.Errorf("rename_to", "%s", err)
				}
			}
			return d
		},
	})
}

// Objects are the folder; for empty, its entries; for a rename, the
// destination, the folder that is to hold it and, to rotate, the numbered
// names beside it.
func (d *Directory) Objects(h host.Host) ([]Object, error) {
	src, err := pathObject(h, d.Path, d.State != "present")
	if err != nil {
		return nil, err
	}
	switch {
	case d.State == "empty":
		entries, err := entriesObject(h, d.Path, "*", false)
		return []Object{src, entries}, err
	case d.RenameTo == "":
		return []Object{src}, nil
	}
	dst, err := pathObject(h, d.RenameTo, true)
	if err != nil {
		return nil, err
	}
	if err := renameLoop(src.Key.ID, dst.Key.ID, d.RenameTo, d.Path); err != nil {
		return nil, err
	}
	parent, err := pathObject(h, parentDir(d.RenameTo), false)
	if err != nil {
		return nil, err
	}
	if d.IfExists != "rotate" {
		return []Object{src, dst, parent}, nil
	}
	numbered, err := entriesObject(h, parentDir(d.RenameTo), baseName(d.RenameTo)+".*", false)
	return []Object{src, dst, parent, numbered}, err
}

// renameLoop refuses a rename of the folder src to dst, path keys or the
// paths as written, that is no move: a folder cannot move into itself,
// and a replace of an ancestor or a descendant would delete both trees.
func renameLoop(src, dst, renameTo, path string) error {
	switch {
	case dst == src:
		return fmt.Errorf("rename_to %s is the folder itself", renameTo)
	case within(dst, src):
		return fmt.Errorf("rename_to %s is inside %s: a folder cannot be moved into itself", renameTo, path)
	case within(src, dst):
		return fmt.Errorf("rename_to %s holds %s: a folder cannot be moved onto a folder that holds it", renameTo, path)
	}
	return nil
}

// within reports whether the path key id lies under the path key parent.
func within(id, parent string) bool {
	parent = strings.TrimRight(parent, `\/`)
	return len(id) > len(parent)+1 && strings.HasPrefix(id, parent) && (id[len(parent)] == '\\' || id[len(parent)] == '/')
}

func (d *Directory) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if d.State != "present" && before["exists"] == "true" {
		verb := map[string]string{"empty": "empty", "absent": "delete"}[d.State]
		if d.RenameTo != "" {
			verb = "rename"
		}
		if err := checkDestructive(verb, d.Path, before, d.AllowProtected); err != nil {
			return Change{}, err
		}
	}
	switch {
	case before["type"] == "file" || before["type"] == "link":
		return Change{}, fmt.Errorf("%s is a %s, not a folder", d.Path, before["type"])
	case d.State == "empty" && before["exists"] == "false":
		return Change{Action: Create, Before: cur, After: []State{directoryAt(before), nil}}, nil
	case d.State == "empty" && cur[1]["matches"] == "":
		return NoChange("%s is already empty", d.Path), nil
	case d.State == "empty":
		return Change{Action: Empty, Before: cur, After: []State{nil, entriesState(nil)}}, nil
	case d.State == "present" && before["exists"] == "true":
		return NoChange("%s already exists", d.Path), nil
	case d.State == "present":
		return Change{Action: Create, Before: cur, After: []State{directoryAt(before)}}, nil
	case before["exists"] == "false":
		return NoChange("%s is already absent", d.Path), nil
	case d.RenameTo == "":
		return Change{Action: Delete, Before: cur, After: []State{absentAt(before)}}, nil
	}
	return d.diffRename(cur)
}

func (d *Directory) diffRename(cur []State) (Change, error) {
	before, dst, parent := cur[0], cur[1], cur[2]
	switch {
	case dst["resolved"] != "":
		return Change{}, fmt.Errorf("refusing to rename %s to %s: the destination leads through a link to %s", d.Path, d.RenameTo, dst["resolved"])
	case dst["volume"] != before["volume"]:
		return Change{}, fmt.Errorf("cannot rename %s to %s: they are on different volumes (%s, %s); a rename cannot move a folder across volumes",
			d.Path, d.RenameTo, before["volume"], dst["volume"])
	case parent["exists"] != "true":
		return Change{}, fmt.Errorf("cannot rename %s to %s: the folder %s does not exist at this step; create it in an earlier step",
			d.Path, d.RenameTo, parentDir(d.RenameTo))
	case parent["type"] != "directory":
		return Change{}, fmt.Errorf("cannot rename %s to %s: %s is a %s, not a folder", d.Path, d.RenameTo, parentDir(d.RenameTo), parent["type"])
	case dst["exists"] == "false":
		return Change{Action: Rename, Before: cur, After: []State{absentAt(before), holding(dst, before), nil, nil}[:len(cur)]}, nil
	}
	switch d.IfExists {
	case "rotate":
		name := nextFree(baseName(d.RenameTo), matches(cur[3]))
		target := strings.TrimRight(parentDir(d.RenameTo), `\/`) + sep(d.RenameTo) + name
		return Change{Action: Rename, Before: cur, Target: target,
			After: []State{absentAt(before), nil, nil, entriesState(append(matches(cur[3]), name))}}, nil
	case "replace":
		if err := checkDestructive("replace", d.RenameTo, dst, d.AllowProtected); err != nil {
			return Change{}, err
		}
		return Change{Action: Rename, Before: cur, Target: d.RenameTo, After: []State{absentAt(before), holding(dst, before), nil}}, nil
	}
	return Change{}, fmt.Errorf("cannot rename %s: the destination %s already exists (from an earlier run?); move it away, or set if_exists = \"rotate\" or \"replace\"",
		d.Path, d.RenameTo)
}

func (d *Directory) Apply(_ context.Context, h host.Host, c Change) error {
	switch c.Action {
	case Create:
		return h.MkdirAll(d.Path)
	case Delete:
		return removeTree(h, d.Path)
	case Empty:
		ents, err := h.Glob(d.Path, "*")
		if err != nil {
			return err
		}
		// An entry that fails stops the loop; the entries deleted before
		// it show in the step's entries object, read again.
		for _, e := range ents {
			if err := removeTree(h, e.Path); err != nil {
				return err
			}
		}
		return nil
	case Rename:
		switch {
		case c.Target == "":
			return h.Rename(d.Path, d.RenameTo)
		case c.Target == d.RenameTo: // replace
			if err := removeTree(h, d.RenameTo); err != nil {
				return err
			}
		}
		return h.Rename(d.Path, c.Target)
	}
	return nil
}

// removeTree deletes p and everything under it. A delete that stops
// midway (access denied on a subfolder, a file held open) may have
// removed part of the tree while p itself is still there; then the error
// is a PartialError saying what is gone, from a listing of the tree made
// before and one made after.
func removeTree(h host.Host, p string) error {
	before, lerr := listTree(h, p)
	err := h.RemoveAll(p)
	if err == nil || lerr != nil {
		return err
	}
	after, aerr := listTree(h, p)
	if aerr != nil {
		return fmt.Errorf("%w (what it deleted is unknown: %w)", err, aerr)
	}
	left := map[string]bool{}
	for _, e := range after {
		left[e] = true
	}
	var gone []string
	for _, e := range before {
		if !left[e] {
			gone = append(gone, e)
		}
	}
	if len(gone) == 0 {
		return err
	}
	const shown = 5
	list := strings.Join(gone[:min(len(gone), shown)], ", ")
	if len(gone) > shown {
		list += fmt.Sprintf(" and %d more", len(gone)-shown)
	}
	return &PartialError{Err: err, Done: []string{fmt.Sprintf("deleted %d of the %d entries under %s: %s", len(gone), len(before), p, list)}}
}

// listTree lists every entry under folder p, never entering a link.
func listTree(h host.Host, p string) ([]string, error) {
	ents, err := h.Glob(p, "*")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Path)
		if e.IsDir && !e.Link {
			sub, err := listTree(h, e.Path)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}
