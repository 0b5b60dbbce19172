package engine

import (
	"path"
	"strings"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// Changes names the first step of the plan that changes the file at p (a
// path in h's syntax) or what holds it: a path it deletes, renames,
// empties or writes (the file itself or a folder above it), a rename's
// destination, files it deletes by a pattern that p's name matches. It
// returns the step's address and the path, or "" if no step does. A file
// that wuplay writes after the apply (-report) must not be there: it
// would find its folder gone, or overwrite what a step wrote.
func (p *Plan) Changes(h host.Host, file string) (addr, at string) {
	key, err := h.PathKey(file)
	if err != nil {
		return "", ""
	}
	out := resources.Key{Kind: resources.KindPath, ID: key}
	for _, sp := range p.Steps {
		if sp.Action == resources.NoOp {
			continue
		}
		for i, o := range sp.Objects {
			if sp.After[i] != nil && holds(o.Key, out) {
				return sp.Addr, o.Display()
			}
		}
		if sp.Target != "" {
			if tk, err := h.PathKey(sp.Target); err == nil && holds(resources.Key{Kind: resources.KindPath, ID: tk}, out) {
				return sp.Addr, sp.Target
			}
		}
	}
	return "", ""
}

// holds reports whether object k is the path out or holds it.
func holds(k, out resources.Key) bool {
	switch k.Kind {
	case resources.KindPath:
		_, inside := resources.Removed(k, out, resources.State{})
		return k.ID == out.ID || inside
	case resources.KindFiles, resources.KindEntries:
		dir, pattern, _ := strings.Cut(k.ID, "|")
		i := strings.LastIndexAny(out.ID, `\/`)
		if i < 0 || strings.TrimRight(out.ID[:i], `\/`) != strings.TrimRight(dir, `\/`) {
			return false
		}
		// Either case: a host that folds it matches more, never less.
		name := out.ID[i+1:]
		ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(name))
		return ok
	}
	return false
}
