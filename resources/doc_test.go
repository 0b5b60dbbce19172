package resources

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSchemaTables keeps the attribute tables, made from the schema, in
// testdata/golden/schema.md, and checks that the README holds them: a
// type or attribute changed shows in the diff (go test ./resources
// -update), and the README cannot drift from the code.
func TestSchemaTables(t *testing.T) {
	var b strings.Builder
	b.WriteString("### Resources\n")
	for _, name := range TypeNames() {
		rt := types[name]
		fmt.Fprintf(&b, "\n#### `%s`\n\n%s\n\n", name, rt.Doc)
		attributeTable(&b, rt.Schema)
	}
	b.WriteString("\n### Facts\n\nA fact block `fact \"TYPE\" \"NAME\" { … }` is read at plan time; its values are `fact.TYPE.NAME.VALUE`.\n")
	for _, name := range FactTypeNames() {
		ft := factTypes[name]
		fmt.Fprintf(&b, "\n#### `%s`\n\n%s\n\n", name, ft.Doc)
		if len(ft.Schema) > 0 {
			attributeTable(&b, ft.Schema)
			b.WriteString("\n")
		}
		b.WriteString("| value | type | meaning |\n|---|---|---|\n")
		for _, at := range ft.Values {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", at.Name, TypeName(at.Type), at.Doc)
		}
	}
	golden := filepath.Join("..", "testdata", "golden", "schema.md")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("%s differs from the schema (-file +schema); rewrite it with -update:\n%s", golden, diff)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), b.String()) {
		t.Errorf("README.md's Resources and Facts tables are not the schema's: put %s in their place", golden)
	}
}

func attributeTable(b *strings.Builder, s Schema) {
	b.WriteString("| attribute | type | default | meaning |\n|---|---|---|---|\n")
	for _, at := range s {
		typ := TypeName(at.Type)
		switch {
		case at.Lone:
			typ += ", or one string"
		case at.Allowed != nil:
			typ += ": " + strings.Join(at.Allowed, ", ")
		}
		def := ""
		switch {
		case at.Required:
			def = "required"
		case at.Default != cty.NilVal:
			def = "`" + written(at.Default) + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", at.Name, typ, def, at.Doc)
	}
}

// written is a default as a playbook would.
func written(v cty.Value) string {
	switch {
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type().IsListType():
		var items []string
		for _, e := range v.AsValueSlice() {
			items = append(items, written(e))
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return v.GoString()
}
