package engine

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// What an expression may nest and what evaluations may produce, so that a
// small hostile playbook cannot overflow the parser's stack, exhaust
// memory or run for minutes. Sizes are in bytes of string, plus
// elementCost for each value in a collection.
const (
	// maxNesting bounds an expression's depth: brackets, quotes and
	// interpolations, and the operators and template directives that nest
	// inside one of them.
	maxNesting = 200
	// maxExponent bounds a number literal's decimal exponent: 1e1000
	// prints as 1,001 digits, 1e300000000 would print 300 million.
	maxExponent = 1000
	// maxValueSize bounds one value: a function's result, a template's
	// part, an attribute.
	maxValueSize = 16 << 20
	// evalBudget bounds what one plan's (or validate's) evaluations
	// produce in all, for expressions and for-expression turns together.
	evalBudget  = 64 << 20
	elementCost = 16
	// turnCost is a for expression's turn: some allocations, whatever its
	// body produces. A plan does at most evalBudget/turnCost, 262,144.
	turnCost = 256
)

// checkNesting refuses tokens that nest deeper than maxNesting, and number
// literals too large to print, before they are parsed: HCL's parser
// recurses once for each bracket, unary operator and conditional, and an
// expression's evaluation once for each operator. Within a bracket the
// operators since the last comma (or, where newlines end an item, the last
// newline) count as nesting, whether they are unary or binary: a bound,
// not a parse, and no playbook comes near it.
func checkNesting(tokens hclsyntax.Tokens) *hcl.Diagnostic {
	type level struct {
		open hclsyntax.TokenType // 0 at the top
		ops  int
	}
	levels := []level{{}}
	depth := 1
	for i, tok := range tokens {
		top := &levels[len(levels)-1]
		switch tok.Type {
		case hclsyntax.TokenTemplateControl:
			// %{ if } and %{ for } nest the template they are in until
			// their %{ endif } or %{ endfor }.
			if i+1 < len(tokens) && tokens[i+1].Type == hclsyntax.TokenIdent {
				switch string(tokens[i+1].Bytes) {
				case "if", "for":
					top.ops++
					depth++
				case "endif", "endfor":
					if top.ops > 0 {
						top.ops--
						depth--
					}
				}
			}
			fallthrough
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote,
			hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp:
			levels = append(levels, level{open: tok.Type})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if len(levels) == 1 {
				continue // unbalanced: the parser says so
			}
			depth -= 1 + top.ops
			levels = levels[:len(levels)-1]
			if tok.Type != hclsyntax.TokenTemplateSeqEnd {
				// What closed is an operand, which an index, an attribute
				// or an operator may nest further; a template's parts do
				// not nest.
				levels[len(levels)-1].ops++
				depth++
			}
		case hclsyntax.TokenComma:
			depth -= top.ops
			top.ops = 0
		case hclsyntax.TokenNewline, hclsyntax.TokenComment:
			// Newlines end an item at the top and in braces (bodies and
			// objects); elsewhere the parser skips them. A line comment
			// holds its newline.
			if (top.open == 0 || top.open == hclsyntax.TokenOBrace) &&
				(tok.Type == hclsyntax.TokenNewline || bytes.HasSuffix(tok.Bytes, []byte("\n"))) {
				depth -= top.ops
				top.ops = 0
			}
		case hclsyntax.TokenMinus, hclsyntax.TokenBang, hclsyntax.TokenQuestion, hclsyntax.TokenPlus, hclsyntax.TokenStar,
			hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenEqualOp,
			hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan,
			hclsyntax.TokenGreaterThanEq, hclsyntax.TokenDot:
			top.ops++
			depth++
		case hclsyntax.TokenNumberLit:
			if d := checkNumber(string(tok.Bytes), tok.Range); d != nil {
				return d
			}
		}
		if depth > maxNesting {
			return errAt(tok.Range, "Expression nested too deeply",
				fmt.Sprintf("More than %d levels of brackets, quotes, operators and template directives.", maxNesting))
		}
	}
	return nil
}

// checkNumber refuses a number literal whose digits (before or after the
// point) would run past maxExponent.
func checkNumber(lit string, rng hcl.Range) *hcl.Diagnostic {
	mant, exp, _ := strings.Cut(strings.ToLower(lit), "e")
	e, err := strconv.Atoi(strings.TrimPrefix(exp, "+"))
	whole, _, _ := strings.Cut(strings.TrimLeft(mant, "+-0"), ".")
	if exp == "" {
		e, err = 0, nil
	}
	if err != nil || e > maxExponent || e < -maxExponent || len(whole)+e > maxExponent {
		return errAt(rng, "Number too large", fmt.Sprintf("%s: a number has at most %d digits before or after its point.", lit, maxExponent))
	}
	return nil
}

