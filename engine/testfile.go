package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"

	"github.com/wuplay/wuplay/resources"
)

// TestFile holds the tests of one playbook: kb910336.test.hcl (or
// .test.yaml) beside kb910336.hcl. Each test starts from a fresh copy of
// a simulated host and runs its steps in order: runs of the playbook
// (plan, apply), things that happen to the host over time, and
// expectations of the host.
type TestFile struct {
	Filename string
	Src      []byte
	Tests    []*Test
}

// Test is one test of a playbook.
type Test struct {
	Name        string
	Description string
	// Host is where the test starts: a simulated host's folder, relative
	// to the test file, or (HostInline) the folder's content written out.
	Host       string
	HostInline cty.Value
	HostRange  hcl.Range
	Vars       Vars
	Steps      []*TestStep
	DeclRange  hcl.Range
}

// TestStep is one step of a test; Kind says which of the fields count.
//
//	plan, apply     a run of the playbook, and what it must give
//	wait            time passes
//	event           an event arrives in the event log
//	stop_service    Windows stops a service (an idle trigger-start one)
//	start_service   Windows starts one (a trigger)
//	reboot          the machine restarts: services stop, automatic ones start
//	expect          what the host must hold now
type TestStep struct {
	Kind  string
	Range hcl.Range

	// plan and apply. ExitCode is as the command line's: plan as with
	// -detailed-exitcode (0 no changes, 1 error, 2 changes), apply 0 or 1.
	ExitCode *Want
	// Actions are what plan must give each step ("stop", "no_op"), as
	// -json spells them; a step not named must be a no-op. Results are
	// what apply must give each step ("done", "put_back"); steps not named
	// are not checked.
	Actions, Results []Want
	ActionsRange     hcl.Range // where actions is written
	// Error is text that the run's error must hold.
	Error   *Want
	Replace []string

	Duration time.Duration // wait

	Channel, Provider, Message string // event
	ID                         int

	Service string // stop_service, start_service

	Expect *Expectation // expect
}

// Want is an expected value with where the test file says it.
type Want struct {
	Name  string // the attribute, or the step address it is for
	Value string
	Range hcl.Range
}

// Expectation is what the host must hold of one object.
type Expectation struct {
	Type string // service, path, file, registry_value, registry_key, events, last_apply
	// Object names it: name, path, key and name, channel and provider...
	Object map[string]cty.Value
	// Want are its attributes' expected values.
	Want []Want
	// Contains is text a file's content must hold.
	Contains *Want
	Match    *regexp.Regexp // events: on the message
}

// expectTypes are the objects an expect block checks: the attributes that
// name the object, and those it may check.
var expectTypes = map[string]struct{ object, check []string }{
	"service":        {[]string{"name"}, []string{"exists", "state", "start_type"}},
	"path":           {[]string{"path"}, []string{"exists", "type", "size"}},
	"file":           {[]string{"path"}, []string{"exists", "content", "contains"}},
	"registry_value": {[]string{"key", "name"}, []string{"exists", "type", "data"}},
	"registry_key":   {[]string{"key"}, []string{"exists"}},
	"events":         {[]string{"channel", "provider", "ids", "match"}, []string{"count"}},
	"last_apply":     {[]string{"playbook"}, []string{"exists", "result", "changed"}},
}

// IsTestFile says whether a file name is a test file's: NAME.test.hcl or
// NAME.test.yaml (.yml).
func IsTestFile(name string) bool {
	base := strings.ToLower(filepath.Base(name))
	return slices.ContainsFunc([]string{".test.hcl", ".test.yaml", ".test.yml"}, func(s string) bool { return strings.HasSuffix(base, s) })
}

// rawStep is a test step as written, in either notation.
type rawStep struct {
	kind, label string
	attrs       hcl.Attributes
	rng         hcl.Range
}

