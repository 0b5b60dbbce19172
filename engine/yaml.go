package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"
)

// LoadYAML decodes a playbook written in YAML. Its strings are HCL
// templates, so "${env("windir")}" means what it means in HCL, and each
// step is a one-key mapping from the step's address to its attributes:
//
//	steps:
//	  - service.stop_automatic_updates:
//	      name: wuauserv
//	      state: stopped
func LoadYAML(filename string, src []byte) (*Playbook, hcl.Diagnostics) {
	if d := checkSource(filename, "Playbook", src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	l := newYAMLLoader(filename, src)
	root := l.root(src, "A YAML playbook is a mapping with the keys playbook, variables, facts and steps.")
	if root == nil {
		return nil, l.diags
	}
	var blocks hcl.Blocks
	for i := 0; i < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "playbook":
			body := l.body(val)
			if body == nil {
				continue
			}
			name, ok := body.take("name")
			if !ok || name.Kind != yaml.ScalarNode {
				l.diags = append(l.diags, l.errAt(val, "Missing playbook name", "The playbook mapping needs a name, such as name: kb910336."))
				continue
			}
			blocks = append(blocks, l.block(key, "playbook", []string{name.Value}, body))
		case "variables":
			if !l.want(val, yaml.MappingNode, "variables is a mapping from each variable's name to its default and description") {
				continue
			}
			for j := 0; j < len(val.Content); j += 2 {
				if body := l.body(val.Content[j+1]); body != nil {
					l.nest(body, "validation")
					blocks = append(blocks, l.block(val.Content[j], "variable", []string{val.Content[j].Value}, body))
				}
			}
		case "facts", "steps":
			blocks = append(blocks, l.addressed(val, key.Value)...)
		default:
			l.diags = append(l.diags, l.errAt(key, "Unexpected key", fmt.Sprintf("%q: a YAML playbook has the keys playbook, variables, facts and steps.%s",
				key.Value, suggest(key.Value, []string{"playbook", "variables", "facts", "steps"}))))
		}
	}
	if l.diags.HasErrors() {
		return nil, l.diags
	}
	pb, diags := decode(filename, blocks, l.budget)
	pb.Filename, pb.Src = filename, src
	return pb, diags
}

type yamlLoader struct {
	filename string
	lines    []int // byte offset of each line's start
	diags    hcl.Diagnostics
	budget   *budget // for the templates' evaluations
}

func newYAMLLoader(filename string, src []byte) *yamlLoader {
	l := &yamlLoader{filename: filename, lines: []int{0}, budget: newBudget()}
	for i, c := range src {
		if c == '\n' {
			l.lines = append(l.lines, i+1)
		}
	}
	return l
}

// root parses src, whose top level must be a mapping (what says what it
// holds); an empty document is an empty mapping.
func (l *yamlLoader) root(src []byte, what string) *yaml.Node {
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	if err == nil {
		// A second document would be ignored, steps and all.
		if err = dec.Decode(&next); errors.Is(err, io.EOF) || (err == nil && len(next.Content) == 0) {
			err = nil
		} else if err == nil {
			l.diags = append(l.diags, l.errAt(next.Content[0], "More than one YAML document",
				"A file holds one document; a second, which would be ignored, starts here after a ---. Merge the two, or remove the ---."))
			return nil
		}
	}
	if err != nil {
		l.diags = append(l.diags, l.syntaxError(err))
		return nil
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	if deep := tooDeep(doc.Content[0], 1); deep != nil {
		l.diags = append(l.diags, l.errAt(deep, "YAML nested too deeply", fmt.Sprintf("More than %d levels of sequences and mappings.", maxNesting)))
		return nil
	}
	if l.duplicateKeys(doc.Content[0]); l.diags.HasErrors() {
		return nil
	}
	if doc.Content[0].Kind != yaml.MappingNode {
		l.diags = append(l.diags, l.errAt(doc.Content[0], "Invalid document", what))
		return nil
	}
	return doc.Content[0]
}

// duplicateKeys refuses a mapping that sets a key twice, anywhere: YAML
// says keys are unique, and yaml.v3's nodes keep both, which would merge
// two steps: lists or let the second value of an attribute win unseen.
func (l *yamlLoader) duplicateKeys(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if first, ok := seen[key.Value]; ok && key.Kind == yaml.ScalarNode {
				l.diags = append(l.diags, l.errAt(key, "Duplicate key", fmt.Sprintf("%q is set twice in this mapping; the first is at line %d, column %d.", key.Value, first.Line, first.Column)))
				continue
			}
			seen[key.Value] = key
		}
	}
	for _, c := range n.Content {
		l.duplicateKeys(c)
	}
}

