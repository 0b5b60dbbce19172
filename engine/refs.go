package engine

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// references checks that every var.NAME and fact.TYPE.NAME of the
// playbook's expressions names a variable or fact it declares, with the
// nearest one as a suggestion: HCL says only that the object has no such
// attribute.
func (pb *Playbook) references() hcl.Diagnostics {
	var vars, facts []string
	for _, v := range pb.Variables {
		vars = append(vars, v.Name)
	}
	for _, f := range pb.Facts {
		facts = append(facts, f.Type+"."+f.Name)
	}
	exprs := []hcl.Expression{pb.Detect}
	for _, f := range pb.Facts {
		exprs = append(exprs, attrExprs(f.Config)...)
	}
	for _, s := range pb.Steps {
		exprs = append(append(exprs, s.When), attrExprs(s.Config)...)
	}
	var diags hcl.Diagnostics
	for _, e := range exprs {
		if se, ok := e.(hclsyntax.Expression); e == nil || ok && constant(se) {
			continue // a constant refers to nothing
		}
		for _, t := range e.Variables() {
			switch name := dotted(t, 1); {
			case t.RootName() == "var" && name != "" && !slices.Contains(vars, name):
				diags = append(diags, errAt(t.SourceRange(), "Reference to undeclared variable",
					fmt.Sprintf("var.%s: the playbook declares no variable %q.%s", name, name, suggest(name, vars))))
			case t.RootName() == "fact" && dotted(t, 2) != "" && !slices.Contains(facts, dotted(t, 2)):
				name := dotted(t, 2)
				diags = append(diags, errAt(t.SourceRange(), "Reference to undeclared fact",
					fmt.Sprintf("fact.%s: the playbook declares no fact %q.%s", name, name, suggest(name, facts))))
			}
		}
	}
	return diags
}

// attrExprs are the expressions of a body's attributes.
func attrExprs(b hcl.Body) []hcl.Expression {
	var out []hcl.Expression
	if hb, ok := b.(*hclsyntax.Body); ok { // without JustAttributes' copy of the map
		for _, a := range hb.Attributes {
			out = append(out, a.Expr)
		}
		return out
	}
	attrs, _ := b.JustAttributes()
	for _, a := range attrs {
		out = append(out, a.Expr)
	}
	return out
}

// dotted joins the n attribute names after t's root: fact.path.x is
// "path.x" for n = 2; "" when t is shorter or indexes instead.
func dotted(t hcl.Traversal, n int) string {
	if len(t) <= n {
		return ""
	}
	name := ""
	for _, step := range t[1 : n+1] {
		a := attrName(step)
		if a == "" {
			return ""
		}
		if name != "" {
			name += "."
		}
		name += a
	}
	return name
}
