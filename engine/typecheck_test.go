package engine

import (
	"strings"
	"testing"
)

func TestCompareTypes(t *testing.T) {
	const facts = `
fact "registry_value" "r" {
  key  = "HKLM\\SOFTWARE\\X"
  name = "n"
}
fact "eventlog" "e" {}
fact "service" "w" {
  name = "wuauserv"
}
variable "s" {
  default = "a"
}
`
	tests := map[string]struct {
		when string
		want string // "" for no diagnostic
	}{
		"dword data against a number": {`fact.registry_value.r.data != 86400`, "The left side is a string and the right side a number, so this comparison is always true."},
		"count against a string":      {`fact.eventlog.e.count == "0"`, "The left side is a number and the right side a string, so this comparison is always false."},
		"bool against a string":       {`fact.registry_value.r.exists == "true"`, "Write both as bools"},
		"list against brackets":       {`fact.service.w.dependents == []`, "Compare length(LIST)"},
		"untyped variable, number":    {`var.s == 1`, "a string and the right side a number"},
		"inside a template":           {`"${fact.eventlog.e.count == "1"}"`, "a number and the right side a string"},
		"inside a condition":          {`fact.registry_value.r.exists ? fact.registry_value.r.data == 1 : false`, "a string and the right side a number"},
		"number against a number":     {`fact.registry_value.r.number == 86400`, ""},
		"bool against a bool":         {`fact.registry_value.r.exists == true`, ""},
		"string against a string":     {`fact.registry_value.r.data == "86400"`, ""},
		"against null":                {`fact.registry_value.r.number != null`, ""},
		"iterator of a for":           {`length([for e in fact.eventlog.e.events : e if e.id == 20]) > 0`, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pb := load(t, facts+"command \"c\" {\n  run  = [\"probe\"]\n  when = "+tt.when+"\n}\n")
			diags := Validate(pb, nil)
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatalf("unexpected %s", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Summary != "Comparison of different types" || !strings.Contains(diags[0].Detail, tt.want) {
				t.Fatalf("diagnostics %v, want one comparison of different types saying %q", diags, tt.want)
			}
			if s := diags[0].Subject; s == nil || s.Start.Line != 16 {
				t.Errorf("at %v, want the comparison on line 16", s)
			}
		})
	}
}
