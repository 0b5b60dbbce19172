package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources"
)

// meaning reduces expressions and bodies to what they evaluate to, in a
// fixed scope made from the playbook (env("X") is "%X%", a variable its
// default or its name, a fact the zero value of its type), so that
// playbooks from both notations compare by meaning, not by syntax tree.
func meaning(pb *Playbook) cmp.Option {
	vars := map[string]cty.Value{}
	for _, v := range pb.Variables {
		vars[v.Name] = v.Default
		if v.Default == cty.NilVal {
			vars[v.Name] = cty.StringVal("<" + v.Name + ">")
		}
	}
	sc := &scope{vars: vars, budget: newBudget()}
	for _, f := range pb.Facts {
		ft, _ := resources.LookupFact(f.Type)
		sc.setFact(f, zero(ft.Value))
	}
	ctx := sc.evalContext()
	ctx.Functions["env"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal("%" + args[0].AsString() + "%"), nil
		},
	})
	eval := func(e hcl.Expression) string {
		v, diags := e.Value(ctx)
		if diags.HasErrors() {
			return "error: " + diags.Error()
		}
		return v.GoString()
	}
	return cmp.Options{
		cmp.Transformer("expr", func(e hcl.Expression) string {
			if e == nil {
				return "<nil>"
			}
			return eval(e)
		}),
		cmp.Transformer("body", func(b hcl.Body) map[string]string {
			attrs, diags := b.JustAttributes()
			m := map[string]string{}
			for name, a := range attrs {
				m[name] = eval(a.Expr)
			}
			if diags.HasErrors() {
				m["<error>"] = diags.Error()
			}
			return m
		}),
		cmp.Transformer("value", func(v cty.Value) string { return v.GoString() }),
		cmp.Transformer("type", func(t cty.Type) string { return t.GoString() }),
		cmpopts.IgnoreTypes(hcl.Range{}),
		cmpopts.IgnoreFields(Playbook{}, "Filename", "Src"),
		cmpopts.IgnoreUnexported(Playbook{}, Variable{}),
	}
}

// zero is a known value of type t: false, 0, "", empty collections.
func zero(t cty.Type) cty.Value {
	switch {
	case t == cty.Bool:
		return cty.False
	case t == cty.Number:
		return cty.Zero
	case t == cty.String:
		return cty.StringVal("")
	case t.IsListType():
		return cty.ListValEmpty(t.ElementType())
	case t.IsObjectType():
		attrs := map[string]cty.Value{}
		for name, at := range t.AttributeTypes() {
			attrs[name] = zero(at)
		}
		return cty.ObjectVal(attrs)
	}
	return cty.NullVal(t)
}

func TestShippedPlaybooksEqualInBothNotations(t *testing.T) {
	for _, name := range playbooks.Names() {
		if !strings.HasSuffix(name, ".hcl") {
			continue
		}
		yname := strings.TrimSuffix(name, ".hcl") + ".yaml"
		t.Run(name, func(t *testing.T) {
			_, hsrc, _ := playbooks.Lookup(name)
			_, ysrc, ok := playbooks.Lookup(yname)
			if !ok {
				t.Fatalf("%s has no YAML form %s", name, yname)
			}
			h, diags := Load(name, hsrc)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			y, diags := Load(yname, ysrc)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(h, y, meaning(h)); diff != "" {
				t.Errorf("HCL and YAML models differ (-hcl +yaml):\n%s", diff)
			}
			if len(h.Steps) == 0 {
				t.Error("no steps")
			}
		})
	}
}

