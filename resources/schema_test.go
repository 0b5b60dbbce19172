package resources

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// kinds are every resource and fact type with its schema and a decode
// that reads nothing from a host.
func kinds() map[string]struct {
	schema Schema
	decode func(*Attrs) any
} {
	out := map[string]struct {
		schema Schema
		decode func(*Attrs) any
	}{}
	for name, t := range types {
		out[name] = struct {
			schema Schema
			decode func(*Attrs) any
		}{t.Schema, func(a *Attrs) any { return t.Decode(a) }}
	}
	for name, ft := range factTypes {
		out["fact "+name] = struct {
			schema Schema
			decode func(*Attrs) any
		}{ft.Schema, func(a *Attrs) any { return ft.Decode(a) }}
	}
	return out
}

// decodeHCL evaluates src, a body of attributes, against schema.
func decodeHCL(t *testing.T, schema Schema, src string) *Attrs {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	content, diags := f.Body.Content(schema.Body())
	a := EvalAttrs(schema, content, nil, hcl.Range{Filename: "t.hcl"})
	a.Diags = append(diags, a.Diags...)
	a.read = map[string]bool{}
	return a
}

// TestSchemaIsWhatDecodeReads proves, for every type, that Decode reads
// each attribute its schema declares and no other: a getter panics on an
// attribute that is not declared, and an attribute declared but never
// read would be accepted and ignored.
func TestSchemaIsWhatDecodeReads(t *testing.T) {
	for name, k := range kinds() {
		t.Run(name, func(t *testing.T) {
			a := decodeHCL(t, k.schema, "")
			k.decode(a)
			var declared []string
			for _, at := range k.schema {
				declared = append(declared, at.Name)
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(declared)), slices.Sorted(maps.Keys(a.read))); diff != "" {
				t.Errorf("declared (-) and read by Decode (+) differ:\n%s", diff)
			}
		})
	}
}

// wrongValue is a value of another type than t that does not convert to it.
func wrongValue(t cty.Type) string {
	switch {
	case t == cty.Bool:
		return `"maybe"`
	case t == cty.Number:
		return `"many"`
	}
	return `{ nested = true }`
}

// TestSchemaRefusesWrongTypes writes every attribute of every type with a
// value of the wrong type, and wants a diagnostic at that attribute that
// names it and its type.
func TestSchemaRefusesWrongTypes(t *testing.T) {
	for name, k := range kinds() {
		for _, at := range k.schema {
			if at.Type == cty.DynamicPseudoType {
				continue // Decode judges it: engine TestValidateFindsWhatPlanFinds
			}
			t.Run(name+"."+at.Name, func(t *testing.T) {
				a := decodeHCL(t, k.schema, at.Name+" = "+wrongValue(at.Type)+"\n")
				k.decode(a)
				want := at.Name + " is a " + TypeName(at.Type)
				i := slices.IndexFunc(a.Diags, func(d *hcl.Diagnostic) bool { return strings.HasPrefix(d.Summary, want) })
				if i < 0 {
					t.Fatalf("no diagnostic %q in %v", want, a.Diags)
				}
				if s := a.Diags[i].Subject; s == nil || s.Start.Line != 1 || s.Start.Column <= len(at.Name) {
					t.Errorf("diagnostic at %v, want the value on line 1", s)
				}
			})
		}
	}
}

// TestSchemaSuggests writes every attribute's name with a typo, and wants
// it refused with the name it resembles.
func TestSchemaSuggests(t *testing.T) {
	for name, k := range kinds() {
		for _, at := range k.schema {
			t.Run(name+"."+at.Name, func(t *testing.T) {
				a := decodeHCL(t, k.schema, at.Name+"x = true\n")
				want := `Did you mean "` + at.Name + `"?`
				if !slices.ContainsFunc(a.Diags, func(d *hcl.Diagnostic) bool {
					return d.Summary == "Unsupported argument" && strings.Contains(d.Detail, want)
				}) {
					t.Errorf("no suggestion %s in %v", want, a.Diags)
				}
			})
		}
	}
}

// TestSchemaDefaults decodes each type with the fewest attributes it
// takes, and wants the declared defaults in what Decode builds.
func TestSchemaDefaults(t *testing.T) {
	tests := map[string]struct {
		src  string
		want any
	}{
		"service": {`name = "w"
state = "stopped"`, &Service{Name: "w", State: "stopped", Timeout: 60 * time.Second}},
		"directory":      {`path = "C:\\d"`, &Directory{Path: `C:\d`, State: "present", IfExists: "fail"}},
		"file":           {`path = "/f"`, &File{Path: "/f", State: "present"}},
		"files":          {`path = "/d"` + "\n" + `pattern = "*.dat"`, &Files{Path: "/d", Pattern: "*.dat", State: "absent"}},
		"registry_key":   {`key = "HKLM\\SOFTWARE\\X"`, &RegistryKey{Key: `HKLM\SOFTWARE\X`, State: "present"}},
		"registry_value": {`key = "HKLM\\X"` + "\n" + `name = "n"` + "\n" + `type = "dword"` + "\n" + `data = 7`, &RegistryValue{Key: `HKLM\X`, Name: "n", State: "present", Type: "dword", Data: "7"}},
		"command":        {`run = ["netsh", "winsock", "reset"]`, &Command{Run: []string{"netsh", "winsock", "reset"}, Timeout: 5 * time.Minute, ExitCodes: []int{0}}},
		"fact eventlog":  {``, &EventFact{Channel: "System", Max: 10}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			k := kinds()[name]
			a := decodeHCL(t, k.schema, tt.src)
			got := k.decode(a)
			if a.Diags.HasErrors() {
				t.Fatal(a.Diags)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
	// Every default is one of these rows.
	for name, k := range kinds() {
		for _, at := range k.schema {
			if _, ok := tests[name]; at.Default != cty.NilVal && !ok {
				t.Errorf("%s.%s has a default, and no row here shows it", name, at.Name)
			}
		}
	}
}
