package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Variable is a value the user may set when planning.
type Variable struct {
	Name        string
	Description string
	// Type is the declared type; a variable that declares none is a
	// string, as every variable was before types.
	Type         cty.Type
	Default      cty.Value // cty.NilVal when the variable must be set
	Validations  []*Validation
	DeclRange    hcl.Range
	typed        bool // Type was declared
	defaultRange hcl.Range
}

// Validation is a rule a variable's value must meet, as Terraform's
// validation blocks: Condition is a boolean over var.NAME.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage string
}

var (
	variableSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
	}
	validationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true}, {Name: "error_message", Required: true},
	}}
)

// decodeVariable decodes a variable block.
func decodeVariable(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	content, diags := b.Body.Content(variableSchema)
	v := &Variable{Name: b.Labels[0], Type: cty.String, DeclRange: b.DefRange}
	v.Description = literal(content, "description", &diags)
	if attr, ok := content.Attributes["type"]; ok {
		t, d := typeexpr.TypeConstraint(typeExpr(attr.Expr))
		if diags = append(diags, d...); !d.HasErrors() {
			v.Type, v.typed = t, true
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		v.defaultRange = attr.Expr.Range()
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			var err error
			if v.Default, err = v.convert(val); err != nil {
				diags = append(diags, errAt(attr.Expr.Range(), "Invalid default for variable "+v.Name, err.Error()))
			}
		}
	}
	for _, blk := range content.Blocks {
		c, d := blk.Body.Content(validationSchema)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		cond := c.Attributes["condition"].Expr
		for _, t := range cond.Variables() {
			if t.RootName() != "var" || len(t) < 2 || attrName(t[1]) != v.Name {
				diags = append(diags, errAt(t.SourceRange(), "Invalid validation condition",
					fmt.Sprintf("A validation condition refers only to var.%s, the value it checks.", v.Name)))
			}
		}
		v.Validations = append(v.Validations, &Validation{Condition: cond, ErrorMessage: literal(c, "error_message", &diags)})
	}
	return v, diags
}

