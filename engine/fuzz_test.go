package engine

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wuplay/wuplay/playbooks"
)

// seeds adds to f every shipped playbook and every playbook in the command
// line's test scripts whose name ends in ext.
func seeds(f *testing.F, ext string) {
	for _, name := range playbooks.Names() {
		if strings.HasSuffix(name, ext) {
			_, src, _ := playbooks.Lookup(name)
			f.Add(src)
		}
	}
	scripts, _ := filepath.Glob("../testdata/script/*.txtar")
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if strings.HasSuffix(file.Name, ext) {
				f.Add(file.Data)
			}
		}
	}
}

// fuzzLoad checks that any input loads, or fails with diagnostics that
// each name a place in the file, without a panic.
func fuzzLoad(t *testing.T, filename string, src []byte) {
	pb, diags := Load(filename, src)
	if !diags.HasErrors() {
		diags = Validate(pb, nil)
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject == nil && !strings.HasPrefix(d.Summary, "No value for required variable") {
			t.Errorf("diagnostic without a place: %s: %s", d.Summary, d.Detail)
		}
	}
}

func FuzzLoadHCL(f *testing.F) {
	seeds(f, ".hcl")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "fuzz.hcl", src) })
}

func FuzzLoadYAML(f *testing.F) {
	seeds(f, ".yaml")
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n")) // aliases
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "fuzz.yaml", src) })
}

// FuzzParsePlanDocument's seeds are in testdata/fuzz: a real saved plan
// of kb910336 among them.
func FuzzParsePlanDocument(f *testing.F) {
	f.Add([]byte(`{"format_version": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParsePlanDocument("fuzz.plan", data)
		if err != nil {
			return
		}
		again, err := ParsePlanDocument("again.plan", d.Marshal())
		if err != nil {
			t.Fatalf("a plan that parsed does not parse again: %v", err)
		}
		if !bytes.Equal(again.Marshal(), d.Marshal()) {
			t.Errorf("round trip changed the plan")
		}
	})
}
