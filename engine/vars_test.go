package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

// typedPlaybook declares one variable x of the given type.
func typedPlaybook(t *testing.T, decl string) *Playbook {
	t.Helper()
	src := "playbook \"p\" {}\nvariable \"x\" {\n" + decl + "\n}\n"
	pb, diags := LoadHCL("p.hcl", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("%s: %s", src, diags.Error())
	}
	return pb
}

// fileVar is x's value as a variable file gives it.
func fileVar(t *testing.T, name, src string) VarValue {
	t.Helper()
	vars, diags := LoadVarFile(name, []byte(src))
	if diags.HasErrors() {
		t.Fatalf("%s: %s", src, diags.Error())
	}
	return vars["x"]
}

func TestVariableConversions(t *testing.T) {
	tests := map[string]struct {
		decl  string
		given func(t *testing.T) VarValue
		want  cty.Value // cty.NilVal: refused
		err   string    // what the refusal says
	}{
		"-var true for a bool":     {decl: "type = bool", given: raw("true"), want: cty.True},
		"-var false for a bool":    {decl: "type = bool", given: raw("false"), want: cty.False},
		"-var True for a bool":     {decl: "type = bool", given: raw("True"), err: `use lowercase "true"`},
		"-var 1 for a bool":        {decl: "type = bool", given: raw("1"), err: `a bool is required (true or false), not "1"`},
		"-var 0 for a bool":        {decl: "type = bool", given: raw("0"), err: `not "0"`},
		"-var maybe for a bool":    {decl: "type = bool", given: raw("maybe"), err: "-var x=maybe: x is of type bool: a bool is required."},
		"-var empty for a bool":    {decl: "type = bool", given: raw(""), err: "a bool is required"},
		"HCL file true":            {decl: "type = bool", given: file("v.hcl", "x = true"), want: cty.True},
		"HCL file 1 for a bool":    {decl: "type = bool", given: file("v.hcl", "x = 1"), err: "bool required"},
		"HCL file \"1\" for bool":  {decl: "type = bool", given: file("v.hcl", `x = "1"`), err: `not "1"`},
		"YAML file true":           {decl: "type = bool", given: file("v.yaml", "x: true"), want: cty.True},
		"YAML file True is a bool": {decl: "type = bool", given: file("v.yaml", "x: True"), want: cty.True},
		"YAML file yes":            {decl: "type = bool", given: file("v.yaml", "x: yes"), err: "a bool is required"},
		"YAML file 1 for a bool":   {decl: "type = bool", given: file("v.yaml", "x: 1"), err: "bool required"},
		"null":                     {decl: "type = bool", given: file("v.hcl", "x = null"), err: "x cannot be null"},
		"-var 3 for a number":      {decl: "type = number", given: raw("3"), want: cty.NumberIntVal(3)},
		"-var 1e3 for a number":    {decl: "type = number", given: raw("1e3"), want: cty.NumberIntVal(1000)},
		"-var abc for a number":    {decl: "type = number", given: raw("abc"), err: "a number is required"},
		"-var Inf for a number":    {decl: "type = number", given: raw("Inf"), err: "a number of at most 1000 digits"},
		"-var huge number":         {decl: "type = number", given: raw("1e5000"), err: "a number of at most 1000 digits"},
		"YAML number":              {decl: "type = number", given: file("v.yaml", "x: 86400"), want: cty.NumberIntVal(86400)},
		"untyped -var":             {decl: "", given: raw("true"), want: cty.StringVal("true")},
		"untyped file bool":        {decl: "", given: file("v.hcl", "x = true"), want: cty.StringVal("true")},
		"untyped file list":        {decl: "", given: file("v.hcl", `x = ["a"]`), err: "x declares no type, so it is a string: declare one"},
		"string from a number":     {decl: "type = string", given: file("v.yaml", "x: 10"), want: cty.StringVal("10")},
		"-var list":                {decl: "type = list(string)", given: raw(`["a", "b"]`), want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		"-var list not HCL":        {decl: "type = list(string)", given: raw(`a,b`), err: `a list(string) is written as an HCL value, such as ["a", "b"]`},
		"-var list too deep":       {decl: "type = list(string)", given: raw(strings.Repeat("[", 300)), err: "nested too deeply"},
		"YAML list":                {decl: "type = list(string)", given: file("v.yaml", "x: [a, b]"), want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		"list(bool) element \"1\"": {decl: "type = list(bool)", given: file("v.hcl", `x = [true, "1"]`), err: `element 2: a bool is required (true or false), not "1"`},
		"list of a string":         {decl: "type = list(string)", given: file("v.hcl", `x = "a"`), err: "list of string required"},
		"-var map":                 {decl: "type = map(number)", given: raw(`{ a = 1 }`), want: cty.MapVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},
		"map element of wrong type": {decl: "type = map(number)", given: file("v.yaml", "x: {a: one}"),
			err: `key "a": a number is required`},
		"validation holds": {decl: `type = string
validation {
  condition     = can(regex("^[0-9a-f]{8}$", var.x))
  error_message = "x is 8 hex digits."
}`, given: raw("0badf00d"), want: cty.StringVal("0badf00d")},
		"validation fails": {decl: `type = string
validation {
  condition     = can(regex("^[0-9a-f]{8}$", var.x))
  error_message = "x is 8 hex digits."
}`, given: raw("nope"), err: "-var x=nope: x is 8 hex digits."},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pb := typedPlaybook(t, tt.decl)
			vals, diags := pb.resolve(Vars{"x": tt.given(t)})
			if tt.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("got %#v, %v; want an error saying %q", vals["x"], diags, tt.err)
				}
				if !strings.Contains(diags[0].Summary, "Invalid value for variable x") {
					t.Errorf("summary %q names no variable", diags[0].Summary)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if !vals["x"].RawEquals(tt.want) {
				t.Errorf("got %#v, want %#v", vals["x"], tt.want)
			}
		})
	}
}

