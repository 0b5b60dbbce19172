package engine

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/wuplay/wuplay/engine/internal/corpus"
)

// quickNesting must never let through what checkNesting refuses: it is
// only a way to skip lexing a playbook twice.
func FuzzQuickNesting(f *testing.F) {
	corpus.Playbooks(f, ".hcl")
	corpus.Add(f, "../testdata/script/*.txtar", ".hcl")
	corpus.Add(f, "../testdata/hostile/inputs/*.txtar", ".hcl")
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