// errSpent is the cause of every failure once an evaluation's budget is
// spent.
var errSpent = fmt.Errorf("the playbook's expressions would produce more than %d MiB, or run more than %d for-expression turns, in one plan", evalBudget>>20, evalBudget/turnCost)

// budget is what the evaluations of one plan (or one validate, or one
// load) may still produce. The wrappers that limit puts into a document's
// expressions share it with the scope's functions; NewPlan and Validate
// reset it, so a playbook is evaluated by one of them at a time.
type budget struct {
	left  atomic.Int64
	spent atomic.Bool
}

func newBudget() *budget {
	b := &budget{}
	b.reset()
	return b
}

func (b *budget) reset() {
	b.left.Store(evalBudget)
	b.spent.Store(false)
}

// take charges n; once the budget is spent, every charge fails, so that a
// loop under way stops at its next turn.
func (b *budget) take(n int64) error {
	if b.spent.Load() || b.left.Add(-n) < 0 {
		b.spent.Store(true)
		return errSpent
	}
	return nil
}

// produced charges a value's size, and refuses a value over maxValueSize.
func (b *budget) produced(v cty.Value) error {
	size := valueSize(v, maxValueSize)
	if err := b.take(size); err != nil {
		return err
	}
	if size > maxValueSize {
		return fmt.Errorf("the value is over %d MiB, the most a value may hold", maxValueSize>>20)
	}
	return nil
}

// valueSize is v's size, counted no further than past limit.
func valueSize(v cty.Value, limit int64) int64 {
	v, _ = v.Unmark()
	switch {
	case !v.IsKnown() || v.IsNull():
		return elementCost
	case v.Type() == cty.String:
		return elementCost + int64(len(v.AsString()))
	case !v.CanIterateElements():
		return elementCost
	}
	size := int64(elementCost)
	for it := v.ElementIterator(); it.Next() && size <= limit; {
		k, e := it.Element()
		size += valueSize(k, limit) + valueSize(e, limit)
	}
	return size
}

// limit puts the budget into node's expressions: each attribute's value,
// each part of a template, each turn of a for expression and what it
// produces is charged to b. Node is parsed and within maxNesting.
func limit(node hclsyntax.Node, b *budget) {
	switch n := node.(type) {
	case *hclsyntax.Body:
		// A body's attributes one by one, so that the constant ones, most
		// of a large playbook, are not walked at all.
		for _, attr := range n.Attributes {
			if !constant(attr.Expr) {
				hclsyntax.Walk(attr.Expr, limiter{b})
				attr.Expr = limiter{b}.charged(attr.Expr)
			}
		}
		for _, block := range n.Blocks {
			limit(block.Body, b)
		}
	default:
		hclsyntax.Walk(node, limiter{b})
	}
}

type limiter struct{ b *budget }

func (limiter) Enter(hclsyntax.Node) hcl.Diagnostics { return nil }

// Exit wraps a node's children once they have been walked, so that the
// walk never meets a wrapper.
func (l limiter) Exit(n hclsyntax.Node) hcl.Diagnostics {
	switch e := n.(type) {
	case *hclsyntax.Attribute:
		if !constant(e.Expr) { // a literal's size is the source's, and an attribute is evaluated once
			e.Expr = l.charged(e.Expr)
		}
	case *hclsyntax.ForExpr:
		e.CollExpr = &turnsExpr{e.CollExpr, l.b}
		e.ValExpr = l.charged(e.ValExpr)
		if e.KeyExpr != nil {
			e.KeyExpr = l.charged(e.KeyExpr)
		}
		if e.CondExpr != nil {
			e.CondExpr = l.charged(e.CondExpr)
		}
	case *hclsyntax.TemplateExpr:
		for i, p := range e.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok { // a literal's size is the source's
				e.Parts[i] = l.charged(p)
			}
		}
	}
	return nil
}