// TestEqualityCatchesDifferences guards the test above: two playbooks that
// differ in one attribute must not compare equal under meaning().
func TestEqualityCatchesDifferences(t *testing.T) {
	h, _ := Load("a.hcl", []byte(`playbook "p" {}
service "s" {
  name  = "wuauserv"
  state = "stopped"
}`))
	y, _ := Load("a.yaml", []byte(`playbook: {name: p}
steps:
  - service.s: {name: wuauserv, state: running}`))
	if cmp.Equal(h, y, meaning(h)) {
		t.Error("playbooks with different states compare equal")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]struct {
		file, src string
		summary   string // of the first diagnostic
		line, col int
	}{
		"unknown step type":         {"p.hcl", "playbook \"p\" {}\nservise \"s\" {\n  name = \"x\"\n}\n", "Unknown step type", 2, 1},
		"unknown attribute":         {"p.hcl", "playbook \"p\" {}\nservice \"s\" {\n  name = \"x\"\n  sate = \"stopped\"\n}\n", "", 0, 0},
		"duplicate address":         {"p.hcl", "playbook \"p\" {}\nfile \"f\" {\n  path = \"/tmp/a\"\n}\nfile \"f\" {\n  path = \"/tmp/b\"\n}\n", "Duplicate step", 5, 1},
		"cycle":                     {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  depends_on = [file.b]\n  path = \"/a\"\n}\nfile \"b\" {\n  depends_on = [file.a]\n  path = \"/b\"\n}\n", "Dependency cycle", 2, 1},
		"unknown dependency":        {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  depends_on = [file.zz]\n  path = \"/a\"\n}\n", "Unknown dependency", 2, 1},
		"missing playbook block":    {"p.hcl", "file \"a\" {\n  path = \"/a\"\n}\n", "Missing playbook block", 0, 0},
		"yaml syntax":               {"p.yaml", "playbook:\n  name: p\nsteps:\n  - file.a: {path: /a\n", "Invalid YAML", 0, 0},
		"yaml unknown key":          {"p.yaml", "playbook: {name: p}\nstep:\n  - file.a: {path: /a}\n", "Unexpected key", 2, 1},
		"yaml bad address":          {"p.yaml", "playbook: {name: p}\nsteps:\n  - file: {path: /a}\n", "Invalid address", 3, 5},
		"yaml unknown type":         {"p.yaml", "playbook: {name: p}\nsteps:\n  - fiel.a: {path: /a}\n", "Unknown step type", 3, 5},
		"yaml alias":                {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.a: {path: &x /a}\n  - file.b: {path: *x}\n", "YAML alias not supported", 4, 20},
		"restart_on a string":       {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  path = \"/a\"\n}\nservice \"s\" {\n  name = \"x\"\n  state = \"running\"\n  restart_on = [\"file.a\"]\n}\n", "Invalid restart_on", 8, 17},
		"restart_on unknown step":   {"p.hcl", "playbook \"p\" {}\nfile \"conf\" {\n  path = \"/a\"\n}\nservice \"s\" {\n  name = \"x\"\n  state = \"running\"\n  restart_on = [file.cnof]\n}\n", "Unknown step in restart_on", 8, 16},
		"restart_on a stop":         {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  path = \"/a\"\n}\nservice \"s\" {\n  name = \"x\"\n  state = \"stopped\"\n  restart_on = [file.a]\n}\n", "Invalid restart_on", 8, 16},
		"run_on on a file":          {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  path = \"/a\"\n}\nfile \"b\" {\n  path = \"/b\"\n  run_on = [file.a]\n}\n", "Unsupported argument", 7, 3},
		"run_on a cycle":            {"p.hcl", "playbook \"p\" {}\ncommand \"a\" {\n  run = [\"x\"]\n  run_on = [command.a]\n}\n", "Dependency cycle", 2, 1},
		"yaml depends_on one value": {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.a: {path: /a}\n  - file.b:\n      path: /b\n      depends_on: file.a\n", "Invalid depends_on", 6, 19},
		"yaml run_on unknown":       {"p.yaml", "playbook: {name: p}\nsteps:\n  - command.a:\n      run: [x]\n      run_on: [file.nope]\n", "Unknown step in run_on", 5, 15},
		"yaml duplicate attribute":  {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.a: {path: /a, path: /b}\n", "", 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pb, diags := Load(tt.file, []byte(tt.src))
			if !diags.HasErrors() {
				diags = Validate(pb, nil)
			}
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			d := diags[0]
			if tt.summary != "" && d.Summary != tt.summary {
				t.Errorf("summary %q, want %q (%s)", d.Summary, tt.summary, diags)
			}
			if tt.line > 0 && (d.Subject == nil || d.Subject.Start.Line != tt.line || d.Subject.Start.Column != tt.col) {
				t.Errorf("at %v, want line %d column %d", d.Subject, tt.line, tt.col)
			}
			if d.Subject == nil {
				t.Errorf("%q has no source range", d.Summary)
			}
		})
	}
}

func TestValidateCatchesExpressionMistakes(t *testing.T) {
	tests := map[string]struct{ attr, summary string }{
		"unknown function":  {`path = nope("x")`, "Call to unknown function"},
		"unknown variable":  {`path = var.nope`, "Reference to undeclared variable"},
		"unknown fact":      {`path = fact.path.nope.exists`, "Reference to undeclared fact"},
		"wrong type":        {`path = ["a"]`, "path is a string, not a list"},
		"bad state":         {`path = "/a"` + "\n" + `state = "gone"`, `state = "gone": want present, absent`},
		"content if absent": {`path = "/a"` + "\n" + `state = "absent"` + "\n" + `content = "x"`, "an absent file has no content"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			diags := LoadAndValidate("p.hcl", []byte("playbook \"p\" {}\nfile \"f\" {\n"+tt.attr+"\n}\n"))
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.summary) {
				t.Fatalf("diagnostics %q, want %q", diags.Error(), tt.summary)
			}
			if diags[0].Subject == nil || diags[0].Subject.Start.Line < 3 {
				t.Errorf("diagnostic at %v, want the attribute's line", diags[0].Subject)
			}
		})
	}
}

