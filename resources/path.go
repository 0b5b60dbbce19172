package resources

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wuplay/wuplay/resources/host"
)

// A path's state has what is at the path (exists, type, size, sha256, and
// links when a file has more than one name) and
// where the path is (volume, protected, resolved), which no step changes.
var placeAttrs = []string{"volume", "protected", "resolved"}

// Hidden reports whether a plan leaves attribute name out of an object's
// listing: it says where a path is, or what a service was when read, not
// what a step changes.
func Hidden(name string) bool { return slices.Contains(placeAttrs, name) || AsRead(name) }

// AsRead reports whether attribute name keeps another's value as the plan
// read it (state_read, start_type_read), for a step that gives it back:
// it differs from one read to the next exactly when the other does.
func AsRead(name string) bool { return name == "state_read" || name == "start_type_read" }

// place keeps only where s is.
func place(s State) State {
	out := State{}
	for _, k := range placeAttrs {
		if v, ok := s[k]; ok {
			out[k] = v
		}
	}
	return out
}

// absentAt is s with nothing at the path.
func absentAt(s State) State {
	out := place(s)
	out["exists"] = "false"
	return out
}

// directoryAt is s with a folder at the path.
func directoryAt(s State) State {
	out := place(s)
	out["exists"], out["type"] = "true", "directory"
	return out
}

// fileAt is s with a file of content at the path.
func fileAt(s State, content []byte) State {
	out := place(s)
	out["exists"], out["type"] = "true", "file"
	out["size"], out["sha256"] = strconv.Itoa(len(content)), digest(content)
	return out
}

// holding is dst with what src holds, as after a rename of src to dst.
func holding(dst, src State) State {
	out := place(dst)
	for k, v := range src {
		if !Hidden(k) {
			out[k] = v
		}
	}
	return out
}

func readPath(h host.Host, p string, place bool) (State, error) {
	fi, err := h.Stat(p)
	if err != nil {
		return nil, err
	}
	s := State{}
	if place {
		if s["volume"], err = h.Volume(p); err != nil {
			return nil, err
		}
		if reason := h.Protected(p); reason != "" {
			s["protected"] = reason
		}
		resolved, err := h.Resolve(p)
		if err != nil {
			return nil, err
		}
		if rk, err := h.PathKey(resolved); err != nil || !sameKey(h, p, rk) {
			s["resolved"] = resolved
			if reason := h.Protected(resolved); reason != "" {
				s["protected"] = reason + " (through a link)"
			}
		}
	}
	switch {
	case !fi.Exists:
		return absentAt(s), nil
	case fi.Link:
		s["exists"], s["type"] = "true", "link"
		return s, nil
	case fi.IsDir:
		return directoryAt(s), nil
	}
	data, err := h.ReadFile(p)
	if err != nil {
		return nil, err
	}
	s = fileAt(s, data)
	if fi.Links > 1 {
		// Only then: a file with one name is the usual case.
		s["links"] = strconv.Itoa(fi.Links)
	}
	return s, nil
}

func sameKey(h host.Host, p, key string) bool {
	k, err := h.PathKey(p)
	return err == nil && k == key
}

// checkDestructive refuses to delete, empty or rename a path that is
// protected, goes through a link or climbs with "..", unless the step
// allows protected paths (links and ".." are refused even then).
func checkDestructive(verb, p string, s State, allowProtected bool) error {
	if slices.Contains(strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }), "..") {
		return fmt.Errorf("refusing to %s %s: the path climbs with \"..\"; write the path it means", verb, p)
	}
	if r := s["resolved"]; r != "" {
		return fmt.Errorf("refusing to %s %s: it leads through a symbolic link or junction to %s", verb, p, r)
	}
	if r := s["protected"]; r != "" && !allowProtected {
		return fmt.Errorf("refusing to %s %s: it is %s (set allow_protected = true on the step if you mean it)", verb, p, r)
	}
	return nil
}
