package engine

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
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
		addFiles(f, s, ext)
	}
}

// addFiles adds to f the files of the txtar archive at path whose names
// end in one of exts.
func addFiles(f *testing.F, path string, exts ...string) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range a.Files {
		for _, ext := range exts {
			if strings.HasSuffix(file.Name, ext) {
				f.Add(file.Data)
			}
		}
	}
}

// fuzzHost is a simulated host for the fuzzers to plan against, in a
// copy, though a plan changes nothing.
func fuzzHost(f *testing.F) host.Host {
	dir := f.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/hosts/broken")); err != nil {
		f.Fatal(err)
	}
	h, err := host.OpenSim(dir)
	if err != nil {
		f.Fatal(err)
	}
	return h
}

// fuzzLoad checks that any input loads, or fails with diagnostics that
// each name a place in the file, without a panic; and that a playbook
// that loads is validated, planned against h, rendered, and its saved
// plan read back.
func fuzzLoad(t *testing.T, h host.Host, filename string, src []byte) {
	pb, diags := Load(filename, src)
	if !diags.HasErrors() {
		diags = Validate(pb, nil)
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject == nil && !strings.HasPrefix(d.Summary, "No value for required variable") {
			t.Errorf("diagnostic without a place: %s: %s", d.Summary, d.Detail)
		}
	}
	if diags.HasErrors() {
		return
	}
	p, diags := NewPlan(context.Background(), pb, h, Options{})
	if diags.HasErrors() {
		return
	}
	d := p.Document()
	render(d)
	if _, err := ParsePlanDocument("fuzz.plan", d.Marshal()); err != nil {
		t.Errorf("a plan wuplay made does not read back: %v", err)
	}
}

// render writes a plan in every form wuplay shows it: as a plan, as
// Markdown, and as a fleet of one, in text and Markdown.
func render(d *PlanDocument) {
	WritePlan(io.Discard, d, true)
	WriteMarkdown(io.Discard, d)
	renderFleet(Summarize([]FleetInput{{Host: "web01", Plan: d}}))
}

func renderFleet(s *FleetSummary) {
	WriteFleetText(io.Discard, s, true)
	WriteFleetMarkdown(io.Discard, s)
	s.Marshal()
}

func FuzzLoadHCL(f *testing.F) {
	seeds(f, ".hcl")
	h := fuzzHost(f)
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, h, "fuzz.hcl", src) })
}

func FuzzLoadYAML(f *testing.F) {
	seeds(f, ".yaml")
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n")) // aliases
	h := fuzzHost(f)
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, h, "fuzz.yaml", src) })
}

// hostileSeeds adds the hostile corpus's files whose names end in exts.
func hostileSeeds(f *testing.F, exts ...string) {
	archives, _ := filepath.Glob("../testdata/hostile/inputs/*.txtar")
	for _, a := range archives {
		addFiles(f, a, exts...)
	}
}

// FuzzParsePlanDocument's seeds are in testdata/fuzz (a real saved plan
// of kb910336 among them) and the hostile corpus's plans. A plan that
// reads is rendered in every form and reads back the same.
func FuzzParsePlanDocument(f *testing.F) {
	f.Add([]byte(`{"format_version": 1}`))
	hostileSeeds(f, ".plan")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParsePlanDocument("fuzz.plan", data)
		if err != nil {
			return
		}
		render(d)
		again, err := ParsePlanDocument("again.plan", d.Marshal())
		if err != nil {
			t.Fatalf("a plan that parsed does not parse again: %v", err)
		}
		if !bytes.Equal(again.Marshal(), d.Marshal()) {
			t.Errorf("round trip changed the plan")
		}
	})
}

// quickNesting must never let through what checkNesting refuses: it is
// only a way to skip lexing a playbook twice.
func FuzzQuickNesting(f *testing.F) {
	seeds(f, ".hcl")
	hostileSeeds(f, ".hcl")
	for _, s := range []string{
		`a = - - - 1`, `a = 0.b.c.d`, `a = foo-bar-baz`, `a = "${"${"${x}"}"}"`, `a = [ # c ]` + "\n" + `1]`,
		`a = x.y[0].z`, `a = 1e5`, `a = a - - b`, "a = (\n-\n-\n1)", `a = "$${x}"`, `a = "\"" - - 1`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !quickNesting(src) {
			return
		}
		tokens, _ := hclsyntax.LexConfig(src, "fuzz.hcl", hcl.InitialPos)
		if d := checkNesting(tokens); d != nil {
			t.Fatalf("quickNesting let through what checkNesting refuses: %s", d.Summary)
		}
	})
}

// A deep chain passes quickNesting for no spelling.
func TestQuickNestingRefusesDeepChains(t *testing.T) {
	for _, op := range []string{"-", "!", "(", "[", `"${`, "a.", "a+", "x==", "x&&", "{a=", "%"} {
		src := "a = " + strings.Repeat(op+" ", maxNesting+1) + "1"
		if quickNesting([]byte(src)) {
			t.Errorf("%d times %q passes", maxNesting+1, op)
		}
	}
}
