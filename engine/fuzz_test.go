package engine_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/internal/corpus"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources/host"
)

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
	pb, diags := engine.Load(filename, src)
	if !diags.HasErrors() {
		diags = engine.Validate(pb, nil)
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject == nil && !strings.HasPrefix(d.Summary, "No value for required variable") {
			t.Errorf("diagnostic without a place: %s: %s", d.Summary, d.Detail)
		}
	}
	if diags.HasErrors() {
		return
	}
	p, diags := engine.NewPlan(context.Background(), pb, h, engine.Options{})
	if diags.HasErrors() {
		return
	}
	d := p.Document()
	render(d)
	if _, err := engine.ParsePlanDocument("fuzz.plan", d.Marshal()); err != nil {
		t.Errorf("a plan wuplay made does not read back: %v", err)
	}
}

// render writes a plan in every form wuplay shows it: as a plan, as
// Markdown, and as a fleet of one, in text and Markdown.
func render(d *engine.PlanDocument) {
	views.WritePlan(io.Discard, d, true)
	views.WriteMarkdown(io.Discard, d)
	renderFleet(fleet.Summarize([]fleet.Input{{Host: "web01", Plan: d}}))
}

func renderFleet(s *fleet.Summary) {
	views.WriteFleetText(io.Discard, s, true)
	views.WriteFleetMarkdown(io.Discard, s)
	s.Marshal()
}

func FuzzLoadHCL(f *testing.F) {
	corpus.Playbooks(f, ".hcl")
	corpus.Add(f, "../testdata/script/*.txtar", ".hcl")
	h := fuzzHost(f)
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, h, "fuzz.hcl", src) })
}

func FuzzLoadYAML(f *testing.F) {
	corpus.Playbooks(f, ".yaml")
	corpus.Add(f, "../testdata/script/*.txtar", ".yaml")
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n")) // aliases
	h := fuzzHost(f)
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, h, "fuzz.yaml", src) })
}

// FuzzParsePlanDocument's seeds are in testdata/fuzz (a real saved plan
// of kb910336 among them) and the hostile corpus's plans. A plan that
// reads is rendered in every form and reads back the same.
func FuzzParsePlanDocument(f *testing.F) {
	f.Add([]byte(`{"format_version": "2.0"}`))
	corpus.Add(f, "../testdata/hostile/inputs/*.txtar", ".plan")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := engine.ParsePlanDocument("fuzz.plan", data)
		if err != nil {
			return
		}
		render(d)
		again, err := engine.ParsePlanDocument("again.plan", d.Marshal())
		if err != nil {
			t.Fatalf("a plan that parsed does not parse again: %v", err)
		}
		if !bytes.Equal(again.Marshal(), d.Marshal()) {
			t.Errorf("round trip changed the plan")
		}
	})
}
