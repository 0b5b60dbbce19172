package engine

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// pathAttrs are the attributes of steps and facts that name a path, a
// registry key or a file pattern. Windows allows no control character in
// any of them; one there is nearly always "C:\temp\new" read as a tab and
// a newline, which a plan then shows escaped back, looking right.
var pathAttrs = []string{"path", "rename_to", "creates", "removes", "key", "backup", "pattern"}

// controlChars refuses a control character written in the text of a path
// attribute, where it is a mistake, not a name.
func controlChars(body hcl.Body) hcl.Diagnostics {
	exprs := map[string]hcl.Expression{}
	if hb, ok := body.(*hclsyntax.Body); ok { // without JustAttributes' copy of the map
		for _, name := range pathAttrs {
			if a, ok := hb.Attributes[name]; ok {
				exprs[name] = a.Expr
			}
		}
	} else {
		attrs, _ := body.JustAttributes() // a step has no blocks; a fact's are found later
		for name, a := range attrs {
			exprs[name] = a.Expr
		}
	}
	var diags hcl.Diagnostics
	for _, name := range pathAttrs {
		expr, ok := exprs[name]
		if !ok {
			continue
		}
		found := false // one error an attribute
		eachLiteral(expr, func(s string, rng hcl.Range) {
			i := strings.IndexFunc(s, isControl)
			if i < 0 || found {
				return
			}
			found = true
			how := `in a quoted HCL string, \t is a tab, \n a newline and \r a carriage return. Write each backslash of a Windows path twice (C:\\temp\\new), or use forward slashes (C:/temp/new).`
			if _, ok := expr.(*yamlExpr); ok {
				how = `in a double-quoted YAML string, a backslash starts an escape. Write the path without quotes or in single quotes (C:\temp\new), or use forward slashes.`
			}
			diags = append(diags, errAt(rng, "Control character in "+name,
				fmt.Sprintf("%s holds %s: %s", name, controlName(rune(s[i])), how)))
		})
	}
	return diags
}

// eachLiteral calls fn with each string literal of e, as its text and range.
func eachLiteral(e hcl.Expression, fn func(string, hcl.Range)) {
	switch e := e.(type) {
	case *yamlExpr:
		if e.tmpl != nil {
			eachLiteral(e.tmpl, fn)
		}
		for _, item := range e.items {
			eachLiteral(item, fn)
		}
	case hclsyntax.Expression:
		hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
			if lit, ok := n.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() && !lit.Val.IsNull() {
				fn(lit.Val.AsString(), lit.SrcRange)
			}
			return nil
		})
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func controlName(r rune) string {
	switch r {
	case '\t':
		return `a tab (\t)`
	case '\n':
		return `a newline (\n)`
	case '\r':
		return `a carriage return (\r)`
	}
	return fmt.Sprintf("the control character %U", r)
}
