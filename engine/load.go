package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources"
)

// MaxPlaybookSize bounds a playbook's source and a variable file's.
const MaxPlaybookSize = 4 << 20

// Load decodes a playbook, in HCL or YAML by its file name's extension.
func Load(filename string, src []byte) (*Playbook, hcl.Diagnostics) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".hcl":
		return LoadHCL(filename, src)
	case ".yaml", ".yml":
		return LoadYAML(filename, src)
	}
	return nil, hcl.Diagnostics{errAt(fileStart(filename), "Unknown playbook format", "A playbook is a .hcl, .yaml or .yml file.")}
}

func fileStart(filename string) hcl.Range {
	return hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
}

// checkSource refuses a source too large to parse safely, or that is not
// UTF-8 text: a saved plan holds its playbook as a JSON string, which
// would replace the invalid bytes, and the playbook would no longer match
// its digest. what is the kind of file, capitalised.
func checkSource(filename, what string, src []byte) *hcl.Diagnostic {
	if len(src) > MaxPlaybookSize {
		return errAt(fileStart(filename), what+" too large", fmt.Sprintf("%d bytes; a %s is at most %d.", len(src), strings.ToLower(what), MaxPlaybookSize))
	}
	if utf8.Valid(src) {
		return nil
	}
	pos := hcl.InitialPos
	for pos.Byte < len(src) {
		r, n := utf8.DecodeRune(src[pos.Byte:])
		if r == utf8.RuneError && n == 1 {
			rng := hcl.Range{Filename: filename, Start: pos, End: hcl.Pos{Line: pos.Line, Column: pos.Column + 1, Byte: pos.Byte + 1}}
			return errAt(rng, what+" is not UTF-8 text", fmt.Sprintf("Byte 0x%02x is not UTF-8; save the file as UTF-8.", src[pos.Byte]))
		}
		pos.Byte += n
		pos.Column++
		if r == '\n' {
			pos.Line, pos.Column = pos.Line+1, 1
		}
	}
	return nil
}

// parseHCL parses an HCL file that is within the limits (see limits.go),
// and charges its expressions' evaluations to b.
func parseHCL(filename, what string, src []byte, b *budget) (*hclsyntax.Body, hcl.Diagnostics) {
	if d := checkSource(filename, what, src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	if !quickNesting(src) {
		// The lexer's own errors come again from the parser.
		tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
		if d := checkNesting(tokens); d != nil {
			return nil, hcl.Diagnostics{d}
		}
	}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body := f.Body.(*hclsyntax.Body)
	limit(body, b)
	return body, diags
}

// LoadHCL decodes a playbook written in HCL.
func LoadHCL(filename string, src []byte) (*Playbook, hcl.Diagnostics) {
	b := newBudget()
	body, diags := parseHCL(filename, "Playbook", src, b)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, attr := range body.Attributes {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unexpected attribute",
			Detail:   fmt.Sprintf("%q: a playbook holds only blocks (playbook, variable, fact and steps) at the top level.", attr.Name),
			Subject:  attr.NameRange.Ptr(),
		})
	}
	blocks := make(hcl.Blocks, len(body.Blocks))
	for i, blk := range body.Blocks {
		blocks[i] = blk.AsHCLBlock()
	}
	pb, more := decode(filename, blocks, b)
	pb.Filename, pb.Src = filename, src
	return pb, append(diags, more...)
}

var (
	playbookSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "title"}, {Name: "source"}, {Name: "description"}, {Name: "detect"},
	}}
	metaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "depends_on"}, {Name: "when"}, {Name: "description"},
	}}
)