func attrName(t hcl.Traverser) string {
	if a, ok := t.(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// typeExpr is the expression a type is read from: in YAML, the string
// "list(string)" parsed as the HCL it stands for.
func typeExpr(e hcl.Expression) hcl.Expression {
	y, ok := e.(*yamlExpr)
	if !ok || y.tmpl == nil {
		return e
	}
	parsed, diags := hclsyntax.ParseExpression(y.src, y.rng.Filename, y.rng.Start)
	if diags.HasErrors() {
		return e // typeexpr then says what a type is
	}
	return parsed
}

// convert gives val the variable's type, refusing what a user cannot have
// meant: see strictValue.
func (v *Variable) convert(val cty.Value) (cty.Value, error) {
	if val.IsNull() {
		return cty.NilVal, fmt.Errorf("%s cannot be null", v.Name)
	}
	err := strictValue(val, v.Type, nil)
	var out cty.Value
	if err == nil {
		out, err = convert.Convert(val, v.Type)
	}
	if err == nil {
		err = checkMagnitude(out, nil)
	}
	if err != nil {
		msg := pathError(err)
		if !v.typed {
			msg += fmt.Sprintf("; %s declares no type, so it is a string: declare one, such as type = bool or type = list(string)", v.Name)
		}
		return cty.NilVal, fmt.Errorf("%s", msg)
	}
	return out, nil
}

// strictValue refuses the strings that cty would turn into a bool though
// no one writes them for one: "1" and "0". "True" and "maybe" are refused
// by cty itself.
func strictValue(val cty.Value, want cty.Type, path cty.Path) error {
	if !val.IsKnown() || val.IsNull() {
		return nil
	}
	vt := val.Type()
	switch {
	case want == cty.Bool && vt == cty.String:
		if s := val.AsString(); s == "1" || s == "0" {
			return path.NewErrorf("a bool is required (true or false), not %q", s)
		}
	case want.IsListType() || want.IsSetType() || want.IsMapType():
		if !val.CanIterateElements() {
			return nil
		}
		for it := val.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if err := strictValue(e, want.ElementType(), append(path, indexStep(k))); err != nil {
				return err
			}
		}
	case want.IsObjectType() && (vt.IsObjectType() || vt.IsMapType()):
		for name, at := range want.AttributeTypes() {
			if val.Type().IsObjectType() && !vt.HasAttribute(name) {
				continue
			}
			e := val.Index(cty.StringVal(name))
			if vt.IsObjectType() {
				e = val.GetAttr(name)
			}
			if err := strictValue(e, at, append(path, cty.GetAttrStep{Name: name})); err != nil {
				return err
			}
		}
	case want.IsTupleType() && (vt.IsTupleType() || vt.IsListType()):
		ets := want.TupleElementTypes()
		for i, e := range val.AsValueSlice() {
			if i < len(ets) {
				if err := strictValue(e, ets[i], append(path, cty.IndexStep{Key: cty.NumberIntVal(int64(i))})); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func indexStep(k cty.Value) cty.PathStep { return cty.IndexStep{Key: k} }

// checkMagnitude refuses infinities and numbers too large to print, which a
// saved plan would have to write out digit by digit.
func checkMagnitude(val cty.Value, path cty.Path) error {
	if !val.IsWhollyKnown() || val.IsNull() {
		return nil
	}
	switch t := val.Type(); {
	case t == cty.Number:
		f := val.AsBigFloat()
		// A binary exponent of 3,322 is about 10^1000.
		if f.IsInf() || f.MantExp(nil) > maxExponent*10/3 || (f.Sign() != 0 && f.MantExp(nil) < -maxExponent*10/3) {
			return path.NewErrorf("a number of at most %d digits is required", maxExponent)
		}
	case t.IsCollectionType() || t.IsObjectType() || t.IsTupleType():
		for it := val.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if err := checkMagnitude(e, append(path, indexStep(k))); err != nil {
				return err
			}
		}
	}
	return nil
}

// pathError words a conversion error with where in the value it is:
// "element 2: a bool is required".
func pathError(err error) string {
	pe, ok := err.(cty.PathError)
	if !ok || len(pe.Path) == 0 {
		return err.Error()
	}
	var where []string
	for _, step := range pe.Path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			where = append(where, "attribute "+s.Name)
		case cty.IndexStep:
			switch s.Key.Type() {
			case cty.String:
				where = append(where, fmt.Sprintf("key %q", s.Key.AsString()))
			case cty.Number:
				i, _ := s.Key.AsBigFloat().Int64()
				where = append(where, fmt.Sprintf("element %d", i+1))
			}
		}
	}
	return strings.Join(where, ", ") + ": " + pe.Error()
}

// VarValue is a variable's value as the user gave it, before it has the
// variable's type.
type VarValue struct {
	// Raw is the text of -var NAME=TEXT: for a variable of a primitive
	// type it is the string itself, for a list, map or object an HCL
	// expression, as Terraform reads -var.
	Raw string
	// Value is a variable file's, the Ansible module's or a saved plan's
	// value; cty.NilVal for Raw.
	Value cty.Value
	// Range is where a variable file sets it.
	Range *hcl.Range
	// From names where a value without a Range was given, for errors:
	// "-var aggressive=maybe".
	From string
}

// Vars are the variable values given, by name.
type Vars map[string]VarValue

// RawVar is a value given as text, as the command line's -var gives it;
// from says how it was given, for errors.
func RawVar(text, from string) VarValue {
	return VarValue{Raw: text, From: from}
}

// JSONVars decodes variable values written as JSON, such as the Ansible
// module's vars and a saved plan's variables; from says where they are.
// A JSON string stands for text, as -var's is.
func JSONVars(raw map[string]json.RawMessage, from string) (Vars, error) {
	vars := Vars{}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		where := from + "." + name
		var s string
		if err := json.Unmarshal(raw[name], &s); err == nil {
			vars[name] = VarValue{Raw: s, From: where}
			continue
		}
		t, err := ctyjson.ImpliedType(raw[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		v, err := ctyjson.Unmarshal(raw[name], t)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		vars[name] = VarValue{Value: v, From: where}
	}
	return vars, nil
}

// value turns what the user gave into the variable's type.
func (v *Variable) value(given VarValue) (cty.Value, *hcl.Diagnostic) {
	val := given.Value
	if val == cty.NilVal {
		t := v.Type
		if t.IsPrimitiveType() || t == cty.DynamicPseudoType {
			val = cty.StringVal(given.Raw)
		} else {
			var diags hcl.Diagnostics
			if val, diags = parseRawValue(given.From, given.Raw); diags.HasErrors() {
				return cty.NilVal, v.refusal(given, fmt.Sprintf("a %s is written as an HCL value, such as %s: %s",
					typeexpr.TypeString(t), example(t), diags[0].Summary))
			}
		}
	}
	out, err := v.convert(val)
	if err != nil {
		return cty.NilVal, v.refusal(given, err.Error())
	}
	return out, nil
}

// parseRawValue parses -var's text for a list, map or object, within the
// limits a playbook's expressions have.
func parseRawValue(from string, raw string) (cty.Value, hcl.Diagnostics) {
	src := []byte(raw)
	filename := from
	tokens, _ := hclsyntax.LexExpression(src, filename, hcl.InitialPos)
	if d := checkNesting(tokens); d != nil {
		return cty.NilVal, hcl.Diagnostics{d}
	}
	expr, diags := hclsyntax.ParseExpression(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	b := newBudget()
	limit(expr, b)
	return limiter{b}.charged(expr).Value(nil)
}

func example(t cty.Type) string {
	switch {
	case t.IsMapType() || t.IsObjectType():
		return `{ name = "value" }`
	}
	return `["a", "b"]`
}

// refusal is the diagnostic for a value that the variable cannot take. It
// points at the value in its variable file, or else at the declaration,
// which shows the type.
func (v *Variable) refusal(given VarValue, why string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + v.Name,
		Detail: fmt.Sprintf("%s is of type %s: %s.", v.Name, typeexpr.TypeString(v.Type), why), Subject: given.Range}
	if given.Range == nil {
		d.Detail = given.From + ": " + d.Detail
		d.Subject = v.DeclRange.Ptr()
	}
	return d
}

// check evaluates the variable's validations on its value.
func (v *Variable) check(val cty.Value, given *VarValue, sc *scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: val})}, Functions: sc.functions()}
	for _, rule := range v.Validations {
		ok, d := rule.Condition.Value(ctx)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		ok, err := convert.Convert(ok, cty.Bool)
		if err != nil || ok.IsNull() || !ok.IsKnown() {
			diags = append(diags, errAt(rule.Condition.Range(), "Invalid validation condition", "A validation condition is a boolean over var."+v.Name+"."))
			continue
		}
		if ok.False() {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable " + v.Name,
				Detail: rule.ErrorMessage, Subject: v.DeclRange.Ptr()}
			switch {
			case given == nil:
				d.Subject = v.defaultRange.Ptr()
			case given.Range != nil:
				d.Subject = given.Range
			default:
				d.Detail = given.From + ": " + d.Detail
			}
			diags = append(diags, d)
		}
	}
	return diags
}