// tooDeep returns a node nested deeper than maxNesting, or nil. yaml.v3
// stops at 10,000 levels; an expression's evaluation recurses once a level.
func tooDeep(n *yaml.Node, depth int) *yaml.Node {
	if depth > maxNesting {
		return n
	}
	for _, c := range n.Content {
		if deep := tooDeep(c, depth+1); deep != nil {
			return deep
		}
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (l *yamlLoader) syntaxError(err error) *hcl.Diagnostic {
	msg := err.Error()
	// Errors without a line (end of stream) are at the last line.
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid YAML", Detail: strings.TrimPrefix(msg, "yaml: "),
		Subject: l.rangeAt(len(l.lines), 1, 0).Ptr()}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.Detail = strings.TrimPrefix(msg, m[0])
		d.Subject = l.rangeAt(line, 1, 0).Ptr()
	}
	return d
}

func (l *yamlLoader) rangeAt(line, col, length int) hcl.Range {
	off := 0
	if line-1 < len(l.lines) {
		off = l.lines[line-1]
	}
	start := hcl.Pos{Line: line, Column: col, Byte: off + col - 1}
	end := hcl.Pos{Line: line, Column: col + length, Byte: start.Byte + length}
	return hcl.Range{Filename: l.filename, Start: start, End: end}
}

func (l *yamlLoader) rangeOf(n *yaml.Node) hcl.Range {
	length := len(n.Value)
	if n.Kind != yaml.ScalarNode || strings.Contains(n.Value, "\n") {
		length = 1
	}
	return l.rangeAt(n.Line, n.Column, length)
}

func (l *yamlLoader) errAt(n *yaml.Node, summary, detail string) *hcl.Diagnostic {
	return errAt(l.rangeOf(n), summary, detail)
}

func (l *yamlLoader) want(n *yaml.Node, kind yaml.Kind, what string) bool {
	if n.Kind == kind {
		return true
	}
	l.diags = append(l.diags, l.errAt(n, "Invalid playbook", what+"."))
	return false
}

func (l *yamlLoader) block(key *yaml.Node, typ string, labels []string, body *yamlBody) *hcl.Block {
	rng := l.rangeOf(key)
	ranges := make([]hcl.Range, len(labels))
	for i := range ranges {
		ranges[i] = rng
	}
	return &hcl.Block{Type: typ, Labels: labels, Body: body, DefRange: rng, TypeRange: rng, LabelRanges: ranges}
}

// addressed decodes a list of one-key mappings "TYPE.NAME: {attributes}":
// facts become fact blocks, steps blocks of their resource type.
func (l *yamlLoader) addressed(seq *yaml.Node, what string) hcl.Blocks {
	if !l.want(seq, yaml.SequenceNode, what+" is a list") {
		return nil
	}
	var blocks hcl.Blocks
	for _, item := range seq.Content {
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			l.diags = append(l.diags, l.errAt(item, "Invalid "+strings.TrimSuffix(what, "s"),
				"Each item is a one-key mapping from an address such as service.stop_automatic_updates to its attributes."))
			continue
		}
		key := item.Content[0]
		typ, name, ok := strings.Cut(key.Value, ".")
		if !ok || typ == "" || name == "" || !hclsyntax.ValidIdentifier(name) {
			l.diags = append(l.diags, l.errAt(key, "Invalid address", fmt.Sprintf("%q: an address is TYPE.NAME, such as service.stop_automatic_updates.", key.Value)))
			continue
		}
		body := l.body(item.Content[1])
		if body == nil {
			continue
		}
		if what == "facts" {
			blocks = append(blocks, l.block(key, "fact", []string{typ, name}, body))
		} else {
			blocks = append(blocks, l.block(key, typ, []string{name}, body))
		}
	}
	return blocks
}

