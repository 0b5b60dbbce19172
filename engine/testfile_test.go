package engine

import (
	"strings"
	"testing"
)

// A test file that spells an action or a result as people read them
// ("no-op", "put back") is refused with the spellings -json writes.
func TestTestFileSpellsValuesAsJSON(t *testing.T) {
	tests := map[string]struct{ block, want string }{
		"action": {`plan {
    actions = { "service.s" = "no-op" }
  }`, "an action: no_op, create, update, delete, rename, start, stop, restart, run, empty"},
		"result": {`apply {
    results = { "service.s" = "put back" }
  }`, "a result: done, unchanged, failed, partly_done, not_attempted, put_back, put_back_failed"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			src := "host \"h\" {\n  services = { x = { state = \"running\" } }\n}\n\ntest \"t\" {\n  host = host.h\n  " + tt.block + "\n}\n"
			_, diags := LoadTestFile("p.test.hcl", []byte(src))
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics %q, want %q", diags.Error(), tt.want)

			}
		})
	}
}
