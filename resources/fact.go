package resources

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
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
	Name string
	Doc  string
	// Schema declares the fact block's attributes, every one Decode reads.
	Schema Schema
	// Values declares what Read gives, fact.TYPE.NAME.ATTRIBUTE: each
	// attribute's type and meaning. Every attribute has one type, so that
	// validate, which reads nothing, knows the type of every expression
	// over facts.
	Values Schema
	// Value is the type of what Read returns, made from Values; validate
	// uses an unknown value of it.
	Value cty.Type
	// Decode builds the fact from its checked attributes; it reads
	// nothing from a host, so that validate runs it too.
	Decode func(a *Attrs) Fact

	body *hcl.BodySchema // Schema's, made once
}

// Body is the fact block's schema as HCL and the YAML loader check it.
func (ft *FactType) Body() *hcl.BodySchema { return ft.body }

var factTypes = map[string]*FactType{}

func registerFact(ft *FactType) {
	ft.Value = ft.Values.ObjectType()
	ft.body = ft.Schema.Body()
	factTypes[ft.Name] = ft
}

// LookupFact returns the fact type called name.
func LookupFact(name string) (*FactType, bool) {
	t, ok := factTypes[name]
	return t, ok
}

// FactTypeNames lists the fact types, sorted.
func FactTypeNames() []string { return slices.Sorted(maps.Keys(factTypes)) }

// timeDoc says how facts give times.
const timeDoc = "RFC 3339 in UTC, or \"\" for none; compare with `timecmp`"

var eventType = cty.Object(map[string]cty.Type{"time": cty.String, "id": cty.Number, "provider": cty.String, "message": cty.String})

