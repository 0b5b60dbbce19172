package resources

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// RegistryValue keeps a registry value present, with a type and data, or
// absent.
type RegistryValue struct {
	Key, Name  string
	State      string // present or absent
	Type, Data string // Data in the host's canonical text
}

func init() {
	register(&Type{
		Name: "registry_value",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "key", Required: true},
			{Name: "name", Required: true},
			{Name: "state"},
			{Name: "type"},
			{Name: "data"},
		}},
		Decode: func(a *Attrs) Resource {
			r := &RegistryValue{
				Key:   a.String("key", ""),
				Name:  a.String("name", ""),
				State: a.Enum("state", "present", "present", "absent"),
				Type:  a.Enum("type", "", host.RegTypes...),
			}
			if a.Known("key") {
				if _, _, err := host.SplitRegKey(r.Key); err != nil {
					a.Errorf("key", "%s", err)
				}
			}
			switch {
			case r.State == "absent" && (a.Has("type") || a.Has("data")):
				a.Errorf("data", "an absent registry value has no type or data")
			case r.State == "present" && a.Known("state") && (!a.Has("type") || !a.Has("data")):
				a.Errorf("", "a present registry value needs type and data")
			case r.State == "present":
				r.Data = regData(a, r.Type)
			}
			return r
		},
	})
}

// regData turns the data attribute into the canonical text of its type: a
// number for dword and qword, a list of strings for multi_string, hex for
// binary.
func regData(a *Attrs, typ string) string {
	v, ok := a.values["data"]
	if !ok || !v.IsWhollyKnown() || typ == "" {
		return ""
	}
	switch typ {
	case "dword", "qword":
		s := a.String("data", "")
		bits := 32
		if typ == "qword" {
			bits = 64
		}
		n, err := strconv.ParseUint(s, 0, bits)
		if err != nil {
			a.Errorf("data", "data = %q: a %s is a whole number from 0 to %d", s, typ, uint64(1)<<bits-1)
		}
		return strconv.FormatUint(n, 10)
	case "multi_string":
		if !v.Type().IsTupleType() && !v.Type().IsListType() {
			a.Errorf("data", "a multi_string's data is a list of strings")
			return ""
		}
		var items []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.Type() != cty.String {
				a.Errorf("data", "a multi_string's data is a list of strings")
				return ""
			}
			items = append(items, e.AsString())
		}
		return strings.Join(items, "\n")
	case "binary":
		s := strings.ToLower(strings.ReplaceAll(a.String("data", ""), " ", ""))
		if _, err := hex.DecodeString(s); err != nil {
			a.Errorf("data", "a binary's data is hex digits, such as \"01ff\"")
		}
		return s
	}
	return a.String("data", "")
}

func (r *RegistryValue) Objects(host.Host) ([]Object, error) {
	id, err := host.RegKeyID(r.Key)
	if err != nil {
		return nil, err
	}
	return []Object{{Key: Key{KindRegistryValue, id + `\` + strings.ToLower(r.Name)}, Name: r.Key + `\` + r.Name}}, nil
}

func readRegistryValue(h host.Host, o Object) (State, error) {
	key, name := o.Name[:strings.LastIndex(o.Name, `\`)], o.Name[strings.LastIndex(o.Name, `\`)+1:]
	v, err := h.RegistryValue(key, name)
	if err != nil || !v.Exists {
		return State{"exists": "false"}, err
	}
	return State{"exists": "true", "type": v.Type, "data": v.Data}, nil
}

func (r *RegistryValue) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if r.State == "absent" {
		if before["exists"] == "false" {
			return NoChange("%s is already absent", r.Name), nil
		}
		return Change{Action: Delete, Before: cur, After: []State{{"exists": "false"}}}, nil
	}
	after := State{"exists": "true", "type": r.Type, "data": r.Data}
	switch {
	case before["exists"] == "false":
		return Change{Action: Create, Before: cur, After: []State{after}}, nil
	case !before.Equal(after) || force:
		return Change{Action: Update, Before: cur, After: []State{after}}, nil
	}
	return NoChange("%s is already %s", r.Name, show(r.Data)), nil
}

func show(s string) string { return fmt.Sprintf("%q", s) }

func (r *RegistryValue) Apply(_ context.Context, h host.Host, c Change) error {
	if c.Action == Delete {
		return h.DeleteRegistryValue(r.Key, r.Name)
	}
	return h.SetRegistryValue(r.Key, r.Name, host.RegValue{Exists: true, Type: r.Type, Data: r.Data})
}
