package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestJSONStreamMatchesSchema runs plans and applies with -json, ending
// well and badly, and validates every line against the documented schema
// (engine/views/stream.schema.json).
func TestJSONStreamMatchesSchema(t *testing.T) {
	f, err := os.Open("../../engine/views/stream.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("stream.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("stream.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]struct {
		host string
		argv []string
		want []string // line types that must appear
	}{
		"plan":           {"broken", []string{"plan", "-json"}, []string{"planned_step", "plan_summary"}},
		"apply":          {"broken", []string{"apply", "-json", "-auto-approve"}, []string{"step_started", "step_finished", "apply_summary"}},
		"apply put back": {"scanned", []string{"apply", "-json", "-auto-approve"}, []string{"step_finished", "apply_summary", "diagnostic"}},
		"bad playbook":   {"broken", []string{"validate", "-json", "../../testdata/crash/missing.hcl"}, []string{"diagnostic", "validate_result"}},
		"valid playbook": {"broken", []string{"validate", "-json", "kb910336"}, []string{"validate_result"}},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/"+run.host)); err != nil {
				t.Fatal(err)
			}
			argv := run.argv
			if argv[0] != "validate" {
				argv = append(argv, "-host", "sim:"+dir, "kb910336")
			}
			var out bytes.Buffer
			c := &cli{stdout: &out, stderr: &out}
			c.main(context.Background(), argv)
			seen := map[string]bool{}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				v, err := jsonschema.UnmarshalJSON(strings.NewReader(sc.Text()))
				if err != nil {
					t.Fatalf("not JSON: %s", sc.Text())
				}
				if err := schema.Validate(v); err != nil {
					t.Errorf("%s\n%v", sc.Text(), err)
				}
				var line struct{ Type string }
				json.Unmarshal(sc.Bytes(), &line)
				seen[line.Type] = true
			}
			for _, typ := range run.want {
				if !seen[typ] {
					t.Errorf("no %s line", typ)
				}
			}
		})
	}
}
