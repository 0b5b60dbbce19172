package resources

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Attribute declares one attribute of a resource or fact type. The HCL
// and YAML schema, the type checks, the default, the allowed values and
// the README's tables all come from this one declaration, as Terraform's
// configschema does; Decode reads the typed value through Attrs.
type Attribute struct {
	Name string
	// Type is what the value is converted to. cty.DynamicPseudoType takes
	// any value, for Decode to judge (a registry value's data, whose type
	// is given by another attribute).
	Type     cty.Type
	Required bool
	// Default is the value of an attribute left out; cty.NilVal means the
	// zero of Type: "", false, 0 or an empty list.
	Default cty.Value
	// Allowed lists the values a string may take.
	Allowed []string
	// Lone lets one string stand for a list of one: a command line, run
	// by the shell.
	Lone bool
	// Check refuses a known value of the right type that still means
	// nothing (a regular expression that does not compile), saying why.
	Check func(cty.Value) error
	Doc   string
}

// Schema is a type's attributes, in the order its documentation lists them.
type Schema []Attribute

// Body is the schema as HCL (and the YAML loader) check a body against.
func (s Schema) Body() *hcl.BodySchema {
	b := &hcl.BodySchema{}
	for _, at := range s {
		b.Attributes = append(b.Attributes, hcl.AttributeSchema{Name: at.Name, Required: at.Required})
	}
	return b
}

// Lookup returns the attribute called name.
func (s Schema) Lookup(name string) (*Attribute, bool) {
	i := slices.IndexFunc(s, func(at Attribute) bool { return at.Name == name })
	if i < 0 {
		return nil, false
	}
	return &s[i], true
}

// ObjectType is the object whose attributes the schema declares: what a
// fact gives.
func (s Schema) ObjectType() cty.Type {
	attrs := map[string]cty.Type{}
	for _, at := range s {
		attrs[at.Name] = at.Type
	}
	return cty.Object(attrs)
}

// TypeName is how documentation and diagnostics name a type: string,
// number, bool, list(string), any.
func TypeName(t cty.Type) string { return typeexpr.TypeString(t) }

// Attrs is one step's or fact's attributes, evaluated, converted to their
// declared types and checked; Decode reads them with the getters, which
// give the declared default for an attribute left out, and the zero value
// for one that is unknown (validate) or in error.
type Attrs struct {
	// Block is the step's header, where errors about no one attribute point.
	Block  hcl.Range
	schema Schema
	attrs  hcl.Attributes
	// values holds every attribute written: cty.NilVal for one in error.
	values map[string]cty.Value
	Diags  hcl.Diagnostics
	// read, when not nil, records the attributes Decode asks about, for
	// the test that a schema and its Decode agree.
	read map[string]bool
}

// EvalAttrs evaluates every attribute of content in ctx, as schema
// declares it. content has been checked against schema.Body().
func EvalAttrs(schema Schema, content *hcl.BodyContent, ctx *hcl.EvalContext, block hcl.Range) *Attrs {
	a := &Attrs{Block: block, schema: schema, attrs: content.Attributes, values: make(map[string]cty.Value, len(content.Attributes))}
	for name, attr := range content.Attributes {
		at, ok := schema.Lookup(name)
		if !ok {
			panic("resources: attribute " + name + " is not in the schema") // Content checked it
		}
		v, diags := attr.Expr.Value(ctx)
		a.Diags = append(a.Diags, diags...)
		if diags.HasErrors() || v.IsNull() {
			continue
		}
		a.values[name], _ = a.typed(at, v)
	}
	return a
}