// LoadVarFile decodes a variable file's NAME = VALUE lines (HCL) or
// NAME: VALUE (YAML), by its name's extension.
func LoadVarFile(filename string, src []byte) (Vars, hcl.Diagnostics) {
	var body hcl.Body
	var diags hcl.Diagnostics
	if strings.HasSuffix(filename, ".yaml") || strings.HasSuffix(filename, ".yml") {
		if d := checkSource(filename, "Variable file", src); d != nil {
			return nil, hcl.Diagnostics{d}
		}
		l := newYAMLLoader(filename, src)
		if root := l.root(src, "A variable file is a mapping of names to values."); root != nil {
			body = l.body(root)
		}
		diags = l.diags
	} else {
		body, diags = parseHCL(filename, "Variable file", src, newBudget())
	}
	if diags.HasErrors() {
		return nil, diags
	}
	attrs, diags := body.JustAttributes()
	vars := Vars{}
	for name, attr := range attrs {
		v, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		vars[name] = VarValue{Value: v, Range: attr.Expr.Range().Ptr()}
	}
	return vars, diags
}

// resolve gives each variable its value, of its type: the one set, else its
// default; and checks the values against the variables' validations.
func (pb *Playbook) resolve(set Vars) (map[string]cty.Value, hcl.Diagnostics) {
	vals := map[string]cty.Value{}
	var diags hcl.Diagnostics
	var names []string
	sc := &scope{budget: pb.budget}
	for _, v := range pb.Variables {
		names = append(names, v.Name)
		given, ok := set[v.Name]
		switch {
		case ok:
			val, d := v.value(given)
			if d != nil {
				diags = append(diags, d)
				vals[v.Name] = cty.UnknownVal(v.Type) // validate goes on
				continue
			}
			vals[v.Name] = val
			diags = append(diags, v.check(val, &given, sc)...)
		case v.Default != cty.NilVal:
			vals[v.Name] = v.Default
			diags = append(diags, v.check(v.Default, nil, sc)...)
		default:
			vals[v.Name] = cty.UnknownVal(v.Type)
			diags = append(diags, errAt(v.DeclRange, "No value for required variable",
				fmt.Sprintf("Variable %s has no default: give it a value.", v.Name)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if !slices.Contains(names, name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable",
				Detail:  fmt.Sprintf("%q is set, but the playbook declares no variable of that name.%s", name, suggest(name, names)),
				Subject: set[name].Range})
		}
	}
	return vals, diags
}

// typedVars are the values set, of their variables' types, as JSON: what a
// saved plan and a report record. A value that is not set, or not valid,
// is left out.
func typedVars(set Vars, vals map[string]cty.Value) map[string]json.RawMessage {
	if len(set) == 0 {
		return nil
	}
	out := map[string]json.RawMessage{}
	for name := range set {
		v, ok := vals[name]
		if !ok {
			continue
		}
		raw, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			panic(fmt.Sprintf("variable %s: %v", name, err)) // values are checked by checkMagnitude
		}
		out[name] = raw
	}
	return out
}