// nest turns the attribute typ of body, a mapping or a list of mappings,
// into blocks of that type, as HCL writes them (a variable's validation).
func (l *yamlLoader) nest(body *yamlBody, typ string) {
	n, ok := body.take(typ)
	if !ok {
		return
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, item := range items {
		if !l.want(item, yaml.MappingNode, typ+" is a mapping, or a list of them") {
			continue
		}
		if b := l.body(item); b != nil {
			rng := l.rangeOf(item)
			body.blocks = append(body.blocks, &hcl.Block{Type: typ, Body: b, DefRange: rng, TypeRange: rng})
		}
	}
}

// body turns a mapping into an hcl.Body whose attributes are expressions.
func (l *yamlLoader) body(n *yaml.Node) *yamlBody {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return &yamlBody{rng: l.rangeOf(n)}
	}
	if !l.want(n, yaml.MappingNode, "attributes are a mapping of names to values") {
		return nil
	}
	b := &yamlBody{rng: l.rangeOf(n)}
	for i := 0; i < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		b.attrs = append(b.attrs, &hcl.Attribute{
			Name: key.Value, Expr: l.expr(val), Range: l.rangeOf(key), NameRange: l.rangeOf(key),
		})
		b.nodes = append(b.nodes, val)
	}
	return b
}

// expr turns a YAML value into an HCL expression: strings are templates.
func (l *yamlLoader) expr(n *yaml.Node) hcl.Expression {
	e := &yamlExpr{rng: l.rangeOf(n)}
	switch n.Kind {
	case yaml.AliasNode:
		// Aliases would let a small file expand into a huge one.
		l.diags = append(l.diags, l.errAt(n, "YAML alias not supported", "Playbooks do not use anchors and aliases; write the value out."))
		e.val = cty.DynamicVal
	case yaml.SequenceNode:
		e.seq = true
		for _, c := range n.Content {
			e.items = append(e.items, l.expr(c))
		}
	case yaml.MappingNode:
		e.keys = map[string]hcl.Expression{}
		for i := 0; i < len(n.Content); i += 2 {
			e.keys[n.Content[i].Value] = l.expr(n.Content[i+1])
		}
	default:
		switch n.Tag {
		case "!!str":
			src := []byte(n.Value)
			start := e.rng.Start
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
				start.Column++
				start.Byte++
			}
			e.src = src
			if e.tmpl = l.template(src, start); e.tmpl == nil {
				e.val = cty.DynamicVal
			}
		case "!!int", "!!float":
			if d := checkNumber(n.Value, e.rng); d != nil {
				l.diags = append(l.diags, d)
				e.val = cty.DynamicVal
				break
			}
			v, err := cty.ParseNumberVal(n.Value)
			if err != nil {
				l.diags = append(l.diags, l.errAt(n, "Invalid number", err.Error()))
			}
			e.val = v
		case "!!bool":
			e.val = cty.BoolVal(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
		case "!!null":
			e.val = cty.NullVal(cty.DynamicPseudoType)
		default:
			l.diags = append(l.diags, l.errAt(n, "Unsupported YAML value", fmt.Sprintf("Values tagged %s have no meaning in a playbook.", n.Tag)))
			e.val = cty.DynamicVal
		}
	}
	return e
}

// template parses a string as an HCL template within the limits, charged
// to the loader's budget; nil if it cannot be parsed.
func (l *yamlLoader) template(src []byte, start hcl.Pos) hcl.Expression {
	tokens, _ := hclsyntax.LexTemplate(src, l.filename, start)
	if d := checkNesting(tokens); d != nil {
		l.diags = append(l.diags, d)
		return nil
	}
	tmpl, d := hclsyntax.ParseTemplate(src, l.filename, start)
	if l.diags = append(l.diags, d...); d.HasErrors() {
		return nil
	}
	limit(tmpl, l.budget)
	return limiter{l.budget}.charged(tmpl)
}

// yamlBody is a YAML mapping seen as an hcl.Body, so that both notations
// are decoded by the same code.
type yamlBody struct {
	attrs  []*hcl.Attribute
	nodes  []*yaml.Node
	blocks hcl.Blocks // see nest
	rng    hcl.Range
}

var _ hcl.Body = (*yamlBody)(nil)

// take removes the attribute name and returns its YAML node.
func (b *yamlBody) take(name string) (*yaml.Node, bool) {
	for i, a := range b.attrs {
		if a.Name == name {
			n := b.nodes[i]
			b.attrs = append(b.attrs[:i:i], b.attrs[i+1:]...)
			b.nodes = append(b.nodes[:i:i], b.nodes[i+1:]...)
			return n, true
		}
	}
	return nil, false
}