// rawHost is a host written out once for the tests that name it
// (host = host.NAME).
type rawHost struct {
	name  string
	attrs hcl.Attributes
	rng   hcl.Range
}

// rawTest is a test as written, in either notation.
type rawTest struct {
	name  string
	attrs hcl.Attributes
	steps []rawStep
	rng   hcl.Range
}

// LoadTestFile decodes a test file, in HCL or YAML by its extension.
func LoadTestFile(filename string, src []byte) (*TestFile, hcl.Diagnostics) {
	if d := checkSource(filename, "Test file", src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	var raws []rawTest
	var hosts []rawHost
	var diags hcl.Diagnostics
	if strings.HasSuffix(strings.ToLower(filename), ".hcl") {
		raws, hosts, diags = rawTestsHCL(filename, src)
	} else {
		raws, hosts, diags = rawTestsYAML(filename, src)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	tf := &TestFile{Filename: filename, Src: src}
	named := map[string]cty.Value{}
	for _, h := range hosts {
		if _, ok := named[h.name]; ok {
			diags = append(diags, errAt(h.rng, "Duplicate host", fmt.Sprintf("host %q is declared twice.", h.name)))
			continue
		}
		obj := map[string]cty.Value{}
		for name := range h.attrs {
			if v := (literals{attrs: h.attrs, diags: &diags}).value(name); !v.IsNull() {
				obj[name] = v
			}
		}
		named[h.name] = cty.ObjectVal(obj)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"host": cty.ObjectVal(named)}}
	seen := map[string]hcl.Range{}
	for _, rt := range raws {
		if prev, ok := seen[rt.name]; ok {
			diags = append(diags, errAt(rt.rng, "Duplicate test", fmt.Sprintf("%q is declared twice; the first is at %s.", rt.name, prev)))
			continue
		}
		seen[rt.name] = rt.rng
		t, d := decodeTest(rt, ctx)
		diags = append(diags, d...)
		tf.Tests = append(tf.Tests, t)
	}
	if len(tf.Tests) == 0 && !diags.HasErrors() {
		diags = append(diags, errAt(fileStart(filename), "No tests", `A test file holds test blocks: test "NAME" { host = "..." ... }.`))
	}
	return tf, diags
}

func rawTestsHCL(filename string, src []byte) ([]rawTest, []rawHost, hcl.Diagnostics) {
	body, diags := parseHCL(filename, "Test file", src, newBudget())
	if diags.HasErrors() {
		return nil, nil, diags
	}
	for _, a := range body.Attributes {
		diags = append(diags, errAt(a.NameRange, "Unexpected attribute", fmt.Sprintf("%q: a test file holds only test blocks at the top level.", a.Name)))
	}
	var raws []rawTest
	var hosts []rawHost
	for _, b := range body.Blocks {
		if b.Type == "host" && len(b.Labels) == 1 {
			for _, inner := range b.Body.Blocks {
				diags = append(diags, errAt(inner.DefRange(), "Unexpected block", "A host is written as host.yaml's keys, with files and folders: attributes only."))
			}
			hosts = append(hosts, rawHost{name: b.Labels[0], attrs: hclAttrs(b.Body), rng: b.DefRange()})
			continue
		}
		if b.Type != "test" || len(b.Labels) != 1 {
			diags = append(diags, errAt(b.DefRange(), "Unexpected block", `A test file holds test "NAME" { ... } blocks, and host "NAME" { ... } blocks for them to share.`))
			continue
		}
		rt := rawTest{name: b.Labels[0], attrs: hclAttrs(b.Body), rng: b.DefRange()}
		for _, s := range b.Body.Blocks {
			rs := rawStep{kind: s.Type, attrs: hclAttrs(s.Body), rng: s.DefRange()}
			if len(s.Labels) > 1 || (len(s.Labels) == 1) != (s.Type == "expect") {
				diags = append(diags, errAt(s.DefRange(), "Invalid step", stepHelp))
				continue
			}
			if len(s.Labels) == 1 {
				rs.label = s.Labels[0]
			}
			for _, inner := range s.Body.Blocks {
				diags = append(diags, errAt(inner.DefRange(), "Unexpected block", "A test step holds attributes only."))
			}
			rt.steps = append(rt.steps, rs)
		}
		raws = append(raws, rt)
	}
	return raws, hosts, diags
}

func hclAttrs(b *hclsyntax.Body) hcl.Attributes {
	out := hcl.Attributes{}
	for name, a := range b.Attributes {
		out[name] = a.AsHCLAttribute()
	}
	return out
}

const stepHelp = `A test's steps are blocks: plan, apply, wait, event, stop_service, start_service, reboot, and expect "TYPE" (service, path, file, registry_value, registry_key, events, last_apply).`

// rawTestsYAML reads the YAML form:
//
//	tests:
//	  broken_host_is_fixed:
//	    host: ../testdata/hosts/broken
//	    steps:
//	      - plan: {exit_code: 2}
//	      - apply:
//	      - expect.service: {name: wuauserv, state: running}
func rawTestsYAML(filename string, src []byte) ([]rawTest, []rawHost, hcl.Diagnostics) {
	l := newYAMLLoader(filename, src)
	root := l.root(src, "A YAML test file is a mapping with the keys hosts and tests.")
	if root == nil {
		return nil, nil, l.diags
	}
	var raws []rawTest
	var hosts []rawHost
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if key.Value == "hosts" && l.want(val, yaml.MappingNode, "hosts is a mapping from each host's name to the host") {
			for j := 0; j+1 < len(val.Content); j += 2 {
				if body := l.body(val.Content[j+1]); body != nil {
					attrs, _ := body.JustAttributes()
					hosts = append(hosts, rawHost{name: val.Content[j].Value, attrs: attrs, rng: l.rangeOf(val.Content[j])})
				}
			}
			continue
		}
		if key.Value != "tests" {
			l.diags = append(l.diags, l.errAt(key, "Unexpected key", fmt.Sprintf("%q: a YAML test file has the keys hosts and tests.", key.Value)))
			continue
		}
		if !l.want(val, yaml.MappingNode, "tests is a mapping from each test's name to the test") {
			continue
		}
		for j := 0; j+1 < len(val.Content); j += 2 {
			name, tv := val.Content[j], val.Content[j+1]
			rt := rawTest{name: name.Value, attrs: hcl.Attributes{}, rng: l.rangeOf(name)}
			if !l.want(tv, yaml.MappingNode, "a test is a mapping with host, variables, description and steps") {
				continue
			}
			for k := 0; k+1 < len(tv.Content); k += 2 {
				tk, tval := tv.Content[k], tv.Content[k+1]
				if tk.Value != "steps" {
					rt.attrs[tk.Value] = &hcl.Attribute{Name: tk.Value, Expr: l.expr(tval), Range: l.rangeOf(tk), NameRange: l.rangeOf(tk)}
					continue
				}
				if !l.want(tval, yaml.SequenceNode, "steps is a list") {
					continue
				}
				for _, item := range tval.Content {
					if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
						l.diags = append(l.diags, l.errAt(item, "Invalid step", "Each step is a one-key mapping such as plan: {exit_code: 2} or expect.service: {name: wuauserv, state: running}."))
						continue
					}
					sk := item.Content[0]
					kind, label, _ := strings.Cut(sk.Value, ".")
					if (label != "") != (kind == "expect") {
						l.diags = append(l.diags, l.errAt(sk, "Invalid step", stepHelp))
						continue
					}
					body := l.body(item.Content[1])
					if body == nil {
						continue
					}
					attrs, _ := body.JustAttributes()
					rt.steps = append(rt.steps, rawStep{kind: kind, label: label, attrs: attrs, rng: l.rangeOf(sk)})
				}
			}
			raws = append(raws, rt)
		}
	}
	return raws, hosts, l.diags
}