// constant reports whether e is a literal value or a quoted string with no
// interpolation: what it produces is in the source.
func constant(e hclsyntax.Expression) bool {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return true
	case *hclsyntax.TemplateExpr:
		for _, p := range e.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func (l limiter) charged(e hclsyntax.Expression) hclsyntax.Expression { return &chargedExpr{e, l.b} }

// chargedExpr is an expression whose values are charged to a budget. It
// embeds the expression it wraps, and unwraps to it for hcl.ExprList and
// the like; hclsyntax.Variables, which no one here calls, would miss a
// wrapped traversal.
type chargedExpr struct {
	hclsyntax.Expression
	budget *budget
}

func (e *chargedExpr) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if e.budget.spent.Load() {
		return cty.DynamicVal, hcl.Diagnostics{e.spent()}
	}
	v, diags := e.Expression.Value(ctx)
	diags = onceSpent(diags)
	if err := e.budget.produced(v); err != nil && !diags.HasErrors() {
		return cty.DynamicVal, append(diags, errAt(e.Range(), "Value too large", err.Error()))
	}
	return v, diags
}

func (e *chargedExpr) spent() *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Evaluation too costly", Detail: errSpent.Error() + ".",
		Subject: e.Range().Ptr(), Extra: errSpent}
}

func (e *chargedExpr) UnwrapExpression() hcl.Expression { return e.Expression }

// onceSpent keeps the first diagnostic of a spent budget and drops the
// others: a loop that runs into it reports it once, not once a turn.
func onceSpent(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := false
	out := diags[:0:0]
	for _, d := range diags {
		if isSpent(d) {
			if seen {
				continue
			}
			seen = true
		}
		out = append(out, d)
	}
	return out
}

func isSpent(d *hcl.Diagnostic) bool {
	if call, ok := hcl.DiagnosticExtra[hclsyntax.FunctionCallDiagExtra](d); ok {
		return errors.Is(call.FunctionCallError(), errSpent)
	}
	err, ok := d.Extra.(error)
	return ok && errors.Is(err, errSpent)
}

// turnsExpr is a for expression's collection: its turns are charged before
// the first, so that a loop over a million elements inside another never
// starts.
type turnsExpr struct {
	hclsyntax.Expression
	budget *budget
}

func (e *turnsExpr) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, diags := e.Expression.Value(ctx)
	if u, _ := v.Unmark(); u.IsKnown() && !u.IsNull() && u.CanIterateElements() {
		if err := e.budget.take(int64(u.LengthInt()) * turnCost); err != nil {
			return cty.DynamicVal, append(diags, (&chargedExpr{e.Expression, e.budget}).spent())
		}
	}
	return v, diags
}

func (e *turnsExpr) UnwrapExpression() hcl.Expression { return e.Expression }

// limited is f with its results charged to b, and refused before f runs
// where estimate foresees a result over maxValueSize.
func limited(f function.Function, b *budget, estimate func(args []cty.Value) int64) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if estimate != nil && estimate(args) > maxValueSize {
				return cty.NilVal, fmt.Errorf("the result would be over %d MiB, the most a value may hold", maxValueSize>>20)
			}
			v, err := f.Call(args)
			if err == nil {
				err = b.produced(v)
			}
			return v, err
		},
	})
}

// Estimates of results, from known arguments.

func replaceSize(args []cty.Value) int64 {
	s, old, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
	return int64(len(s)) + int64(strings.Count(s, old))*max(0, int64(len(repl)-len(old)))
}

func joinSize(args []cty.Value) int64 {
	sep := int64(len(args[0].AsString()))
	var size int64
	for _, list := range args[1:] {
		for it := list.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsKnown() && !e.IsNull() {
				size += elementCost + sep + int64(len(e.AsString()))
			}
		}
	}
	return size
}

func splitSize(args []cty.Value) int64 {
	sep, s := args[0].AsString(), args[1].AsString()
	return int64(len(s)) + int64(strings.Count(s, sep)+1)*elementCost
}

// formatSize bounds format's result: each verb prints at most the largest
// argument, padded to the largest number in the verb (its width or
// precision).
func formatSize(args []cty.Value) int64 {
	spec := args[0].AsString()
	var largest int64
	for _, a := range args[1:] {
		largest = max(largest, valueSize(a, maxValueSize))
	}
	size := int64(len(spec))
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			continue
		}
		var width, n int64
		for i++; i < len(spec) && strings.IndexByte("0123456789.[]#+- ", spec[i]) >= 0; i++ {
			if c := spec[i]; c >= '0' && c <= '9' {
				n = min(n*10+int64(c-'0'), maxValueSize+1)
			} else {
				width, n = max(width, n), 0
			}
		}
		size += largest + max(width, n)
	}
	return size
}
