package resources

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// Fact is something a plan reads from the host for expressions to use, as
// fact.TYPE.NAME.ATTRIBUTE. Reading a fact never changes the host.
type Fact interface {
	Read(ctx context.Context, h host.Host) (cty.Value, error)
}

// FactType is a kind of fact: its attributes and the value it reads.
type FactType struct {
	Name   string
	Schema *hcl.BodySchema
	// Value is the type of what Read returns; validate, which reads
	// nothing, uses an unknown value of it.
	Value  cty.Type
	Decode func(a *Attrs) Fact
}

var factTypes = map[string]*FactType{}

// LookupFact returns the fact type called name.
func LookupFact(name string) (*FactType, bool) {
	t, ok := factTypes[name]
	return t, ok
}

// PathFact reads whether a path exists and what it is.
type PathFact struct{ Path string }

func init() {
	factTypes["path"] = &FactType{
		Name:   "path",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "path", Required: true}}},
		Value: cty.Object(map[string]cty.Type{
			"exists": cty.Bool, "is_dir": cty.Bool, "size": cty.Number, "mtime": cty.String,
		}),
		Decode: func(a *Attrs) Fact { return &PathFact{Path: a.String("path", "")} },
	}
}

func (f *PathFact) Read(_ context.Context, h host.Host) (cty.Value, error) {
	if _, err := h.PathKey(f.Path); err != nil {
		return cty.NilVal, err
	}
	fi, err := h.Stat(f.Path)
	if err != nil {
		return cty.NilVal, err
	}
	mtime := time.Time{}
	if fi.Exists {
		mtime = fi.ModTime
	}
	return cty.ObjectVal(map[string]cty.Value{
		"exists": cty.BoolVal(fi.Exists),
		"is_dir": cty.BoolVal(fi.IsDir),
		"size":   cty.NumberIntVal(fi.Size),
		"mtime":  timeVal(mtime),
	}), nil
}

func init() {
	// attrs makes a schema: names are required, those after "" optional.
	attrs := func(names ...string) *hcl.BodySchema {
		s := &hcl.BodySchema{}
		required := true
		for _, n := range names {
			if n == "" {
				required = false
				continue
			}
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n, Required: required})
		}
		return s
	}
	eventType := cty.Object(map[string]cty.Type{"time": cty.String, "id": cty.Number, "provider": cty.String, "message": cty.String})
	for _, ft := range []*FactType{
		{
			Name: "file", Schema: attrs("path", "", "pattern"),
			Value: cty.Object(map[string]cty.Type{"exists": cty.Bool, "content": cty.String, "lines": cty.List(cty.String)}),
			Decode: func(a *Attrs) Fact {
				f := &FileFact{Path: a.String("path", "")}
				if p := a.String("pattern", ""); p != "" {
					re, err := regexp.Compile(p)
					if err != nil {
						a.Errorf("pattern", "pattern: %s", err)
					}
					f.Pattern = re
				}
				return f
			},
		},
		{
			Name: "registry_value", Schema: attrs("key", "name"),
			Value: cty.Object(map[string]cty.Type{"exists": cty.Bool, "type": cty.String, "data": cty.String}),
			Decode: func(a *Attrs) Fact {
				return factFunc(func(_ context.Context, h host.Host) (cty.Value, error) {
					v, err := h.RegistryValue(a.String("key", ""), a.String("name", ""))
					return cty.ObjectVal(map[string]cty.Value{"exists": cty.BoolVal(v.Exists), "type": cty.StringVal(v.Type), "data": cty.StringVal(v.Data)}), err
				})
			},
		},
		{
			Name: "service", Schema: attrs("name"),
			Value: cty.Object(map[string]cty.Type{"exists": cty.Bool, "state": cty.String, "start_type": cty.String, "dependents": cty.List(cty.String)}),
			Decode: func(a *Attrs) Fact {
				name := a.String("name", "")
				return factFunc(func(ctx context.Context, h host.Host) (cty.Value, error) {
					st, err := h.Service(ctx, name)
					exists := err == nil
					if errors.Is(err, host.ErrServiceNotFound) {
						err = nil
					}
					return cty.ObjectVal(map[string]cty.Value{"exists": cty.BoolVal(exists), "state": cty.StringVal(st.State),
						"start_type": cty.StringVal(st.StartType), "dependents": strList(st.Dependents)}), err
				})
			},
		},
		{
			Name: "command", Schema: attrs("run", "", "shell"),
			Value: cty.Object(map[string]cty.Type{"exit_code": cty.Number, "output": cty.String}),
			Decode: func(a *Attrs) Fact {
				run, shell := a.Strings("run"), a.Bool("shell", false)
				return factFunc(func(ctx context.Context, h host.Host) (cty.Value, error) {
					exit, out, err := h.Run(ctx, run, shell, probeTimeout)
					return cty.ObjectVal(map[string]cty.Value{"exit_code": cty.NumberIntVal(int64(exit)), "output": cty.StringVal(out)}), err
				})
			},
		},
		{
			// last_apply reads what wuplay recorded on the host of a
			// playbook's last apply that changed something.
			Name: "last_apply", Schema: attrs("playbook"),
			Value: cty.Object(map[string]cty.Type{"exists": cty.Bool, "finished": cty.String, "result": cty.String,
				"changed": cty.List(cty.String), "succeeded": cty.String}),
			Decode: func(a *Attrs) Fact {
				playbook := a.String("playbook", "")
				return factFunc(func(_ context.Context, h host.Host) (cty.Value, error) {
					rec, ok, err := host.ReadApplyRecord(h, playbook)
					return cty.ObjectVal(map[string]cty.Value{"exists": cty.BoolVal(ok), "finished": timeVal(rec.Finished),
						"result": cty.StringVal(rec.Result), "changed": strList(rec.Changed), "succeeded": timeVal(rec.Succeeded)}), err
				})
			},
		},
		{
			Name: "os", Schema: attrs(),
			Value: cty.Object(map[string]cty.Type{"family": cty.String, "version": cty.String, "build": cty.String}),
			Decode: func(a *Attrs) Fact {
				return factFunc(func(_ context.Context, h host.Host) (cty.Value, error) {
					o, err := h.OS()
					return cty.ObjectVal(map[string]cty.Value{"family": cty.StringVal(o.Family), "version": cty.StringVal(o.Version), "build": cty.StringVal(o.Build)}), err
				})
			},
		},
		{
			Name: "eventlog", Schema: attrs("", "channel", "provider", "ids", "match", "max"),
			Value: cty.Object(map[string]cty.Type{"available": cty.Bool, "error": cty.String, "count": cty.Number, "events": cty.List(eventType)}),
			Decode: func(a *Attrs) Fact {
				f := &EventFact{Channel: a.String("channel", "System"), Provider: a.String("provider", ""), Max: 10}
				if m := a.String("max", ""); m != "" {
					n, err := strconv.Atoi(m)
					if err != nil || n < 1 {
						a.Errorf("max", "max is a whole number of events, 1 or more")
					}
					f.Max = n
				}
				for _, s := range a.Strings("ids") {
					id, err := strconv.Atoi(s)
					if err != nil {
						a.Errorf("ids", "ids is a list of event ids, such as [19, 20]")
					}
					f.IDs = append(f.IDs, id)
				}
				if p := a.String("match", ""); p != "" {
					re, err := regexp.Compile(p)
					if err != nil {
						a.Errorf("match", "match: %s", err)
					}
					f.Match = re
				}
				return f
			},
		},
	} {
		factTypes[ft.Name] = ft
	}
}

