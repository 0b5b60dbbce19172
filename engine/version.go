package engine

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
)

// version is set at build time for a release:
//
//	go build -ldflags "-X github.com/wuplay/wuplay/engine.version=1.2.0" ./cmd/wuplay
var version string

// Version is this wuplay's version, recorded in every saved plan, report,
// -json line and Ansible result so that a reader knows what wrote them:
// the one set at build time, else the module's (go install ...@v1.2.0),
// else "(devel)".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// FormatVersion is the version of every JSON form wuplay writes: the -json
// stream, saved plans, apply reports, the graph, the fleet summary, the
// version and list documents. A change that removes or renames a field or
// a value raises the major number, one that adds a field the minor; a
// reader refuses another major, and a saved plan or report with a field it
// does not know (a newer minor's), since apply must not act on half of
// what a plan says (README.md, "Change review"). Format 1 wrote
// actions and results in mixed spellings ("no-op", "put back") and a saved
// plan's symptom as symptom_absent.
const FormatVersion = "2.0"

// CheckFormat refuses a document (what: "plan file") whose format_version
// (raw, as read) is not of FormatVersion's major, saying what to do
// instead (remedy). A missing version is "not a wuplay <what>".
func CheckFormat(name, what string, raw json.RawMessage, remedy string) error {
	var s string
	var n json.Number
	switch {
	case raw == nil:
		return fmt.Errorf("%s is not %s of wuplay's: it has no format_version", name, article(what))
	case json.Unmarshal(raw, &s) == nil:
	case json.Unmarshal(raw, &n) == nil:
		s = n.String()
	default:
		return fmt.Errorf("%s is not %s of wuplay's: format_version is %s", name, article(what), raw)
	}
	if !readsFormat(s) {
		return fmt.Errorf("%s is %s of format %s, which this wuplay (%s) does not read: it reads format %s; %s", name, article(what), s, Version(), FormatVersion, remedy)
	}
	return nil
}

// readsFormat says whether this wuplay reads format v: one of its major.
func readsFormat(v string) bool {
	major, _, _ := strings.Cut(v, ".")
	want, _, _ := strings.Cut(FormatVersion, ".")
	return major == want
}

// article puts "a" or "an" before a noun: "an apply report".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
