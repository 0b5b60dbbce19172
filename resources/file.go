package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/resources/host"
)

// File keeps a file present, with the given content if it has one, or absent.
type File struct {
	Path    string
	State   string // present or absent
	Content *string
}

func init() {
	register(&Type{
		Name: "file",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "path", Required: true},
			{Name: "state"},
			{Name: "content"},
		}},
		Decode: func(a *Attrs) Resource {
			f := &File{
				Path:  a.String("path", ""),
				State: a.Enum("state", "present", "present", "absent"),
			}
			if a.Has("content") {
				c := a.String("content", "")
				f.Content = &c
				if a.Known("state") && f.State == "absent" {
					a.Errorf("content", "an absent file has no content")
				}
			}
			return f
		},
	})
}

func (f *File) Objects(h host.Host) ([]Object, error) {
	o, err := pathObject(h, f.Path)
	return []Object{o}, err
}

func (f *File) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	switch {
	case before["type"] == "directory":
		return Change{}, fmt.Errorf("%s is a folder, not a file", f.Path)
	case f.State == "absent" && before.Equal(absent):
		return NoChange("%s is already absent", f.Path), nil
	case f.State == "absent":
		return Change{Action: Delete, Before: cur, After: []State{absent}}, nil
	}
	want := before
	if f.Content != nil || before.Equal(absent) {
		want = fileState([]byte(f.content()))
	}
	switch {
	case before.Equal(absent):
		return Change{Action: Create, Before: cur, After: []State{want}}, nil
	case !want.Equal(before) || force && f.Content != nil:
		return Change{Action: Update, Before: cur, After: []State{want}}, nil
	}
	return NoChange("%s is already as wanted", f.Path), nil
}

func (f *File) content() string {
	if f.Content == nil {
		return ""
	}
	return *f.Content
}

func (f *File) Apply(_ context.Context, h host.Host, c Change) error {
	switch c.Action {
	case Create, Update:
		return h.WriteFile(f.Path, []byte(f.content()))
	case Delete:
		return h.RemoveAll(f.Path)
	}
	return nil
}