// decode builds a playbook from its top-level blocks; HCL and YAML both
// come here, so that both notations mean the same.
func decode(filename string, blocks hcl.Blocks, b *budget) (*Playbook, hcl.Diagnostics) {
	pb := &Playbook{budget: b}
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	unique := func(kind, name string, b *hcl.Block) bool {
		if prev, ok := seen[kind+"."+name]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate " + kind,
				Detail:   fmt.Sprintf("%s is declared twice; the first is at %s.", name, prev),
				Subject:  b.DefRange.Ptr(),
			})
			return false
		}
		seen[kind+"."+name] = b.DefRange
		return true
	}
	var playbooks int
	for _, b := range blocks {
		switch {
		case b.Type == "playbook":
			if !labels(b, &diags, "name") {
				continue
			}
			if playbooks++; playbooks > 1 {
				diags = append(diags, errAt(b.DefRange, "Duplicate playbook block", "A file holds one playbook."))
				continue
			}
			pb.Name = b.Labels[0]
			content, d := b.Body.Content(playbookSchema)
			diags = append(diags, d...)
			pb.Title = literal(content, "title", &diags)
			pb.Source = literal(content, "source", &diags)
			pb.Description = literal(content, "description", &diags)
			if attr, ok := content.Attributes["detect"]; ok {
				pb.Detect = attr.Expr
			}
		case b.Type == "variable":
			if !labels(b, &diags, "name") || !unique("variable", b.Labels[0], b) {
				continue
			}
			v, d := decodeVariable(b)
			diags = append(diags, d...)
			pb.Variables = append(pb.Variables, v)
		case b.Type == "fact":
			if !labels(b, &diags, "type", "name") || !unique("fact", b.Labels[0]+"."+b.Labels[1], b) {
				continue
			}
			if _, ok := resources.LookupFact(b.Labels[0]); !ok {
				diags = append(diags, errAt(b.LabelRanges[0], "Unknown fact type", fmt.Sprintf("%q is not a fact type; the types are %s.%s",
					b.Labels[0], strings.Join(resources.FactTypeNames(), ", "), suggest(b.Labels[0], resources.FactTypeNames()))))
				continue
			}
			diags = append(diags, controlChars(b.Body)...)
			pb.Facts = append(pb.Facts, &Fact{Type: b.Labels[0], Name: b.Labels[1], Config: b.Body, DeclRange: b.DefRange})
		default:
			if _, ok := resources.Lookup(b.Type); !ok {
				diags = append(diags, errAt(b.TypeRange, "Unknown step type",
					fmt.Sprintf("%q is not a resource type; the types are %s.%s", b.Type, strings.Join(resources.TypeNames(), ", "), suggest(b.Type, resources.TypeNames()))))
				continue
			}
			if !labels(b, &diags, "name") || !unique("step", b.Type+"."+b.Labels[0], b) {
				continue
			}
			diags = append(diags, controlChars(b.Body)...)
			diags = append(diags, decodeStep(pb, b)...)
		}
	}
	if playbooks == 0 {
		diags = append(diags, errAt(fileStart(filename), "Missing playbook block",
			`A playbook file starts with playbook "NAME" { title = "..." source = "..." }.`))
	}
	if !diags.HasErrors() {
		diags = append(diags, order(pb)...)
	}
	return pb, append(diags, pb.references()...)
}

func decodeStep(pb *Playbook, b *hcl.Block) hcl.Diagnostics {
	t, _ := resources.Lookup(b.Type)
	schema := metaSchema
	if t.Trigger != "" {
		schema = &hcl.BodySchema{Attributes: append(slices.Clip(metaSchema.Attributes), hcl.AttributeSchema{Name: t.Trigger})}
	}
	content, rest, diags := b.Body.PartialContent(schema)
	s := &Step{Type: b.Type, Name: b.Labels[0], Config: rest, DeclRange: b.DefRange}
	s.Description = literal(content, "description", &diags)
	if attr, ok := content.Attributes["when"]; ok {
		s.When = attr.Expr
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		s.DependsOn = addresses(attr, &diags)
	}
	if attr, ok := content.Attributes[t.Trigger]; ok {
		s.Triggers, s.TriggerArg, s.TriggerRange = addresses(attr, &diags), t.Trigger, attr.Expr.Range()
	}
	pb.Steps = append(pb.Steps, s)
	return diags
}

