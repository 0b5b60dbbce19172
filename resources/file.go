package resources

import (
	"context"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// File keeps a file present, with the given content if it has one, or absent.
type File struct {
	Path           string
	State          string // present or absent
	Content        *string
	AllowProtected bool
}

func init() {
	register(&Type{
		Name: "file",
		Doc:  "Keeps a file present, with the given content if it has one, or absent.",
		Schema: Schema{
			pathAttr,
			{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Allowed: []string{"present", "absent"}, Doc: "`absent` deletes it."},
			{Name: "content", Type: cty.String, Doc: "The whole content; left out, a present file keeps what it holds (a new one is empty)."},
			allowProtectedAttr,
		},
		Decode: func(a *Attrs) Resource {
			f := &File{
				Path:           a.String("path"),
				State:          a.String("state"),
				AllowProtected: a.Bool("allow_protected"),
			}
			if c := a.String("content"); a.Has("content") {
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
	o, err := pathObject(h, f.Path, f.State == "absent")
	return []Object{o}, err
}

func (f *File) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if f.State == "absent" && before["exists"] == "true" {
		if err := checkDestructive("delete", f.Path, before, f.AllowProtected); err != nil {
			return Change{}, err
		}
	}
	switch {
	case before["type"] == "directory" || before["type"] == "link":
		return Change{}, fmt.Errorf("%s is a %s, not a file", f.Path, before["type"])
	case f.State == "absent" && before["exists"] == "false":
		return NoChange("%s is already absent", f.Path), nil
	case f.State == "absent":
		return Change{Action: Delete, Before: cur, After: []State{absentAt(before)}}, nil
	}
	want := before
	if f.Content != nil || before["exists"] == "false" {
		want = fileAt(before, []byte(f.content()))
		if n, ok := before["links"]; ok {
			want["links"] = n
		}
	}
	switch {
	case before["exists"] == "false":
		return Change{Action: Create, Before: cur, After: []State{want}}, nil
	case !want.Equal(before) || force && f.Content != nil:
		// The new file replaces the old under this name only: the plan
		// says so, where the old file had other names.
		c := Change{Action: Update, Before: cur, After: []State{want}}
		if _, ok := want["links"]; ok {
			want["links"] = ""
			c.Reason = fmt.Sprintf("%s has %s hard links: the other names keep the old content", f.Path, before["links"])
		}
		return c, nil
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