// decodeTest checks a test and evaluates its literal values.
func decodeTest(rt rawTest, ctx *hcl.EvalContext) (*Test, hcl.Diagnostics) {
	t := &Test{Name: rt.name, DeclRange: rt.rng, Vars: Vars{}}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(rt.name) {
		diags = append(diags, errAt(rt.rng, "Invalid test name", fmt.Sprintf("%q: a test's name is a name such as broken_host_is_fixed (letters, digits, _ and -), so that -run can select it.", rt.name)))
	}
	v := literals{attrs: rt.attrs, diags: &diags}
	v.only(rt.rng, "host", "variables", "description")
	t.Description = v.str("description")
	if a, ok := rt.attrs["host"]; ok {
		t.HostRange = a.Range
		// host.NAME names a host block; nothing else refers to anything.
		val := literals{attrs: rt.attrs, diags: &diags, ctx: ctx}.value("host")
		switch {
		case val.Type() == cty.String:
			t.Host = val.AsString()
		case val.Type().IsObjectType() || val.Type().IsMapType():
			t.HostInline = val
		case !val.IsNull():
			diags = append(diags, errAt(a.Range, "Invalid host", "host is a simulated host's folder (relative to the test file), host.NAME for a host block, or the host written out: host.yaml's keys, with files and folders for its drives."))
		}
	} else {
		diags = append(diags, errAt(rt.rng, "Missing host", "A test starts from a simulated host: host = \"FOLDER\", or the host written out."))
	}
	if vars := v.value("variables"); !vars.IsNull() {
		if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
			diags = append(diags, errAt(rt.attrs["variables"].Range, "Invalid variables", "variables is a mapping from names to values."))
		} else {
			rng := rt.attrs["variables"].Range
			for name, val := range vars.AsValueMap() {
				// Converted to the variable's type, or refused, when the
				// test plans, as a variable file's value is.
				t.Vars[name] = VarValue{Value: val, Range: &rng}
			}
		}
	}
	for _, rs := range rt.steps {
		s, d := decodeTestStep(rs)
		diags = append(diags, d...)
		if s != nil {
			t.Steps = append(t.Steps, s)
		}
	}
	return t, diags
}

