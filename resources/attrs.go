package resources

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Attrs is one step's attributes, evaluated. Its getters record a
// diagnostic at the attribute's range for a value of the wrong kind, so a
// type's Decode reads as a list of its attributes.
type Attrs struct {
	// Block is the step's header, where errors about no one attribute point.
	Block  hcl.Range
	attrs  hcl.Attributes
	values map[string]cty.Value
	Diags  hcl.Diagnostics
}

// EvalAttrs evaluates every attribute of content in ctx.
func EvalAttrs(content *hcl.BodyContent, ctx *hcl.EvalContext, block hcl.Range) *Attrs {
	a := &Attrs{Block: block, attrs: content.Attributes, values: map[string]cty.Value{}}
	for name, attr := range content.Attributes {
		v, diags := attr.Expr.Value(ctx)
		a.Diags = append(a.Diags, diags...)
		if !diags.HasErrors() {
			a.values[name] = v
		}
	}
	return a
}

// Has reports whether the step sets name.
func (a *Attrs) Has(name string) bool {
	v, ok := a.values[name]
	return ok && !v.IsNull()
}

// Known reports whether name's value is known: in validate, values that
// depend on the host are not.
func (a *Attrs) Known(name string) bool {
	v, ok := a.values[name]
	return !ok || v.IsWhollyKnown()
}

// Errorf records an error about attribute name, or about the whole step
// when name is "".
func (a *Attrs) Errorf(name, format string, args ...any) {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf(format, args...), Subject: a.Block.Ptr()}
	if attr, ok := a.attrs[name]; ok {
		d.Subject = attr.Expr.Range().Ptr()
	}
	a.Diags = append(a.Diags, d)
}

func (a *Attrs) convert(name string, want cty.Type) (cty.Value, bool) {
	v, ok := a.values[name]
	if !ok || v.IsNull() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	v, err := convert.Convert(v, want)
	if err != nil {
		a.Errorf(name, "%s: %s", name, err)
		return cty.NilVal, false
	}
	return v, true
}

// String returns name's value, or def when the step leaves it out.
func (a *Attrs) String(name, def string) string {
	v, ok := a.convert(name, cty.String)
	if !ok {
		return def
	}
	return v.AsString()
}

// Enum returns name's value, which must be one of allowed, or def.
func (a *Attrs) Enum(name, def string, allowed ...string) string {
	s := a.String(name, def)
	if s != def && !slices.Contains(allowed, s) {
		a.Errorf(name, "%s = %q: want %s", name, s, strings.Join(allowed, ", "))
		return def
	}
	return s
}

// Bool returns name's value, or def.
func (a *Attrs) Bool(name string, def bool) bool {
	v, ok := a.convert(name, cty.Bool)
	if !ok {
		return def
	}
	return v.True()
}

// Duration returns name's value, a duration such as "90s" or "2m", or def.
func (a *Attrs) Duration(name string, def time.Duration) time.Duration {
	s := a.String(name, "")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		a.Errorf(name, "%s = %q: want a positive duration such as \"90s\" or \"5m\"", name, s)
		return def
	}
	return d
}
