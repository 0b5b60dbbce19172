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
	Path     string
	State    string // present or absent
	RenameTo string
}

func init() {
	register(&Type{
		Name: "directory",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "path", Required: true},
			{Name: "state"},
			{Name: "rename_to"},
		}},
		Decode: func(a *Attrs) Resource {
			d := &Directory{
				Path:     a.String("path", ""),
				State:    a.Enum("state", "present", "present", "absent"),
				RenameTo: a.String("rename_to", ""),
			}
			if a.Has("rename_to") && a.Known("state") && d.State != "absent" {
				a.Errorf("rename_to", "rename_to moves the folder aside, so it needs state = \"absent\"")
			}
			return d
		},
	})
}

func (d *Directory) Objects(h host.Host) ([]Object, error) {
	src, err := pathObject(h, d.Path)
	if err != nil || d.RenameTo == "" {
		return []Object{src}, err
	}
	dst, err := pathObject(h, d.RenameTo)
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
	switch {
	case before["type"] == "file":
		return Change{}, fmt.Errorf("%s is a file, not a folder", d.Path)
	case d.State == "present" && before.Equal(directory):
		return NoChange("%s already exists", d.Path), nil
	case d.State == "present":
		return Change{Action: Create, Before: cur, After: []State{directory}}, nil
	case before.Equal(absent):
		return NoChange("%s is already absent", d.Path), nil
	case d.RenameTo == "":
		return Change{Action: Delete, Before: cur, After: []State{absent}}, nil
	case !cur[1].Equal(absent):
		return Change{}, fmt.Errorf("cannot rename %s: the destination %s already exists", d.Path, d.RenameTo)
	}
	return Change{Action: Rename, Before: cur, After: []State{absent, before}}, nil
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
