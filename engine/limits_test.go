package engine_test

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/views"
)

// TestHostileInputs: inputs too large or too deep to store in the corpus,
// each refused with a diagnostic that has a place, without a crash.
func TestHostileInputs(t *testing.T) {
	body := func(expr string) string {
		return "playbook \"p\" {}\n\nfile \"f\" {\n  path    = \"/tmp/f\"\n  content = " + expr + "\n}\n"
	}
	tests := map[string]struct {
		file    string
		src     string
		summary string
	}{
		"too large":               {"p.hcl", strings.Repeat("#", engine.MaxPlaybookSize+1), "Playbook too large"},
		"YAML too large":          {"p.yaml", strings.Repeat("#", engine.MaxPlaybookSize+1), "Playbook too large"},
		"deep brackets":           {"p.hcl", "x = " + strings.Repeat("(", 100000), "Expression nested too deeply"},
		"1e5 unary minus":         {"p.hcl", body(strings.Repeat("- ", 100000) + "1"), "Expression nested too deeply"},
		"1e6 unary minus":         {"p.hcl", body(strings.Repeat("-", 1000000) + "1"), "Expression nested too deeply"},
		"1e6 logical not":         {"p.hcl", body(strings.Repeat("!", 1000000) + "true"), "Expression nested too deeply"},
		"1e5 conditionals":        {"p.hcl", body(strings.Repeat("true ? 1 : ", 100000) + "1"), "Expression nested too deeply"},
		"1e6 additions":           {"p.hcl", body(strings.Repeat("1 + ", 1000000) + "1"), "Expression nested too deeply"},
		"conditionals over lines": {"p.hcl", body("(" + strings.Repeat("true ? 1 :\n", 100000) + "1)"), "Expression nested too deeply"},
		"unary minus over comments": {"p.hcl", body("(" + strings.Repeat("- # c\n", 100000) + "1)"),
			"Expression nested too deeply"},
		"1e5 template directives": {"p.hcl", body(`"` + strings.Repeat("%{if true}", 100000) + strings.Repeat("%{endif}", 100000) + `"`), "Expression nested too deeply"},
		"1e6 unary minus in YAML": {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.f:\n      path: /tmp/f\n      content: \"${" + strings.Repeat("-", 1000000) + "1}\"\n",
			"Expression nested too deeply"},
		"not UTF-8":      {"p.hcl", "# a comment \x8a\n" + body(`"x"`), "Playbook is not UTF-8 text"}, // a saved plan would not match its digest
		"YAML not UTF-8": {"p.yaml", "# \xff\nplaybook: {name: p}\n", "Playbook is not UTF-8 text"},
		"deep YAML":      {"p.yaml", strings.Repeat("[", 100000), "Invalid YAML"}, // yaml.v3 stops at 10,000
		"alias bomb":     {"p.yaml", "playbook: {name: p}\nsteps:\n  - file.a:\n      path: &a /x\n      content: [*a, *a, *a]\n", "YAML alias not supported"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			diags := engine.LoadAndValidate(tt.file, []byte(tt.src))
			if !diags.HasErrors() || diags[0].Summary != tt.summary || diags[0].Subject == nil {
				t.Errorf("diagnostics %v, want %q with a place", diags, tt.summary)
			}
		})
	}
}

// TestHostileCorpus reads each file of testdata/hostile/inputs as wuplay
// would (a playbook is loaded and validated, a variable file v.* loaded, a
// plan parsed and shown, a fleet result parsed and reported) and wants the
// error that the archive's "want:" line names.
func TestHostileCorpus(t *testing.T) {
	archives, _ := filepath.Glob("../testdata/hostile/inputs/*.txtar")
	if len(archives) == 0 {
		t.Fatal("no corpus")
	}
	for _, path := range archives {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, want, ok := strings.Cut(string(a.Comment), "\nwant: ")
		if !ok {
			t.Fatalf("%s: no want: line", path)
		}
		want, _, _ = strings.Cut(want, "\n")
		for _, f := range a.Files {
			t.Run(filepath.Base(path)+"/"+f.Name, func(t *testing.T) {
				if got := readHostile(f.Name, f.Data); !strings.Contains(got, want) {
					t.Errorf("got %q, want an error with %q", got, want)
				}
			})
		}
	}
}

// readHostile reads a document as wuplay would and returns the error, or
// "" if it was read and rendered.
func readHostile(name string, data []byte) string {
	switch ext := filepath.Ext(name); {
	case strings.HasPrefix(name, "v."):
		_, diags := engine.LoadVarFile(name, data)
		return diagsText(diags)
	case ext == ".hcl" || ext == ".yaml":
		return diagsText(engine.LoadAndValidate(name, data))
	case ext == ".plan":
		d, err := engine.ParsePlanDocument(name, data)
		if err != nil {
			return err.Error()
		}
		views.WritePlan(io.Discard, d, false)
		views.WriteMarkdown(io.Discard, d)
	default:
		in, err := fleet.ParseInput("h", name, data)
		if err != nil {
			return err.Error()
		}
		s := fleet.Summarize([]fleet.Input{in})
		views.WriteFleetText(io.Discard, s, false)
		views.WriteFleetMarkdown(io.Discard, s)
	}
	return ""
}

func diagsText(diags hcl.Diagnostics) string {
	var b bytes.Buffer
	for _, d := range diags {
		if d.Subject == nil {
			b.WriteString("(no place) ")
		}
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}
