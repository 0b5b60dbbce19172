// Package resources holds wuplay's resource types: what each one's object is,
// how to read it, how to compare it with the desired state, and how to change
// it through a host. Ordering, prediction, net effect, verification, output
// and the command line belong to the engine, not here.
package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/resources/host"
)

// Resource is one step's desired state, decoded and evaluated.
type Resource interface {
	// Objects names what the step reads and changes, in the host's terms.
	Objects(h host.Host) ([]Object, error)
	// Diff compares the desired state with cur, the predicted state of each
	// of the step's objects in the order Objects gave. It does no I/O. With force (-replace) it plans
	// the change even where the object already looks right, if the type has
	// a meaning for that (a running service is restarted).
	Diff(cur []State, force bool) (Change, error)
	// Apply makes the change that Diff planned.
	Apply(ctx context.Context, h host.Host, c Change) error
}

// Waiter is a resource whose changes may wait, each at most MaxWait.
type Waiter interface {
	MaxWait() time.Duration
}

// Rebooter is a resource after whose change the host needs a restart
// (netsh winsock reset).
type Rebooter interface {
	NeedsReboot() bool
}

// Kinds of object.
const (
	KindService       = "service"
	KindPath          = "path"
	KindRegistryValue = "registry_value"
	KindRegistryKey   = "registry_key"
	// KindRegistryExport is what a registry key's .reg export would hold
	// now (its sha256): a backup file is compared with it.
	KindRegistryExport = "registry_export"
	// KindFiles is the files of a folder that match a pattern;
	// KindEntries its entries of any kind.
	KindFiles   = "files"
	KindEntries = "entries"
	// KindProbe is a guard command (unless, only_if): its state is its
	// exit code. Guards run at plan time and must change nothing.
	KindProbe = "probe"
)

// Kinds are all the kinds of object.
var Kinds = []string{KindService, KindPath, KindRegistryValue, KindRegistryKey, KindRegistryExport, KindFiles, KindEntries, KindProbe}

// Key names one object on a host; steps that name the same object share its
// state. ID is the host's canonical form (case-folded on Windows).
type Key struct{ Kind, ID string }

func (k Key) String() string { return k.Kind + " " + k.ID }

// Object is a Key with the name as the playbook wrote it, for reading and
// for messages.
type Object struct {
	Key  Key
	Name string
	// Place asks Read for where a path is (volume, protection, links),
	// which costs system calls and matters only to steps that delete or
	// move it.
	Place bool
	// Pattern is, for the entries of a folder (KindFiles, KindEntries),
	// the names they match; Name is then the folder.
	Pattern string
	// Probe is, for KindProbe, the guard command whose exit code is the
	// object's state; Shell runs it through the shell; Timeout bounds it.
	Probe   []string
	Shell   bool
	Timeout time.Duration
}

// Display is how plans name the object.
func (o Object) Display() string {
	if o.Pattern == "" {
		return o.Name
	}
	return strings.TrimRight(o.Name, `\/`) + sep(o.Name) + o.Pattern
}