func decodeTestStep(rs rawStep) (*TestStep, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	s := &TestStep{Kind: rs.kind, Range: rs.rng}
	v := literals{attrs: rs.attrs, diags: &diags}
	switch rs.kind {
	case "plan", "apply":
		v.only(rs.rng, "exit_code", "actions", "results", "error", "replace")
		s.ExitCode = v.want("exit_code")
		s.Error = v.want("error")
		s.Replace = v.strs("replace")
		if a, ok := rs.attrs["actions"]; ok {
			s.ActionsRange = a.Range
		}
		s.Actions = v.wants("actions", func(w string) bool { return slices.Contains(resources.Actions, resources.Action(w)) }, "an action: "+oneOf(resources.Actions))
		s.Results = v.wants("results", func(w string) bool { return slices.Contains(Statuses, Status(w)) }, "a result: "+oneOf(Statuses))
		if rs.kind == "plan" && s.Results != nil {
			diags = append(diags, errAt(rs.attrs["results"].Range, "Unexpected results", "results are an apply's; a plan has actions."))
		}
	case "wait":
		v.only(rs.rng, "duration")
		d, err := time.ParseDuration(v.str("duration"))
		if err != nil || d <= 0 {
			diags = append(diags, errAt(rs.rng, "Invalid wait", `wait { duration = "26h" }: a positive duration, in h, m and s.`))
		}
		s.Duration = d
	case "event":
		v.only(rs.rng, "channel", "provider", "id", "message")
		s.Channel, s.Provider, s.Message = v.str("channel"), v.str("provider"), v.str("message")
		if s.Channel == "" {
			s.Channel = "System"
		}
		if id := v.want("id"); id != nil {
			fmt.Sscan(id.Value, &s.ID)
		}
	case "stop_service", "start_service":
		v.only(rs.rng, "name")
		if s.Service = v.str("name"); s.Service == "" {
			diags = append(diags, errAt(rs.rng, "Missing name", rs.kind+` { name = "wuauserv" }: the service.`))
		}
	case "reboot":
		v.only(rs.rng)
	case "expect":
		et, ok := expectTypes[rs.label]
		if !ok {
			diags = append(diags, errAt(rs.rng, "Unknown expectation", fmt.Sprintf("expect %q: want one of %s.", rs.label, strings.Join(slices.Sorted(maps.Keys(expectTypes)), ", "))))
			return nil, diags
		}
		v.only(rs.rng, append(slices.Clone(et.object), et.check...)...)
		e := &Expectation{Type: rs.label, Object: map[string]cty.Value{}}
		for _, name := range et.object {
			if val := v.value(name); !val.IsNull() {
				e.Object[name] = val
			}
		}
		if m, ok := e.Object["match"]; ok && m.Type() == cty.String {
			re, err := regexp.Compile(m.AsString())
			if err != nil {
				diags = append(diags, errAt(rs.attrs["match"].Range, "Invalid match", err.Error()))
			}
			e.Match = re
		}
		for _, name := range et.check {
			if name == "contains" {
				e.Contains = v.want(name)
			} else if w := v.want(name); w != nil {
				e.Want = append(e.Want, *w)
			}
		}
		if len(e.Want) == 0 && e.Contains == nil {
			diags = append(diags, errAt(rs.rng, "Nothing expected", fmt.Sprintf("expect %q checks some of: %s.", rs.label, strings.Join(et.check, ", "))))
		}
		if missing := slices.DeleteFunc(slices.Clone(et.object), func(n string) bool { _, ok := e.Object[n]; return ok }); rs.label != "events" && len(missing) > 0 {
			diags = append(diags, errAt(rs.rng, "Missing "+missing[0], fmt.Sprintf("expect %q names its object with %s.", rs.label, strings.Join(et.object, " and "))))
		}
		s.Expect = e
	default:
		diags = append(diags, errAt(rs.rng, "Unknown step", fmt.Sprintf("%q: %s", rs.kind, stepHelp)))
		return nil, diags
	}
	return s, diags
}

