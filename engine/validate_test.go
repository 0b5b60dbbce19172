package engine

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/zclconf/go-cty/cty"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/resources"
)

// validBodies are, for each resource and fact type, attributes that
// decode without error and plan without error on corpusHost.
var validBodies = map[string][][2]string{
	"service":             {{"name", `"wuauserv"`}, {"state", `"stopped"`}},
	"directory":           {{"path", `"C:\\d"`}},
	"file":                {{"path", `"C:\\f"`}},
	"files":               {{"path", `"C:\\d"`}, {"pattern", `"*.dat"`}},
	"registry_value":      {{"key", `"HKLM\\SOFTWARE\\X"`}, {"name", `"n"`}, {"type", `"string"`}, {"data", `"x"`}},
	"registry_key":        {{"key", `"HKLM\\SOFTWARE\\X"`}},
	"command":             {{"run", `["probe"]`}},
	"fact path":           {{"path", `"C:\\Windows"`}},
	"fact file":           {{"path", `"C:\\f"`}},
	"fact registry_value": {{"key", `"HKLM\\SOFTWARE\\X"`}, {"name", `"n"`}},
	"fact service":        {{"name", `"wuauserv"`}},
	"fact command":        {{"run", `["probe"]`}},
	"fact os":             {},
	"fact eventlog":       {},
	"fact last_apply":     {{"playbook", `"p"`}},
}

const corpusHost = `
env: {windir: C:\Windows}
services:
  wuauserv: {state: running, start_type: manual}
commands:
  - {run: probe, exit: 0, output: ok}
`

// schemaCorpus makes, from each type's schema, a playbook for every wrong
// type, value outside an attribute's set, missing required attribute and
// unknown attribute, each in a body that is otherwise valid.
func schemaCorpus(t *testing.T) map[string]string {
	corpus := map[string]string{}
	kinds := map[string]resources.Schema{}
	for _, name := range resources.TypeNames() {
		rt, _ := resources.Lookup(name)
		kinds[name] = rt.Schema
	}
	for _, name := range resources.FactTypeNames() {
		ft, _ := resources.LookupFact(name)
		kinds["fact "+name] = ft.Schema
	}
	for kind, schema := range kinds {
		base, ok := validBodies[kind]
		if !ok {
			t.Fatalf("no valid body for %s", kind)
		}
		header := strings.TrimPrefix(kind, "fact ") + ` "x"`
		if strings.HasPrefix(kind, "fact ") {
			header = "fact " + header
		}
		play := func(set map[string]string) string {
			var b strings.Builder
			fmt.Fprintf(&b, "playbook \"p\" {}\n%s {\n", header)
			for _, at := range base {
				if v, ok := set[at[0]]; !ok {
					fmt.Fprintf(&b, "  %s = %s\n", at[0], at[1])
				} else if v != "" {
					fmt.Fprintf(&b, "  %s = %s\n", at[0], v)
				}
				delete(set, at[0])
			}
			for name, v := range set {
				if v != "" {
					fmt.Fprintf(&b, "  %s = %s\n", name, v)
				}
			}
			return b.String() + "}\n"
		}
		for _, at := range schema {
			if at.Type != cty.DynamicPseudoType {
				corpus[kind+"."+at.Name+".type"] = play(map[string]string{at.Name: wrongValue(at.Type)})
			}
			if at.Allowed != nil {
				corpus[kind+"."+at.Name+".allowed"] = play(map[string]string{at.Name: `"nope"`})
			}
			if at.Required {
				corpus[kind+"."+at.Name+".required"] = play(map[string]string{at.Name: ""})
			}
			corpus[kind+"."+at.Name+".unknown"] = play(map[string]string{at.Name + "x": "true"})
		}
	}
	return corpus
}

func wrongValue(t cty.Type) string {
	switch {
	case t == cty.Bool:
		return `"maybe"`
	case t == cty.Number:
		return `"many"`
	}
	return `{ nested = true }`
}

// TestValidateFindsWhatPlanFinds plans each bad playbook of the corpus on a
// host that has what they name, and wants plan to refuse it, and each of
// plan's errors from validate too: a mistake in the playbook alone never
// waits for a host to be found.
func TestValidateFindsWhatPlanFinds(t *testing.T) {
	corpus := schemaCorpus(t)
	ar, err := txtar.ParseFile(filepath.Join("..", "testdata", "hostile", "schema", "constraints.txtar"))
	must(t, err)
	for _, f := range ar.Files {
		corpus[f.Name] = string(f.Data)
	}
	// Every check of an attribute has its playbook in the corpus.
	for _, name := range resources.TypeNames() {
		rt, _ := resources.Lookup(name)
		for _, at := range rt.Schema {
			if _, ok := corpus[name+"."+at.Name+".check.hcl"]; at.Check != nil && !ok {
				t.Errorf("no playbook %s.%s.check.hcl breaks the check of %s", name, at.Name, at.Name)
			}
		}
	}
	for _, name := range resources.FactTypeNames() {
		ft, _ := resources.LookupFact(name)
		for _, at := range ft.Schema {
			if _, ok := corpus["fact."+name+"."+at.Name+".check.hcl"]; at.Check != nil && !ok {
				t.Errorf("no playbook fact.%s.%s.check.hcl breaks the check of %s", name, at.Name, at.Name)
			}
		}
	}
	for name, src := range corpus {
		t.Run(name, func(t *testing.T) {
			file := "p.hcl"
			if strings.HasSuffix(name, ".yaml") {
				file = "p.yaml"
			}
			pb, diags := Load(file, []byte(src))
			if diags.HasErrors() {
				t.Fatalf("the corpus holds playbooks that load: %s", diags)
			}
			found := map[string]bool{}
			for _, d := range Validate(pb, nil) {
				found[diagKey(d)] = true
			}
			_, planDiags := NewPlan(context.Background(), pb, simHost(t, corpusHost), Options{})
			if !planDiags.HasErrors() {
				t.Fatalf("plan finds nothing wrong in\n%s", src)
			}
			for _, d := range planDiags {
				if d.Severity == hcl.DiagError && !found[diagKey(d)] {
					t.Errorf("plan finds %s; validate does not (it finds %v)", diagKey(d), slices.Sorted(maps.Keys(found)))
				}
			}
		})
	}
}

func diagKey(d *hcl.Diagnostic) string {
	s := d.Summary + ": " + d.Detail
	if d.Subject != nil {
		s = d.Subject.String() + ": " + s
	}
	return s
}