func (b *yamlBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	content, rest, diags := b.PartialContent(schema)
	var names []string
	for _, as := range schema.Attributes {
		names = append(names, as.Name)
	}
	for _, a := range rest.(*yamlBody).attrs {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   fmt.Sprintf("An argument named %q is not expected here.%s", a.Name, suggest(a.Name, names)),
			Subject:  a.NameRange.Ptr(),
		})
	}
	return content, diags
}

func (b *yamlBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	content := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: b.rng}
	rest := &yamlBody{rng: b.rng}
	var diags hcl.Diagnostics
	want := map[string]bool{}
	for _, as := range schema.Attributes {
		want[as.Name] = true
	}
	for _, blk := range b.blocks {
		if slices.ContainsFunc(schema.Blocks, func(bs hcl.BlockHeaderSchema) bool { return bs.Type == blk.Type }) {
			content.Blocks = append(content.Blocks, blk)
		} else {
			rest.blocks = append(rest.blocks, blk)
		}
	}
	for i, a := range b.attrs {
		if want[a.Name] {
			content.Attributes[a.Name] = a
		} else {
			rest.attrs = append(rest.attrs, a)
			rest.nodes = append(rest.nodes, b.nodes[i])
		}
	}
	for _, as := range schema.Attributes {
		if _, ok := content.Attributes[as.Name]; as.Required && !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required, but no definition was found.", as.Name),
				Subject:  b.rng.Ptr(),
			})
		}
	}
	return content, rest, diags
}

func (b *yamlBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	attrs := hcl.Attributes{}
	for _, a := range b.attrs {
		attrs[a.Name] = a
	}
	return attrs, nil
}

func (b *yamlBody) MissingItemRange() hcl.Range { return b.rng }

// yamlExpr is a YAML value as an hcl.Expression.
type yamlExpr struct {
	rng   hcl.Range
	tmpl  hcl.Expression // strings
	src   []byte         // a string's text, for AsTraversal
	seq   bool
	items []hcl.Expression
	keys  map[string]hcl.Expression
	val   cty.Value // other scalars
}

var _ hcl.Expression = (*yamlExpr)(nil)

func (e *yamlExpr) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	switch {
	case e.tmpl != nil:
		return e.tmpl.Value(ctx)
	case e.seq:
		vals := make([]cty.Value, len(e.items))
		var diags hcl.Diagnostics
		for i, item := range e.items {
			v, d := item.Value(ctx)
			diags = append(diags, d...)
			vals[i] = v
		}
		return cty.TupleVal(vals), diags
	case e.keys != nil:
		vals := map[string]cty.Value{}
		var diags hcl.Diagnostics
		for k, item := range e.keys {
			v, d := item.Value(ctx)
			diags = append(diags, d...)
			vals[k] = v
		}
		return cty.ObjectVal(vals), diags
	}
	return e.val, nil
}

func (e *yamlExpr) Variables() []hcl.Traversal {
	var vars []hcl.Traversal
	if e.tmpl != nil {
		vars = e.tmpl.Variables()
	}
	for _, item := range e.items {
		vars = append(vars, item.Variables()...)
	}
	for _, item := range e.keys {
		vars = append(vars, item.Variables()...)
	}
	return vars
}

func (e *yamlExpr) Range() hcl.Range      { return e.rng }
func (e *yamlExpr) StartRange() hcl.Range { return e.rng }

// ExprList lets hcl.ExprList read a sequence. A single value reads as a
// list of one, which addresses refuses first: lists are lists in both
// notations.
func (e *yamlExpr) ExprList() []hcl.Expression {
	if !e.seq {
		return []hcl.Expression{e}
	}
	return e.items
}

// AsTraversal lets a string such as service.stop_automatic_updates stand
// for a reference, as it would in HCL (depends_on).
func (e *yamlExpr) AsTraversal() hcl.Traversal {
	if e.tmpl == nil || bytes.ContainsAny(e.src, "${}") {
		return nil
	}
	t, diags := hclsyntax.ParseTraversalAbs(e.src, e.rng.Filename, e.rng.Start)
	if diags.HasErrors() {
		return nil
	}
	return t
}