// Every name a playbook or a flag may get wrong gets the suggestion HCL
// gives for an attribute, in both notations.
func TestSuggestions(t *testing.T) {
	tests := map[string]struct{ file, src, want string }{
		"step type":          {"p.hcl", "playbook \"p\" {}\nservise \"s\" {\n  name = \"x\"\n}\n", `Did you mean "service"?`},
		"yaml step type":     {"p.yaml", "playbook: {name: p}\nsteps:\n  - fiel.a: {path: /a}\n", `Did you mean "file"?`},
		"fact type":          {"p.hcl", "playbook \"p\" {}\nfact \"pth\" \"x\" {\n  path = \"/a\"\n}\n", `Did you mean "path"?`},
		"yaml attribute":     {"p.yaml", "playbook: {name: p}\nsteps:\n  - service.s: {name: x, sate: stopped}\n", `An argument named "sate" is not expected here. Did you mean "state"?`},
		"yaml variable attr": {"p.yaml", "playbook: {name: p}\nvariables:\n  x: {tpye: bool}\n", `Did you mean "type"?`},
		"yaml top key":       {"p.yaml", "playbook: {name: p}\nstep:\n  - file.a: {path: /a}\n", `Did you mean "steps"?`},
		"yaml function":      {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.a: {path: '${lowr(\"/A\")}'}\n", `Did you mean "lower"?`},
		"hcl function":       {"p.hcl", "playbook \"p\" {}\nfile \"a\" {\n  path = lowr(\"/A\")\n}\n", `Did you mean "lower"?`},
		"variable":           {"p.hcl", "playbook \"p\" {}\nvariable \"dir\" {\n  default = \"/a\"\n}\nfile \"a\" {\n  path = var.dri\n}\n", `Did you mean "dir"?`},
		"dependency":         {"p.hcl", "playbook \"p\" {}\nfile \"aa\" {\n  path = \"/a\"\n}\nfile \"b\" {\n  path = \"/b\"\n  depends_on = [file.ab]\n}\n", `Did you mean "file.aa"?`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			diags := LoadAndValidate(tt.file, []byte(tt.src))
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("got %v, want %q", diags, tt.want)
			}
		})
	}
}

// A path's control characters are refused where they are written, with
// the way to write the path in that notation.
func TestControlCharactersInPaths(t *testing.T) {
	tests := map[string]struct {
		file, src string
		want      string // "": no error
		line, col int
	}{
		"hcl tab and newline":  {"p.hcl", "playbook \"p\" {}\ndirectory \"d\" {\n  path  = \"C:\\temp\\new\"\n  state = \"absent\"\n}\n", `path holds a tab (\t): in a quoted HCL string`, 3, 12},
		"hcl in a template":    {"p.hcl", "playbook \"p\" {}\nfile \"f\" {\n  path = \"${env(\"windir\")}\\new.txt\"\n}\n", `path holds a newline (\n)`, 3, 27},
		"hcl rename_to":        {"p.hcl", "playbook \"p\" {}\ndirectory \"d\" {\n  path = \"C:/a\"\n  state = \"absent\"\n  rename_to = \"C:\\ra\"\n}\n", "Control character in rename_to", 5, 16},
		"hcl fact":             {"p.hcl", "playbook \"p\" {}\nfact \"path\" \"p\" {\n  path = \"C:\\temp\"\n}\n", "Control character in path", 3, 11},
		"yaml double-quoted":   {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.f:\n      path: \"C:\\temp\\new\"\n", "in a double-quoted YAML string", 4, 14},
		"hcl escaped is fine":  {"p.hcl", "playbook \"p\" {}\nfile \"f\" {\n  path = \"C:\\\\temp\\\\new\"\n}\n", "", 0, 0},
		"yaml plain is fine":   {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.f:\n      path: C:\\temp\\new\n", "", 0, 0},
		"content may hold one": {"p.hcl", "playbook \"p\" {}\nfile \"f\" {\n  path = \"/a\"\n  content = \"a\\tb\\n\"\n}\n", "", 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			diags := LoadAndValidate(tt.file, []byte(tt.src))
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				return
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("got %v, want %q", diags, tt.want)
			}
			if s := diags[0].Subject; s == nil || s.Start.Line != tt.line || s.Start.Column != tt.col {
				t.Errorf("at %v, want line %d column %d", s, tt.line, tt.col)
			}
		})
	}
}
