package engine

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources"
)

// compareTypes reports each == and != in e whose operands are of types
// that can never be equal: HCL answers false (or true) without an error,
// so fact.registry_value.x.data != 86400, a string against a number, would
// be true on every host. Facts have static types, so validate, where
// their values are unknown, finds these as plan does. An operand whose
// type is not known (null, or inside a for expression) is left to run.
func compareTypes(e hcl.Expression, ctx *hcl.EvalContext) hcl.Diagnostics {
	if plain(e) {
		return nil
	}
	var diags hcl.Diagnostics
	eachNode(e, func(n hclsyntax.Node) {
		op, ok := n.(*hclsyntax.BinaryOpExpr)
		if !ok || op.Op != hclsyntax.OpEqual && op.Op != hclsyntax.OpNotEqual {
			return
		}
		lt, lok := staticType(op.LHS, ctx)
		rt, rok := staticType(op.RHS, ctx)
		if !lok || !rok || lt.Equals(rt) {
			return
		}
		always := "false"
		if op.Op == hclsyntax.OpNotEqual {
			always = "true"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Comparison of different types",
			Detail: fmt.Sprintf("The left side is a %s and the right side a %s, so this comparison is always %s. %s",
				describeType(lt), describeType(rt), always, convertHint(lt, rt)),
			Subject: op.Range().Ptr(),
		})
	})
	return diags
}

// staticType is the type of e's value in ctx, if it has one.
func staticType(e hclsyntax.Expression, ctx *hcl.EvalContext) (cty.Type, bool) {
	v, diags := e.Value(ctx)
	if diags.HasErrors() || v.IsNull() || v.Type() == cty.DynamicPseudoType {
		return cty.NilType, false
	}
	return v.Type(), true
}

func describeType(t cty.Type) string {
	switch {
	case t.IsTupleType():
		return "tuple (a list written in brackets)"
	case t.IsObjectType():
		return "object"
	}
	return resources.TypeName(t)
}

// convertHint says how to compare values of different types.
func convertHint(a, b cty.Type) string {
	switch {
	case a == cty.String && b == cty.Number || a == cty.Number && b == cty.String:
		return "Write both as numbers (a registry value's dword is fact.registry_value.NAME.number) or both as strings (\"86400\")."
	case a == cty.String && b == cty.Bool || a == cty.Bool && b == cty.String:
		return "Write both as bools (true, not \"true\")."
	case (a.IsListType() || a.IsSetType()) && b.IsTupleType() || a.IsTupleType() && (b.IsListType() || b.IsSetType()):
		return "Compare length(LIST) or the elements instead."
	}
	return "Convert one side to the other's type."
}

// plain reports whether e is a literal or a template of literals, as most
// attributes are: it holds no comparison, and a walk would cost a plan of
// thousands of steps more than the rest of its evaluation.
func plain(e hcl.Expression) bool {
	if y, ok := e.(*yamlExpr); ok {
		if y.tmpl == nil {
			return y.items == nil && y.keys == nil
		}
		e = y.tmpl
	}
	e = hcl.UnwrapExpressionUntil(e, func(e hcl.Expression) bool { _, ok := e.(*chargedExpr); return !ok })
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return true
	case *hclsyntax.TemplateExpr:
		for _, p := range e.Parts {
			if _, ok := hcl.UnwrapExpression(p).(*hclsyntax.LiteralValueExpr); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// eachNode calls fn on every node of e's syntax: HCL's, and the templates
// inside YAML values.
func eachNode(e hcl.Expression, fn func(hclsyntax.Node)) {
	switch e := e.(type) {
	case *yamlExpr:
		if e.tmpl != nil {
			eachNode(e.tmpl, fn)
		}
		for _, item := range e.items {
			eachNode(item, fn)
		}
		for _, item := range e.keys {
			eachNode(item, fn)
		}
	case hclsyntax.Expression:
		hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
			// The limits wrap expressions (limits.go); the syntax is
			// the wrapped one.
			if w, ok := n.(interface{ UnwrapExpression() hcl.Expression }); ok {
				if inner, ok := w.UnwrapExpression().(hclsyntax.Node); ok {
					fn(inner)
				}
			}
			fn(n)
			return nil
		})
	}
}