// literals evaluates a block's attributes, which are literal values: a test
// says what must be, it computes nothing.
type literals struct {
	attrs hcl.Attributes
	diags *hcl.Diagnostics
	ctx   *hcl.EvalContext
}

// only refuses attributes other than names.
func (v literals) only(rng hcl.Range, names ...string) {
	for _, name := range slices.Sorted(maps.Keys(v.attrs)) {
		if !slices.Contains(names, name) {
			detail := "This step takes no attributes."
			if len(names) > 0 {
				detail = "Here: " + strings.Join(names, ", ") + "."
			}
			*v.diags = append(*v.diags, errAt(v.attrs[name].NameRange, "Unsupported argument", fmt.Sprintf("An argument named %q is not expected here. %s", name, detail)))
		}
	}
}

func (v literals) value(name string) cty.Value {
	a, ok := v.attrs[name]
	if !ok {
		return cty.NilVal
	}
	val, d := a.Expr.Value(v.ctx)
	*v.diags = append(*v.diags, d...)
	if d.HasErrors() || !val.IsWhollyKnown() || val.IsNull() {
		return cty.NilVal
	}
	return val
}

func (v literals) str(name string) string {
	if w := v.want(name); w != nil {
		return w.Value
	}
	return ""
}

func (v literals) want(name string) *Want {
	val := v.value(name)
	if val.IsNull() {
		return nil
	}
	s, err := scalarString(val)
	if err != nil {
		*v.diags = append(*v.diags, errAt(v.attrs[name].Range, "Invalid "+name, err.Error()))
		return nil
	}
	return &Want{Name: name, Value: s, Range: v.attrs[name].Expr.Range()}
}