// sep is the path separator that p uses.
func sep(p string) string {
	if strings.Contains(p, `\`) {
		return `\`
	}
	return "/"
}

// State is an object's attributes, as read or as predicted. Values are
// strings because that is how plans show and compare them.
type State map[string]string

// Equal reports whether two states have the same attributes.
func (s State) Equal(o State) bool { return maps.Equal(s, o) }

// stateTypes are the state attributes that are not strings, as saved
// plans and -json give them: exists is a bool, not "true". "" in a
// number's place is null (the hard links of a file not yet written).
var stateTypes = map[string]string{"exists": "boolean", "size": "number", "links": "number", "exit": "number"}

// MarshalJSON writes the state with its attributes' types.
func (s State) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	out := make(map[string]any, len(s))
	for k, v := range s {
		out[k] = v
		switch typ := stateTypes[k]; {
		case typ == "boolean" && (v == "true" || v == "false"):
			out[k] = v == "true"
		case typ == "number" && v == "":
			out[k] = nil
		case typ == "number":
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = json.Number(v)
			}
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a state back into strings, from typed attributes
// or, as plans of earlier versions wrote them, from strings.
func (s *State) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		*s = nil
		return nil
	}
	out := make(State, len(raw))
	for k, v := range raw {
		var val any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&val); err != nil {
			return err
		}
		switch val := val.(type) {
		case string:
			out[k] = val
		case bool:
			out[k] = strconv.FormatBool(val)
		case json.Number:
			out[k] = val.String()
		case nil:
			out[k] = ""
		default:
			return fmt.Errorf("state attribute %q is a string, a bool or a number, not a list or an object", k)
		}
	}
	*s = out
	return nil
}

// Action is what a step does to its objects. The values are what JSON
// output writes; String gives the words for people.
type Action string

const (
	NoOp    Action = "no_op"
	Create  Action = "create"
	Update  Action = "update"
	Delete  Action = "delete"
	Rename  Action = "rename"
	Start   Action = "start"
	Stop    Action = "stop"
	Restart Action = "restart"
	// Run runs a command, which has no state to compare.
	Run Action = "run"
	// Empty deletes what a folder holds and keeps the folder.
	Empty Action = "empty"
)

// Actions are all the actions a step may have.
var Actions = []Action{NoOp, Create, Update, Delete, Rename, Start, Stop, Restart, Run, Empty}

func (a Action) String() string {
	if a == NoOp {
		return "no-op"
	}
	return string(a)
}

// Marker is the action's sign in a human plan, as terraform plan has them.
func (a Action) Marker() string {
	switch a {
	case Create:
		return "+"
	case Delete:
		return "-"
	case Rename:
		return ">"
	case NoOp:
		return " "
	case Run:
		return "!"
	}
	return "~"
}

// Change is what Diff plans for one step. Before and After run parallel to
// the step's objects; a nil After leaves that object as it is.
//
//	Action   After
//	no-op    all nil: nothing changes; Reason says why
//	create   the new object's state
//	delete   exists = false
//	rename   the source: exists = false; the destination: the source's old state
//	others   the object's state after the step
type Change struct {
	Action Action
	Before []State
	After  []State
	// Target is a path that Diff chose for Apply: the numbered name of a
	// rotated rename.
	Target string
	// Reason is for people; nothing decides on it.
	Reason string
}

// NoChange is a no-op change with its reason.
func NoChange(format string, args ...any) Change {
	return Change{Action: NoOp, Reason: fmt.Sprintf(format, args...)}
}

// Type is a resource type: its attributes and how to decode them.
type Type struct {
	Name string
	Doc  string
	// Schema declares every attribute Decode reads, and no other.
	Schema Schema
	// Decode builds the resource from attributes that have been evaluated
	// and checked against Schema; it checks what involves more than one
	// attribute. Unknown values (in validate) pass without checks of
	// their content. Decode reads nothing from a host.
	// Trigger names the meta-argument, if the type has one, that lists
	// the steps whose change carries a step of this type out again as
	// -replace would (a service's restart_on; a command's run_on). The
	// engine reads it, as it reads depends_on.
	Trigger string
	Decode  func(a *Attrs) Resource

	body *hcl.BodySchema // Schema's, made once
}

// Body is the type's schema as HCL and the YAML loader check a body
// against.
func (t *Type) Body() *hcl.BodySchema { return t.body }

var types = map[string]*Type{}

func register(t *Type) {
	t.body = t.Schema.Body()
	types[t.Name] = t
}

// Lookup returns the resource type called name.
func Lookup(name string) (*Type, bool) {
	t, ok := types[name]
	return t, ok
}

// TypeNames lists the resource types, sorted.
func TypeNames() []string { return slices.Sorted(maps.Keys(types)) }

// Read reads the current state of one object from the host.
func Read(ctx context.Context, h host.Host, o Object) (State, error) {
	switch o.Key.Kind {
	case KindService:
		return readService(ctx, h, o.Name)
	case KindPath:
		return readPath(h, o.Name, o.Place)
	case KindRegistryValue:
		return readRegistryValue(h, o)
	case KindRegistryKey:
		return readRegistryKey(h, o.Name)
	case KindRegistryExport:
		return readRegistryExport(h, o.Name)
	case KindFiles, KindEntries:
		return readEntries(h, o)
	case KindProbe:
		exit, _, err := h.Run(ctx, o.Probe, o.Shell, o.Timeout)
		return State{"exit": strconv.Itoa(exit)}, err
	}
	panic("resources: unknown object kind " + o.Key.Kind)
}

// pathObject names a path on h; place asks for where it is too.
func pathObject(h host.Host, p string, place bool) (Object, error) {
	key, err := h.PathKey(p)
	if err != nil {
		return Object{}, err
	}
	return Object{Key: Key{KindPath, key}, Name: p, Place: place}, nil
}

// ServiceObject names a service.
func ServiceObject(name string) Object {
	// Windows compares service names without regard to case.
	return Object{Key: Key{KindService, strings.ToLower(name)}, Name: name}
}

// Removed gives the state of object k once a parent object that holds it
// (a folder, a registry key) is deleted or moved away, and whether parent
// holds k at all. The engine uses it so that a step after a delete sees
// what the delete took with it.
func Removed(parent, k Key, s State) (State, bool) {
	id := k.ID
	if k.Kind == KindFiles || k.Kind == KindEntries {
		id, _, _ = strings.Cut(id, "|")
	}
	switch {
	case !within(id, parent.ID) && (id != parent.ID || k.Kind == parent.Kind):
		return nil, false
	case parent.Kind == KindPath && k.Kind == KindPath:
		return absentAt(s), true
	case parent.Kind == KindPath && (k.Kind == KindFiles || k.Kind == KindEntries):
		return entriesState(nil), true
	case parent.Kind == KindRegistryKey && (k.Kind == KindRegistryValue || k.Kind == KindRegistryKey):
		out := maps.Clone(s)
		out["exists"] = "false"
		delete(out, "type")
		delete(out, "data")
		return out, true
	}
	return nil, false
}

// PartialError is the error of an Apply that failed after changing part
// of what it was to change, in a way the step's objects do not show (the
// files a delete removed before it stopped, under a folder that is still
// there). Done says what changed, as found by reading the host again.
type PartialError struct {
	Err  error
	Done []string
}

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// NamedObject is the object that a plan document names by kind and name
// (DocObject, DocChange), for reading it again. Place is asked for, so a
// path's state reads as a deleting step's would.
func NamedObject(h host.Host, kind, name string) (Object, error) {
	switch kind {
	case KindService:
		return ServiceObject(name), nil
	case KindPath:
		return pathObject(h, name, true)
	case KindRegistryValue:
		i := strings.LastIndex(name, `\`)
		if i < 0 {
			return Object{}, fmt.Errorf("registry value %s: no key", name)
		}
		objs, err := (&RegistryValue{Key: name[:i], Name: name[i+1:]}).Objects(h)
		if err != nil {
			return Object{}, err
		}
		return objs[0], nil
	case KindRegistryKey, KindRegistryExport:
		id, err := host.RegKeyID(name)
		return Object{Key: Key{kind, id}, Name: name}, err
	}
	return Object{}, fmt.Errorf("%s %s: wuplay cannot read this kind of object again", kind, name)
}
