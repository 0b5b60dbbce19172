package engine

import (
	"strings"
	"testing"
)

// A saved plan or an apply report of another major format is refused with
// what it is and what to do, whatever the version's spelling; so is one
// without a version, and one with a field of a newer minor.
func TestOtherFormatsAreRefused(t *testing.T) {
	parsers := map[string]func([]byte) error{
		"plan file":    func(b []byte) error { _, err := ParsePlanDocument("x", b); return err },
		"apply report": func(b []byte) error { _, err := ParseReport("x", b); return err },
	}
	tests := map[string]struct{ doc, want string }{
		"format 1, a number":    {`{"format_version": 1, "steps": [{"action": "no-op"}]}`, "of format 1, which this wuplay"},
		"format 1.0, a string":  {`{"format_version": "1.0"}`, "of format 1.0, which this wuplay"},
		"a later major":         {`{"format_version": "3.1", "new_field": true}`, "of format 3.1, which this wuplay"},
		"no version":            {`{"steps": []}`, "it has no format_version"},
		"a newer minor's field": {`{"format_version": "2.1", "new_field": true}`, `unknown field "new_field"`},
		"not a version":         {`{"format_version": [2]}`, "format_version is [2]"},
	}
	for what, parse := range parsers {
		for name, tt := range tests {
			t.Run(what+"/"+name, func(t *testing.T) {
				err := parse([]byte(tt.doc))
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), what) {
					t.Errorf("got %v, want an error about a %s with %q", err, what, tt.want)
				}
			})
		}
	}
}