func init() {
	registerFact(&FactType{
		Name:   "path",
		Doc:    "Whether a path exists and what it is.",
		Schema: Schema{pathAttr},
		Values: Schema{
			{Name: "exists", Type: cty.Bool, Doc: "Something is at the path."},
			{Name: "is_dir", Type: cty.Bool, Doc: "It is a folder."},
			{Name: "size", Type: cty.Number, Doc: "In bytes."},
			{Name: "mtime", Type: cty.String, Doc: "When it last changed: " + timeDoc + "."},
		},
		Decode: func(a *Attrs) Fact { return &PathFact{Path: a.String("path")} },
	})
	registerFact(&FactType{
		Name: "file",
		Doc:  "A file's content and the lines that match a pattern.",
		Schema: Schema{
			pathAttr,
			{Name: "pattern", Type: cty.String, Check: validRegexp, Doc: "A regular expression (Go's syntax) that selects `lines`."},
		},
		Values: Schema{
			{Name: "exists", Type: cty.Bool, Doc: "A file is there (not a folder)."},
			{Name: "content", Type: cty.String, Doc: "The whole file, or \"\"."},
			{Name: "lines", Type: cty.List(cty.String), Doc: "The lines that match `pattern`."},
		},
		Decode: func(a *Attrs) Fact { return &FileFact{Path: a.String("path"), Pattern: a.Regexp("pattern")} },
	})
	registerFact(&FactType{
		Name:   "registry_value",
		Doc:    "A registry value. Its data is also given in the attribute of its type, so that each attribute has one type.",
		Schema: Schema{regKeyAttr, {Name: "name", Type: cty.String, Required: true, Doc: "The value's name under the key."}},
		Values: Schema{
			{Name: "exists", Type: cty.Bool, Doc: "The key holds a value of that name."},
			{Name: "type", Type: cty.String, Doc: "string, expand_string, dword, qword, multi_string or binary; \"\" when it does not exist."},
			{Name: "data", Type: cty.String,
				Doc: "The data as text: a string as it is, a dword or qword in decimal, a multi_string's strings one a line, a binary's hex digits."},
			{Name: "number", Type: cty.Number, Doc: "A dword's or qword's data; null for the other types."},
			{Name: "strings", Type: cty.List(cty.String), Doc: "A multi_string's strings; empty for the other types."},
		},
		Decode: func(a *Attrs) Fact { return &RegistryValueFact{Key: a.String("key"), Name: a.String("name")} },
	})
	registerFact(&FactType{
		Name:   "service",
		Doc:    "A service's state.",
		Schema: Schema{{Name: "name", Type: cty.String, Required: true, Doc: "The service's name, not its display name."}},
		Values: Schema{
			{Name: "exists", Type: cty.Bool, Doc: "The service is installed."},
			{Name: "state", Type: cty.String, Doc: "running, stopped, start_pending or stop_pending."},
			{Name: "start_type", Type: cty.String, Doc: "automatic, manual or disabled."},
			{Name: "dependents", Type: cty.List(cty.String), Doc: "The running services that depend on it."},
		},
		Decode: func(a *Attrs) Fact {
			name := a.String("name")
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
	})
	registerFact(&FactType{
		Name: "command",
		Doc:  "What a command prints, run at plan time: it must change nothing.",
		Schema: Schema{
			{Name: "run", Type: cty.List(cty.String), Required: true, Lone: true,
				Doc: "The program and its arguments, as a list; a command line only with `shell = true`."},
			{Name: "shell", Type: cty.Bool, Doc: "Run it through the shell."},
		},
		Values: Schema{
			{Name: "exit_code", Type: cty.Number},
			{Name: "output", Type: cty.String, Doc: "What it printed."},
		},
		Decode: func(a *Attrs) Fact {
			run, shell := a.Strings("run"), a.Bool("shell")
			return factFunc(func(ctx context.Context, h host.Host) (cty.Value, error) {
				exit, out, err := h.Run(ctx, run, shell, probeTimeout)
				return cty.ObjectVal(map[string]cty.Value{"exit_code": cty.NumberIntVal(int64(exit)), "output": cty.StringVal(out)}), err
			})
		},
	})
	registerFact(&FactType{
		Name:   "os",
		Doc:    "The operating system.",
		Schema: Schema{},
		Values: Schema{
			{Name: "family", Type: cty.String, Doc: "windows or linux."},
			{Name: "version", Type: cty.String, Doc: "Such as \"10.0\"."},
			{Name: "build", Type: cty.String, Doc: "Such as \"19045\"."},
		},
		Decode: func(a *Attrs) Fact {
			return factFunc(func(_ context.Context, h host.Host) (cty.Value, error) {
				o, err := h.OS()
				return cty.ObjectVal(map[string]cty.Value{"family": cty.StringVal(o.Family), "version": cty.StringVal(o.Version), "build": cty.StringVal(o.Build)}), err
			})
		},
	})
	registerFact(&FactType{
		Name: "eventlog",
		Doc:  "The newest events of a log.",
		Schema: Schema{
			{Name: "channel", Type: cty.String, Default: cty.StringVal("System"), Doc: "The log, such as System or Application."},
			{Name: "provider", Type: cty.String, Doc: "Only events of this provider."},
			{Name: "ids", Type: cty.List(cty.Number), Check: each(wholeNumber(0, 65535)), Doc: "Only events of these ids, such as `[19, 20]`."},
			{Name: "max", Type: cty.Number, Default: cty.NumberIntVal(10), Check: wholeNumber(1, 10000), Doc: "How many of the newest events to read."},
			{Name: "match", Type: cty.String, Check: validRegexp, Doc: "Of those, only the events whose message matches this regular expression."},
		},
		Values: Schema{
			{Name: "available", Type: cty.Bool, Doc: "false where the log cannot be read, with `error`."},
			{Name: "error", Type: cty.String, Doc: "Why the log cannot be read, or \"\"."},
			{Name: "count", Type: cty.Number, Doc: "How many events there are in `events`."},
			{Name: "events", Type: cty.List(eventType), Doc: "Newest first, each with `time` (" + timeDoc + "), `id`, `provider` and `message`."},
		},
		Decode: func(a *Attrs) Fact {
			return &EventFact{Channel: a.String("channel"), Provider: a.String("provider"), IDs: a.Ints("ids"),
				Max: a.Int("max"), Match: a.Regexp("match")}
		},
	})
	registerFact(&FactType{
		Name:   "last_apply",
		Doc:    "What wuplay recorded on the host of a playbook's last apply.",
		Schema: Schema{{Name: "playbook", Type: cty.String, Required: true, Doc: "The playbook's name."}},
		Values: Schema{
			{Name: "exists", Type: cty.Bool, Doc: "An apply of it is recorded."},
			{Name: "finished", Type: cty.String, Doc: "When its last apply ended: " + timeDoc + "."},
			{Name: "result", Type: cty.String, Doc: "succeeded or failed."},
			{Name: "changed", Type: cty.List(cty.String), Doc: "The steps it changed."},
			{Name: "succeeded", Type: cty.String, Doc: "When an apply of it last succeeded: " + timeDoc + "."},
		},
		Decode: func(a *Attrs) Fact {
			playbook := a.String("playbook")
			return factFunc(func(_ context.Context, h host.Host) (cty.Value, error) {
				rec, ok, err := host.ReadApplyRecord(h, playbook)
				return cty.ObjectVal(map[string]cty.Value{"exists": cty.BoolVal(ok), "finished": timeVal(rec.Finished),
					"result": cty.StringVal(rec.Result), "changed": strList(rec.Changed), "succeeded": timeVal(rec.Succeeded)}), err
			})
		},
	})
}

// PathFact reads whether a path exists and what it is.
type PathFact struct{ Path string }

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

// RegistryValueFact reads a registry value, its data in the attribute of
// its type as well as in text.
type RegistryValueFact struct{ Key, Name string }

func (f *RegistryValueFact) Read(_ context.Context, h host.Host) (cty.Value, error) {
	v, err := h.RegistryValue(f.Key, f.Name)
	if err != nil {
		return cty.NilVal, err
	}
	number, strs := cty.NullVal(cty.Number), cty.ListValEmpty(cty.String)
	switch {
	case !v.Exists:
	case v.Type == "dword" || v.Type == "qword":
		n, err := cty.ParseNumberVal(v.Data)
		if err != nil {
			return cty.NilVal, fmt.Errorf("registry value %s\\%s: its %s data %q is not a number", f.Key, f.Name, v.Type, v.Data)
		}
		number = n
	case v.Type == "multi_string" && v.Data != "":
		strs = strList(strings.Split(v.Data, "\n"))
	}
	return cty.ObjectVal(map[string]cty.Value{"exists": cty.BoolVal(v.Exists), "type": cty.StringVal(v.Type),
		"data": cty.StringVal(v.Data), "number": number, "strings": strs}), nil
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
	list := cty.ListValEmpty(eventType)
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
