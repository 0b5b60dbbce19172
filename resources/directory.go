package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/resources/host"
)

// Directory keeps a folder present or absent. An absent folder with
// RenameTo is moved aside rather than deleted, as KB procedures do to keep
// the old tree for later inspection.
type Directory struct {
	Path           string
	State          string // present or absent
	RenameTo       string
	AllowProtected bool
}

func init() {
	register(&Type{
		Name: "directory",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "path", Required: true},
			{Name: "state"},
			{Name: "rename_to"},
			{Name: "allow_protected"},
		}},
		Decode: func(a *Attrs) Resource {
			d := &Directory{
				Path:           a.String("path", ""),
				State:          a.Enum("state", "present", "present", "absent"),
				RenameTo:       a.String("rename_to", ""),
				AllowProtected: a.Bool("allow_protected", false),
			}
			if a.Has("rename_to") && a.Known("state") && d.State != "absent" {
				a.Errorf("rename_to", "rename_to moves the folder aside, so it needs state = \"absent\"")
			}
			return d
		},
	})
}

func (d *Directory) Objects(h host.Host) ([]Object, error) {
	src, err := pathObject(h, d.Path, d.State == "absent")
	if err != nil || d.RenameTo == "" {
		return []Object{src}, err
	}
	dst, err := pathObject(h, d.RenameTo, true)
	if err != nil {
		return nil, err
	}
	if dst.Key == src.Key {
		return nil, fmt.Errorf("rename_to %s is the folder itself", d.RenameTo)
	}
	return []Object{src, dst}, nil
}

func (d *Directory) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if d.State == "absent" && before["exists"] == "true" {
		verb := "delete"
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
	case d.State == "present" && before["exists"] == "true":
		return NoChange("%s already exists", d.Path), nil
	case d.State == "present":
		return Change{Action: Create, Before: cur, After: []State{directoryAt(before)}}, nil
	case before["exists"] == "false":
		return NoChange("%s is already absent", d.Path), nil
	case d.RenameTo == "":
		return Change{Action: Delete, Before: cur, After: []State{absentAt(before)}}, nil
	}
	dst := cur[1]
	switch {
	case dst["exists"] == "true":
		return Change{}, fmt.Errorf("cannot rename %s: the destination %s already exists", d.Path, d.RenameTo)
	case dst["resolved"] != "":
		return Change{}, fmt.Errorf("refusing to rename %s to %s: the destination leads through a link to %s", d.Path, d.RenameTo, dst["resolved"])
	case dst["volume"] != before["volume"]:
		return Change{}, fmt.Errorf("cannot rename %s to %s: they are on different volumes (%s, %s); a rename cannot move a folder across volumes",
			d.Path, d.RenameTo, before["volume"], dst["volume"])
	}
	return Change{Action: Rename, Before: cur, After: []State{absentAt(before), holding(dst, before)}}, nil
}

func (d *Directory) Apply(_ context.Context, h host.Host, c Change) error {
	switch c.Action {
	case Create:
		return h.MkdirAll(d.Path)
	case Delete:
		return h.RemoveAll(d.Path)
	case Rename:
		return h.Rename(d.Path, d.RenameTo)
	}
	return nil
}