// typed converts v to at's type and checks it, recording why not.
func (a *Attrs) typed(at *Attribute, v cty.Value) (cty.Value, bool) {
	if at.Lone && v.Type() == cty.String {
		v = cty.TupleVal([]cty.Value{v})
	}
	given := v
	v, err := convert.Convert(v, at.Type)
	switch {
	case err == nil:
	case at.Type.IsPrimitiveType():
		a.Errorf(at.Name, "%s is %s, not %s", at.Name, want(at), describe(given))
		return cty.NilVal, false
	default:
		a.Errorf(at.Name, "%s is %s: %s", at.Name, want(at), err)
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() {
		return v, true
	}
	if at.Allowed != nil && !slices.Contains(at.Allowed, v.AsString()) {
		a.Errorf(at.Name, "%s = %q: want %s", at.Name, v.AsString(), strings.Join(at.Allowed, ", "))
		return cty.NilVal, false
	}
	if at.Check != nil {
		if err := at.Check(v); err != nil {
			a.Errorf(at.Name, "%s: %s", at.Name, err)
			return cty.NilVal, false
		}
	}
	return v, true
}

// want says what an attribute takes, for a value of the wrong type.
func want(at *Attribute) string {
	s := "a " + TypeName(at.Type)
	if at.Lone {
		s += " or one string"
	}
	return s
}

// describe names a value of the wrong type: a string as written, else
// its type.
func describe(v cty.Value) string {
	if v.Type() == cty.String && v.IsKnown() {
		return fmt.Sprintf("%q", v.AsString())
	}
	switch t := v.Type(); {
	case t.IsTupleType():
		return "a list"
	case t.IsObjectType():
		return "an object"
	default:
		return "a " + TypeName(t)
	}
}

// Has reports whether the step sets name.
func (a *Attrs) Has(name string) bool {
	a.declared(name)
	_, ok := a.values[name]
	return ok
}

// Known reports whether name's value is known: in validate, values that
// depend on the host are not.
func (a *Attrs) Known(name string) bool {
	a.declared(name)
	v := a.values[name]
	return v == cty.NilVal || v.IsWhollyKnown()
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

func (a *Attrs) declared(name string) *Attribute {
	at, ok := a.schema.Lookup(name)
	if !ok {
		panic("resources: Decode reads " + name + ", which its schema does not declare")
	}
	if a.read != nil {
		a.read[name] = true
	}
	return at
}

// Value is name's value, of its declared type: the default when it is
// left out or in error, null without a default, unknown when unknown.
func (a *Attrs) Value(name string) cty.Value {
	at := a.declared(name)
	if v := a.values[name]; v != cty.NilVal {
		return v
	}
	if at.Default != cty.NilVal {
		return at.Default
	}
	return cty.NullVal(at.Type)
}

// known is name's value when it is known and not null.
func (a *Attrs) known(name string) (cty.Value, bool) {
	v := a.Value(name)
	return v, !v.IsNull() && v.IsWhollyKnown()
}

// String returns a string attribute's value.
func (a *Attrs) String(name string) string {
	if v, ok := a.known(name); ok {
		return v.AsString()
	}
	return ""
}

// Bool returns a bool attribute's value.
func (a *Attrs) Bool(name string) bool {
	v, ok := a.known(name)
	return ok && v.True()
}

// Int returns a whole number attribute's value (its Check is wholeNumber).
func (a *Attrs) Int(name string) int {
	if v, ok := a.known(name); ok {
		return toInt(v)
	}
	return 0
}

func toInt(v cty.Value) int {
	n, _ := v.AsBigFloat().Int64()
	return int(n)
}

// Strings returns a list of strings.
func (a *Attrs) Strings(name string) []string {
	v, ok := a.known(name)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		out = append(out, e.AsString())
	}
	return out
}

// Ints returns a list of whole numbers (its Check is wholeNumbers).
func (a *Attrs) Ints(name string) []int {
	v, ok := a.known(name)
	if !ok {
		return nil
	}
	var out []int
	for _, e := range v.AsValueSlice() {
		out = append(out, toInt(e))
	}
	return out
}

// Duration returns a duration attribute's value (its Check is
// positiveDuration).
func (a *Attrs) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(a.String(name))
	return d
}

// Regexp returns a regular expression attribute's value (its Check is
// validRegexp), or nil.
func (a *Attrs) Regexp(name string) *regexp.Regexp {
	s := a.String(name)
	if s == "" {
		return nil
	}
	return regexp.MustCompile(s)
}

// Checks of attribute values, in the user's words.

func positiveDuration(v cty.Value) error {
	if d, err := time.ParseDuration(v.AsString()); err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as \"90s\" or \"5m\"", v.AsString())
	}
	return nil
}

func validRegexp(v cty.Value) error {
	_, err := regexp.Compile(v.AsString())
	return err
}

// wholeNumber refuses a number that is not whole, or out of [lo, hi].
func wholeNumber(lo, hi int64) func(cty.Value) error {
	return func(v cty.Value) error {
		f := v.AsBigFloat()
		if !f.IsInt() || f.Cmp(big.NewFloat(float64(lo))) < 0 || f.Cmp(big.NewFloat(float64(hi))) > 0 {
			return fmt.Errorf("%s is not a whole number from %d to %d", f.Text('f', -1), lo, hi)
		}
		return nil
	}
}

// each applies check to every element of a list.
func each(check func(cty.Value) error) func(cty.Value) error {
	return func(v cty.Value) error {
		for _, e := range v.AsValueSlice() {
			if err := check(e); err != nil {
				return err
			}
		}
		return nil
	}
}
