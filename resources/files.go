package resources

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// Files is every file of a folder whose name matches a pattern, such as
// qmgr*.dat: state = "absent" deletes them. No match is already absent.
type Files struct {
	Path, Pattern  string
	State          string // absent
	AllowProtected bool
}

func init() {
	register(&Type{
		Name: "files",
		Doc:  "Every file of a folder whose name matches a pattern; the plan lists each file, and no match is already absent.",
		Schema: Schema{
			{Name: "path", Type: cty.String, Required: true, Doc: "The folder."},
			{Name: "pattern", Type: cty.String, Required: true, Check: fileNamePattern, Doc: "A file name pattern such as `qmgr*.dat`."},
			{Name: "state", Type: cty.String, Default: cty.StringVal("absent"), Allowed: []string{"absent"}, Doc: "The files are deleted."},
			allowProtectedAttr,
		},
		Decode: func(a *Attrs) Resource {
			return &Files{
				Path:           a.String("path"),
				Pattern:        a.String("pattern"),
				State:          a.String("state"),
				AllowProtected: a.Bool("allow_protected"),
			}
		},
	})
}

func fileNamePattern(v cty.Value) error {
	p := v.AsString()
	if _, err := path.Match(p, ""); err != nil || strings.ContainsAny(p, `\/`) {
		return fmt.Errorf("%q is not a file name pattern such as qmgr*.dat, without folders", p)
	}
	return nil
}

// entriesObject names the entries of folder dir that match pattern: files
// only, or of any kind.
func entriesObject(h host.Host, dir, pattern string, filesOnly bool) (Object, error) {
	key, err := h.PathKey(dir)
	if err != nil {
		return Object{}, err
	}
	kind := KindEntries
	if filesOnly {
		kind = KindFiles
	}
	return Object{Key: Key{kind, key + "|" + pattern}, Name: dir, Pattern: pattern}, nil
}

func readEntries(h host.Host, o Object) (State, error) {
	ents, err := h.Glob(o.Name, o.Pattern)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if o.Key.Kind == KindFiles && (e.IsDir || e.Link) {
			continue
		}
		names = append(names, baseName(e.Path))
	}
	s := entriesState(names)
	// The pattern is judged as a name in the folder: CatRoot\{...}\tmp*.cat
	// is a place KB procedures clear, CatRoot\{...}\* is not.
	if o.Place {
		if reason := h.Protected(o.Display()); reason != "" {
			s["protected"] = reason
		}
	}
	return s, nil
}

// entriesState is a folder's matching entries in one order, whatever order
// they were listed or predicted in: a rotation's tenth name, SDTemp.10,
// sorts before SDTemp.2, as a read of the folder lists it.
// The names are joined by "/", which no file name holds on any host (a
// newline may be in a Linux file name).
func entriesState(names []string) State {
	return State{"matches": strings.Join(slices.Sorted(slices.Values(names)), "/")}
}

func matches(s State) []string { return SplitMatches(s["matches"]) }

// SplitMatches lists the names of a "matches" attribute.
func SplitMatches(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "/")
}

// baseName is the last element of a path in either syntax.
func baseName(p string) string {
	p = strings.TrimRight(p, `\/`)
	return p[strings.LastIndexAny(p, `\/`)+1:]
}

// parentDir is the folder of a path in either syntax: a root (/, C:\)
// keeps its separator.
func parentDir(p string) string {
	p = strings.TrimRight(p, `\/`)
	i := strings.LastIndexAny(p, `\/`)
	if i == 0 || i > 0 && p[i-1] == ':' {
		return p[:i+1]
	}
	return p[:max(i, 0)]
}

func (f *Files) Objects(h host.Host) ([]Object, error) {
	dir, err := pathObject(h, f.Path, true)
	if err != nil {
		return nil, err
	}
	files, err := entriesObject(h, f.Path, f.Pattern, true)
	files.Place = true
	return []Object{dir, files}, err
}

func (f *Files) Diff(cur []State, force bool) (Change, error) {
	names := matches(cur[1])
	if len(names) == 0 {
		return NoChange("no file matches %s: already absent", f.Pattern), nil
	}
	// The folder says whether it is reached through a link; the files
	// whether they are protected.
	where := State{"resolved": cur[0]["resolved"], "protected": cur[1]["protected"]}
	if err := checkDestructive("delete "+f.Pattern+" in", f.Path, where, f.AllowProtected); err != nil {
		return Change{}, err
	}
	return Change{Action: Delete, Before: cur, After: []State{nil, entriesState(nil)}}, nil
}

// Apply deletes the files the plan listed that still match.
func (f *Files) Apply(_ context.Context, h host.Host, c Change) error {
	planned := map[string]bool{}
	for _, n := range matches(c.Before[1]) {
		planned[n] = true
	}
	ents, err := h.Glob(f.Path, f.Pattern)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if planned[baseName(e.Path)] && !e.IsDir && !e.Link {
			if err := h.RemoveAll(e.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextFree is the first name base.N, N from 1, that names does not hold.
func nextFree(base string, names []string) string {
	taken := map[string]bool{}
	for _, n := range names {
		taken[strings.ToLower(n)] = true
	}
	for i := 1; ; i++ {
		if name := fmt.Sprintf("%s.%d", base, i); !taken[strings.ToLower(name)] {
			return name
		}
	}
}