func (v literals) strs(name string) []string {
	val := v.value(name)
	if val.IsNull() {
		return nil
	}
	if !val.Type().IsListType() && !val.Type().IsTupleType() {
		*v.diags = append(*v.diags, errAt(v.attrs[name].Range, "Invalid "+name, "a list of step addresses."))
		return nil
	}
	var out []string
	for _, e := range val.AsValueSlice() {
		s, err := scalarString(e)
		if err != nil {
			*v.diags = append(*v.diags, errAt(v.attrs[name].Range, "Invalid "+name, err.Error()))
		}
		out = append(out, s)
	}
	return out
}

// wants reads a mapping from step addresses to names that ok accepts,
// each with its own range where the notation gives one.
func (v literals) wants(name string, ok func(string) bool, what string) []Want {
	a, present := v.attrs[name]
	if !present {
		return nil
	}
	pairs, d := hcl.ExprMap(a.Expr)
	if d.HasErrors() {
		pairs = nil
	}
	if ye, isYAML := a.Expr.(*yamlExpr); isYAML && ye.keys != nil {
		for _, k := range slices.Sorted(maps.Keys(ye.keys)) {
			pairs = append(pairs, hcl.KeyValuePair{Key: hcl.StaticExpr(cty.StringVal(k), ye.keys[k].Range()), Value: ye.keys[k]})
		}
	}
	if pairs == nil {
		*v.diags = append(*v.diags, errAt(a.Range, "Invalid "+name, name+" is a mapping from step addresses to "+what+"."))
		return []Want{}
	}
	out := []Want{}
	for _, p := range pairs {
		// An address such as service.stop is a traversal in HCL's
		// syntax: take it as its text.
		key := hcl.ExprAsKeyword(p.Key)
		if t, d := hcl.AbsTraversalForExpr(p.Key); !d.HasErrors() && len(t) == 2 {
			key = t.RootName() + "." + t[1].(hcl.TraverseAttr).Name
		} else if kv, d := p.Key.Value(nil); !d.HasErrors() && kv.Type() == cty.String {
			key = kv.AsString()
		}
		val, d := p.Value.Value(nil)
		s, err := scalarString(val)
		switch {
		case d.HasErrors() || err != nil || !ok(s):
			*v.diags = append(*v.diags, errAt(p.Value.Range(), "Invalid "+name, fmt.Sprintf("%s: want %s.", key, what)))
		case key == "":
			*v.diags = append(*v.diags, errAt(p.Key.Range(), "Invalid "+name, "each key is a step's address, such as service.stop_automatic_updates."))
		default:
			out = append(out, Want{Name: key, Value: s, Range: p.Value.Range()})
		}
	}
	return out
}

// scalarString is a literal's text: a string as it is, a number in
// decimal, a bool as true or false, a list of strings one a line.
func scalarString(v cty.Value) (string, error) {
	if v.IsNull() || !v.IsWhollyKnown() {
		return "", fmt.Errorf("want a value")
	}
	switch {
	case v.Type() == cty.String:
		return v.AsString(), nil
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1), nil
	case v.Type() == cty.Bool:
		if v.True() {
			return "true", nil
		}
		return "false", nil
	case v.Type().IsListType() || v.Type().IsTupleType():
		var items []string
		for _, e := range v.AsValueSlice() {
			s, err := scalarString(e)
			if err != nil {
				return "", err
			}
			items = append(items, s)
		}
		return strings.Join(items, "\n"), nil
	}
	return "", fmt.Errorf("want a string, number or bool, not %s", v.Type().FriendlyName())
}

// oneOf lists values for a message, as -json spells them.
func oneOf[T ~string](values []T) string {
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = string(v)
	}
	return strings.Join(words, ", ")
}
