package engine

import (
	"strings"

	"github.com/wuplay/wuplay/resources"
)

// ShowValue is an attribute value as plans and messages show it: quoted,
// digests shortened, lists (the files a pattern matches) as lists. It does
// not escape: each view does that for its own syntax.
func ShowValue(name, v string) string {
	switch {
	case name == "matches":
		var names []string
		for _, n := range resources.SplitMatches(v) {
			names = append(names, `"`+n+`"`)
		}
		return "[" + strings.Join(names, ", ") + "]"
	case name == "links" && v == "":
		return `"1"` // a path's state counts a file's names only when it has several
	case name == "sha256" && len(v) > 12:
		v = v[:12] + "…"
	case v == "":
		return "(none)"
	}
	return `"` + v + `"`
}
