package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/wuplay/wuplay/resources/host"
)

// scope is what expressions may refer to: var.NAME, fact.TYPE.NAME and the
// functions. A nil host (validate) makes env() and facts unknown, so that
// everything else can still be checked.
type scope struct {
	vars   map[string]cty.Value
	facts  map[string]map[string]cty.Value
	host   host.Host
	budget *budget          // the playbook's, which its expressions charge too
	ctx    *hcl.EvalContext // built once all facts are in
}

func (s *scope) evalContext() *hcl.EvalContext {
	if s.ctx != nil {
		return s.ctx
	}
	facts := map[string]cty.Value{}
	for typ, byName := range s.facts {
		facts[typ] = cty.ObjectVal(byName)
	}
	s.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(s.vars),
			"fact": cty.ObjectVal(facts),
		},
		Functions: s.functions(),
	}
	return s.ctx
}

// functions are the functions expressions may call. Each result is
// charged to the budget; those that can make a result much larger than
// their arguments are refused beforehand when it would be too large
// (replace("x", "", big) makes len(big) copies).
func (s *scope) functions() map[string]function.Function {
	fns := map[string]function.Function{
		"env":        s.envFunc(),
		"lower":      stdlib.LowerFunc,
		"upper":      stdlib.UpperFunc,
		"replace":    stdlib.ReplaceFunc,
		"join":       stdlib.JoinFunc,
		"split":      stdlib.SplitFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"format":     stdlib.FormatFunc,
		"contains":   stdlib.ContainsFunc,
		"length":     stdlib.LengthFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"basename":   pathFunc(func(dir, base string) string { return base }),
		"dirname":    pathFunc(func(dir, base string) string { return dir }),
		"timecmp":    timecmpFunc,
		// regex and can check a variable's form (validation blocks).
		"regex": stdlib.RegexFunc,
		"can":   tryfunc.CanFunc,
	}
	estimates := map[string]func([]cty.Value) int64{
		"replace": replaceSize, "join": joinSize, "split": splitSize, "format": formatSize,
	}
	for name, f := range fns {
		fns[name] = limited(f, s.budget, estimates[name])
	}
	return fns
}

// timecmpFunc compares two times as Terraform's timecmp does: -1 when the
// first is earlier, 0 when they are the same instant, 1 when it is later.
// Facts give times in RFC 3339 (an event's time, a file's mtime, the last
// apply's), whatever their zone; "" is no time and an error, so that a
// playbook says what it means when there is none.
var timecmpFunc = function.New(&function.Spec{
	Description: "Compare two RFC 3339 times: -1, 0 or 1.",
	Params:      []function.Parameter{{Name: "a", Type: cty.String}, {Name: "b", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ts [2]time.Time
		for i, arg := range args {
			t, err := time.Parse(time.RFC3339Nano, arg.AsString())
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(i, "%q is not a time in RFC 3339 form, such as 2026-11-28T10:40:02Z", arg.AsString())
			}
			ts[i] = t
		}
		return cty.NumberIntVal(int64(ts[0].Compare(ts[1]))), nil
	},
})

// envFunc reads the target host's environment: on a simulated host,
// host.yaml's env, never wuplay's own.
func (s *scope) envFunc() function.Function {
	return function.New(&function.Spec{
		Description: "The value of an environment variable on the target host.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if s.host == nil {
				return cty.UnknownVal(cty.String), nil
			}
			name := args[0].AsString()
			v, ok := s.host.Getenv(name)
			if !ok {
				return cty.NilVal, fmt.Errorf("environment variable %s is not set on host %s", name, s.host)
			}
			return cty.StringVal(v), nil
		},
	})
}

// pathFunc splits a path at its last \ or /, whichever the host uses.
func pathFunc(pick func(dir, base string) string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := strings.TrimRight(args[0].AsString(), `\/`)
			i := strings.LastIndexAny(p, `\/`)
			return cty.StringVal(pick(p[:max(i, 0)], p[i+1:])), nil
		},
	})
}