// addresses reads a list of step addresses, written as references in both
// notations: depends_on = [file.a] in HCL, depends_on: [file.a] in YAML.
func addresses(attr *hcl.Attribute, diags *hcl.Diagnostics) []string {
	example := attr.Name + " = [service.stop_automatic_updates]"
	if y, ok := attr.Expr.(*yamlExpr); ok && !y.seq {
		*diags = append(*diags, errAt(attr.Expr.Range(), "Invalid "+attr.Name,
			fmt.Sprintf("%s is a list, even of one step: %s: [%s].", attr.Name, attr.Name, y.src)))
		return nil
	}
	exprs, d := hcl.ExprList(attr.Expr)
	if d.HasErrors() {
		*diags = append(*diags, errAt(attr.Expr.Range(), "Invalid "+attr.Name,
			fmt.Sprintf("%s is a list of step addresses, such as %s.", attr.Name, example)))
		return nil
	}
	var out []string
	for _, e := range exprs {
		t, d := hcl.AbsTraversalForExpr(e)
		if d.HasErrors() || len(t) != 2 || attrName(t[1]) == "" {
			detail := fmt.Sprintf("%s lists step addresses, such as %s.", attr.Name, example)
			if v, d := e.Value(nil); !d.HasErrors() && v.Type() == cty.String && !v.IsNull() {
				detail = fmt.Sprintf("A step address is a reference, not a string: write %s without quotes.", v.AsString())
			}
			*diags = append(*diags, errAt(e.Range(), "Invalid "+attr.Name, detail))
			continue
		}
		out = append(out, t.RootName()+"."+attrName(t[1]))
	}
	return out
}

// order puts each step after the steps it depends on, keeping the written
// order otherwise, and reports unknown dependencies and cycles.
func order(pb *Playbook) hcl.Diagnostics {
	index := map[string]int{}
	for i, s := range pb.Steps {
		index[s.Addr()] = i
	}
	var diags hcl.Diagnostics
	for _, s := range pb.Steps {
		for _, d := range s.DependsOn {
			if _, ok := index[d]; !ok {
				diags = append(diags, errAt(s.DeclRange, "Unknown dependency", fmt.Sprintf("%s depends on %s, which is not a step of this playbook.%s", s.Addr(), d, suggest(d, slices.Sorted(maps.Keys(index))))))
			}
		}
		for _, d := range s.Triggers {
			if _, ok := index[d]; !ok {
				diags = append(diags, errAt(s.TriggerRange, "Unknown step in "+s.TriggerArg, fmt.Sprintf("%s names %s, which is not a step of this playbook.%s", s.TriggerArg, d, suggest(d, slices.Sorted(maps.Keys(index))))))
			}
		}
	}
	if diags.HasErrors() {
		return diags
	}
	const (
		unvisited = iota
		visiting
		done
	)
	mark := make([]int, len(pb.Steps))
	sorted := make([]*Step, 0, len(pb.Steps))
	var path []string
	var visit func(i int) *hcl.Diagnostic
	visit = func(i int) *hcl.Diagnostic {
		s := pb.Steps[i]
		switch mark[i] {
		case done:
			return nil
		case visiting:
			cycle := append(path[slices.Index(path, s.Addr()):], s.Addr())
			return errAt(s.DeclRange, "Dependency cycle", "These steps depend on each other: "+strings.Join(cycle, " -> ")+".")
		}
		mark[i] = visiting
		path = append(path, s.Addr())
		for _, d := range s.after() {
			if diag := visit(index[d]); diag != nil {
				return diag
			}
		}
		path = path[:len(path)-1]
		mark[i] = done
		sorted = append(sorted, s)
		return nil
	}
	for i := range pb.Steps {
		if diag := visit(i); diag != nil {
			return hcl.Diagnostics{diag}
		}
	}
	pb.Steps = sorted
	return nil
}

// after lists the steps s comes after: those it depends on and those that
// trigger it.
func (s *Step) after() []string { return append(slices.Clip(s.DependsOn), s.Triggers...) }

func labels(b *hcl.Block, diags *hcl.Diagnostics, names ...string) bool {
	if len(b.Labels) == len(names) {
		return true
	}
	*diags = append(*diags, errAt(b.DefRange, "Wrong number of labels",
		fmt.Sprintf("A %s block has %d label(s): %s.", b.Type, len(names), strings.Join(names, ", "))))
	return false
}

// literal evaluates an attribute that may not refer to anything.
func literal(content *hcl.BodyContent, name string, diags *hcl.Diagnostics) string {
	attr, ok := content.Attributes[name]
	if !ok {
		return ""
	}
	v, d := attr.Expr.Value(nil)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return ""
	}
	if v.IsNull() || v.Type() != cty.String {
		*diags = append(*diags, errAt(attr.Expr.Range(), "Invalid value", name+" is a string."))
		return ""
	}
	return v.AsString()
}

func errAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}