// factFunc is a fact read by a function.
type factFunc func(ctx context.Context, h host.Host) (cty.Value, error)

func (f factFunc) Read(ctx context.Context, h host.Host) (cty.Value, error) { return f(ctx, h) }

// timeVal is a time as facts give times: RFC 3339 in UTC, as timecmp
// compares them, or "" for none.
func timeVal(t time.Time) cty.Value {
	if t.IsZero() {
		return cty.StringVal("")
	}
	return cty.StringVal(t.UTC().Format(time.RFC3339Nano))
}

func strList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// FileFact reads a file: its content and the lines that match a pattern.
type FileFact struct {
	Path    string
	Pattern *regexp.Regexp
}

func (f *FileFact) Read(_ context.Context, h host.Host) (cty.Value, error) {
	fi, err := h.Stat(f.Path)
	if err != nil || !fi.Exists || fi.IsDir {
		return cty.ObjectVal(map[string]cty.Value{"exists": cty.False, "content": cty.StringVal(""), "lines": cty.ListValEmpty(cty.String)}), err
	}
	data, err := h.ReadFile(f.Path)
	if err != nil {
		return cty.NilVal, err
	}
	var lines []string
	if f.Pattern != nil {
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimRight(l, "\r"); f.Pattern.MatchString(l) {
				lines = append(lines, l)
			}
		}
	}
	return cty.ObjectVal(map[string]cty.Value{"exists": cty.True, "content": cty.StringVal(string(data)), "lines": strList(lines)}), nil
}

// EventFact reads the newest events of a channel, from a provider, with
// one of some ids, whose message matches a pattern. A host whose event log
// cannot be read (Linux, Wine without wevtutil) gives available = false
// and the error, not a failed plan: a playbook decides what that means.
type EventFact struct {
	Channel, Provider string
	IDs               []int
	Match             *regexp.Regexp
	Max               int
}

func (f *EventFact) Read(_ context.Context, h host.Host) (cty.Value, error) {
	list := cty.ListValEmpty(factTypes["eventlog"].Value.AttributeType("events").ElementType())
	events, err := h.Events(f.Channel, f.Provider, f.IDs, f.Max)
	if err != nil {
		return cty.ObjectVal(map[string]cty.Value{"available": cty.False, "error": cty.StringVal(err.Error()),
			"count": cty.Zero, "events": list}), nil
	}
	var vals []cty.Value
	// The newest Max, even from a host that answers with more.
	for _, e := range events[:min(len(events), f.Max)] {
		if f.Match != nil && !f.Match.MatchString(e.Message) {
			continue
		}
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"time": timeVal(e.Time), "id": cty.NumberIntVal(int64(e.ID)),
			"provider": cty.StringVal(e.Provider), "message": cty.StringVal(e.Message),
		}))
	}
	if len(vals) > 0 {
		list = cty.ListVal(vals)
	}
	return cty.ObjectVal(map[string]cty.Value{"available": cty.True, "error": cty.StringVal(""),
		"count": cty.NumberIntVal(int64(len(vals))), "events": list}), nil
}
