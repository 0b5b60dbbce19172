package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaPath is wuplay's JSON schema, generated from the engine's types
// (engine/views TestSchemaIsGenerated); the stories, which run in folders
// of their own, have it as WUPLAY_TEST_SCHEMA.
const schemaPath = "../../engine/views/wuplay.schema.json"

// outputSchema compiles the schema once: every value wuplay writes as JSON
// must be one of its line or document types.
var outputSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(cmp.Or(os.Getenv("WUPLAY_TEST_SCHEMA"), schemaPath))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("wuplay.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("wuplay.schema.json")
})

// checkJSON validates each JSON value of out (lines, or indented
// documents) against the schema.
func checkJSON(out []byte) error {
	schema, err := outputSchema()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	for n := 1; ; n++ {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("value %d is not JSON: %v", n, err)
		}
		if err := schema.Validate(v); err != nil {
			return fmt.Errorf("value %d: %#v", n, err)
		}
	}
}

// TestJSONStreamMatchesSchema runs plans and applies with -json, ending
// well and badly, and validates every line against the schema; the
// stories validate theirs too (TestMain).
func TestJSONStreamMatchesSchema(t *testing.T) {
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
			if err := checkJSON(out.Bytes()); err != nil {
				t.Errorf("%v\n%s", err, out.String())
			}
			seen := map[string]bool{}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
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