func raw(text string) func(*testing.T) VarValue {
	return func(*testing.T) VarValue { return RawVar(text, "-var x="+text) }
}

func file(name, src string) func(*testing.T) VarValue {
	return func(t *testing.T) VarValue { return fileVar(t, name, src) }
}

// A refusal from a variable file points at the value in the file.
func TestVariableRefusalPointsAtTheFile(t *testing.T) {
	pb := typedPlaybook(t, "type = bool")
	_, diags := pb.resolve(Vars{"x": fileVar(t, "v.hcl", "\nx = 1\n")})
	if !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Filename != "v.hcl" || diags[0].Subject.Start.Line != 2 || diags[0].Subject.Start.Column != 5 {
		t.Fatalf("got %v, want an error at v.hcl:2,5", diags)
	}
}

func TestVariableDeclarationErrors(t *testing.T) {
	tests := map[string]struct{ decl, err string }{
		"unknown type":               {"type = boolean", "The keyword \"boolean\" is not a valid type specification."},
		"default of the wrong type":  {"type = bool\ndefault = \"yes\"", "Invalid default for variable x"},
		"list default untyped":       {"default = [1]", "declares no type"},
		"condition on another var":   {"validation {\n condition = var.y == \"\"\n error_message = \"m\"\n}", "A validation condition refers only to var.x"},
		"validation without message": {"validation {\n condition = true\n}", "The argument \"error_message\" is required"},
		"default fails validation":   {"default = \"a\"\nvalidation {\n condition = var.x == \"b\"\n error_message = \"x is b.\"\n}", "x is b."},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			src := "playbook \"p\" {}\nvariable \"x\" {\n" + tt.decl + "\n}\n"
			pb, diags := LoadHCL("p.hcl", []byte(src))
			if !diags.HasErrors() {
				diags = Validate(pb, nil)
			}
			if !strings.Contains(diags.Error(), tt.err) {
				t.Fatalf("got %v, want %q", diags, tt.err)
			}
		})
	}
}

// A YAML playbook declares types and validations as HCL does.
func TestYAMLVariableTypes(t *testing.T) {
	src := `playbook: {name: p}
variables:
  x:
    type: list(number)
    default: [1, 2]
    validation:
      - condition: ${length(var.x) > 0}
        error_message: x is not empty.
`
	pb, diags := LoadYAML("p.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	v := pb.Variables[0]
	if !v.Type.Equals(cty.List(cty.Number)) || len(v.Validations) != 1 || !v.Default.RawEquals(cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})) {
		t.Fatalf("got %#v", v)
	}
	if _, diags := pb.resolve(Vars{"x": RawVar("[]", "-var x=[]")}); !strings.Contains(diags.Error(), "x is not empty.") {
		t.Errorf("validation: got %v", diags)
	}
}

func TestUndeclaredVariableSuggestion(t *testing.T) {
	pb := typedPlaybook(t, "type = bool")
	pb.Variables[0].Name = "aggressive"
	_, diags := pb.resolve(Vars{"agressive": RawVar("true", "-var agressive=true"), "aggressive": RawVar("true", "-var aggressive=true")})
	if !strings.Contains(diags.Error(), `Did you mean "aggressive"?`) {
		t.Errorf("got %v", diags)
	}
}

// A saved plan records the values set, of their types, and applies with
// them; a plan of an older wuplay, whose values are strings, still reads.
func TestSavedPlanVariables(t *testing.T) {
	name, src, _ := playbooks.Lookup("kb971058")
	pb, diags := Load(name, src)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	h, err := host.OpenSim(filepath.Join("..", "testdata", "hosts", "reset"))
	if err != nil {
		t.Fatal(err)
	}
	p, diags := NewPlan(context.Background(), pb, h, Options{Vars: Vars{"aggressive": RawVar("true", "-var aggressive=true")}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	d := p.Document()
	if got := string(d.Variables["aggressive"]); got != "true" {
		t.Fatalf("the plan records aggressive as %s, want the bool true", got)
	}
	for _, old := range []string{`true`, `"true"`} {
		d.Variables["aggressive"] = json.RawMessage(old)
		again, err := ParsePlanDocument("p.plan", d.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		p2, diags, err := again.Recheck(context.Background(), h)
		if err != nil || diags.HasErrors() {
			t.Fatalf("variables %s: %v %v", old, err, diags)
		}
		if !p2.vars["aggressive"].RawEquals(cty.True) {
			t.Errorf("variables %s: aggressive is %#v", old, p2.vars["aggressive"])
		}
	}
}
