package views_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/internal/golden"
	"github.com/wuplay/wuplay/engine/playtest"
	"github.com/wuplay/wuplay/resources"
)

// streamLines are the -json stream's line types, by the value of "type".
var streamLines = map[string]any{
	engine.LinePlannedStep:    engine.PlannedStepLine{},
	engine.LinePlanSummary:    engine.PlanSummaryLine{},
	engine.LineStepStarted:    engine.StepStartedLine{},
	engine.LineStepProgress:   engine.StepProgressLine{},
	engine.LineStepFinished:   engine.StepFinishedLine{},
	engine.LineApplySummary:   engine.ApplySummaryLine{},
	engine.LineValidateResult: engine.ValidateResultLine{},
	engine.LineDiagnostic:     engine.DiagnosticLine{},
	playtest.LineTestResult:   playtest.TestResultLine{},
	playtest.LineTestSummary:  playtest.TestSummaryLine{},
}

// documents are the JSON documents wuplay writes whole.
var documents = []any{engine.PlanDocument{}, engine.Report{}, engine.Graph{}, engine.VersionDocument{}, engine.PlaybookList{},
	fleet.Summary{}, fleet.AnsibleResult{}}

// enums are the values of the string types and fields that take a fixed
// set, from the lists the code itself checks against.
var (
	typeEnums = map[reflect.Type][]string{
		reflect.TypeFor[resources.Action](): strs(resources.Actions),
		reflect.TypeFor[engine.Status]():    strs(engine.Statuses),
		reflect.TypeFor[engine.Outcome]():   strs(engine.Outcomes),
	}
	fieldEnums = map[[2]string][]string{
		{"DocObject", "kind"}:     resources.Kinds,
		{"DocChange", "kind"}:     resources.Kinds,
		{"BackoutStep", "kind"}:   resources.Kinds,
		{"BackoutStep", "action"}: engine.BackoutActions,
		{"GraphEdge", "kind"}:     {"order", "depends_on", "restart_on", "run_on"},
	}
)

func strs[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// generateSchema reflects every line and document type into one schema:
// a value is valid if it is one of them.
func generateSchema(t *testing.T) *jsonschema.Schema {
	r := &jsonschema.Reflector{Anonymous: true, Mapper: func(rt reflect.Type) *jsonschema.Schema {
		if values, ok := typeEnums[rt]; ok {
			return &jsonschema.Schema{Type: "string", Enum: anys(values)}
		}
		if rt == reflect.TypeFor[resources.State]() {
			// Its values are written typed: "exists": true, "size": 12.
			return &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{
				AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "boolean"}, {Type: "number"}}}}
		}
		if rt == reflect.TypeFor[json.RawMessage]() {
			return &jsonschema.Schema{} // a variable's or a fact's value: any JSON
		}
		return nil
	}}
	root := &jsonschema.Schema{Version: jsonschema.Version, Title: "wuplay's JSON output, format " + engine.FormatVersion,
		Definitions: jsonschema.Definitions{}}
	add := func(v any, typ string) {
		s := r.Reflect(v)
		for name, def := range s.Definitions {
			root.Definitions[name] = def
		}
		name := reflect.TypeOf(v).Name()
		if typ != "" {
			root.Definitions[name].Properties.Set("type", &jsonschema.Schema{Const: typ})
		}
		root.AnyOf = append(root.AnyOf, &jsonschema.Schema{Ref: "#/$defs/" + name})
	}
	for _, typ := range slices.Sorted(maps.Keys(streamLines)) {
		add(streamLines[typ], typ)
	}
	for _, d := range documents {
		add(d, "")
	}
	for at, values := range fieldEnums {
		def, ok := root.Definitions[at[0]]
		if !ok {
			t.Fatalf("no definition %s", at[0])
		}
		p, ok := def.Properties.Get(at[1])
		if !ok {
			t.Fatalf("%s has no property %s", at[0], at[1])
		}
		p.Enum = anys(values)
	}
	for _, def := range root.Definitions {
		if def.Properties == nil {
			continue
		}
		if p, ok := def.Properties.Get("format_version"); ok {
			p.Const = engine.FormatVersion
		}
	}
	return root
}

func anys(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// TestSchemaIsGenerated: wuplay.schema.json is what the Go types give;
// go test ./engine/views -update rewrites it.
func TestSchemaIsGenerated(t *testing.T) {
	data, err := json.MarshalIndent(generateSchema(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "wuplay.schema.json", string(data)+"\n")
}

// TestSchemaEnumsHoldEveryConstant: each enum holds every constant of its
// type declared in the code, so a constant added without its list fails
// here, not in a reader's hands.
func TestSchemaEnumsHoldEveryConstant(t *testing.T) {
	declared := map[string][]string{} // type or name prefix -> values
	for _, dir := range []string{"../../resources", "..", "../playtest"} {
		fset := token.NewFileSet()
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						key := ""
						if id, ok := vs.Type.(*ast.Ident); ok {
							key = id.Name
						}
						for _, prefix := range []string{"Kind", "Backout"} {
							if key == "" && strings.HasPrefix(name.Name, prefix) {
								key = prefix
							}
						}
						declared[key] = append(declared[key], v)
					}
				}
			}
		}
	}
	lists := map[string][]string{"Action": strs(resources.Actions), "Status": strs(engine.Statuses), "Outcome": strs(engine.Outcomes),
		"Kind": resources.Kinds, "Backout": engine.BackoutActions}
	for typ, list := range lists {
		if len(declared[typ]) == 0 {
			t.Errorf("no %s constants found in the code", typ)
		}
		for _, v := range declared[typ] {
			if !slices.Contains(list, v) {
				t.Errorf("%s constant %q is not in the list the schema's enum is made from", typ, v)
			}
		}
	}
}
