package resources

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/wuplay/wuplay/resources/host"
)

// RegistryValue keeps a registry value present, with a type and data, or
// absent.
type RegistryValue struct {
	Key, Name  string
	State      string // present or absent
	Type, Data string // Data in the host's canonical text
}

// regKeyAttr is a registry key, as registry steps and facts name it.
var regKeyAttr = Attribute{Name: "key", Type: cty.String, Required: true, Check: regKey,
	Doc: "Such as `HKLM\\SOFTWARE\\Microsoft`; HKLM, HKCU, HKCR, HKU, HKCC or their long names."}

func regKey(v cty.Value) error {
	_, _, err := host.SplitRegKey(v.AsString())
	return err
}

func init() {
	register(&Type{
		Name: "registry_value",
		Doc:  "Keeps a registry value present, with a type and data, or absent.",
		Schema: Schema{
			regKeyAttr,
			{Name: "name", Type: cty.String, Required: true, Doc: "The value's name under the key."},
			{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Allowed: []string{"present", "absent"}, Doc: "`absent` deletes the value."},
			{Name: "type", Type: cty.String, Allowed: host.RegTypes, Doc: "Needed when present."},
			{Name: "data", Type: cty.DynamicPseudoType,
				Doc: "Needed when present: a whole number for dword and qword, a list of strings for multi_string, hex digits for binary, a string otherwise."},
		},
		Decode: func(a *Attrs) Resource {
			r := &RegistryValue{
				Key:   a.String("key"),
				Name:  a.String("name"),
				State: a.String("state"),
				Type:  a.String("type"),
			}
			data := a.Value("data")
			switch {
			case r.State == "absent" && (a.Has("type") || a.Has("data")):
				a.Errorf("data", "an absent registry value has no type or data")
			case r.State == "present" && a.Known("state") && (!a.Has("type") || !a.Has("data")):
				a.Errorf("", "a present registry value needs type and data")
			case r.State == "present" && r.Type != "" && !data.IsNull() && data.IsWhollyKnown():
				r.Data = regData(a, r.Type, data)
			}
			return r
		},
	})
}

// regData turns the data attribute into the canonical text of its type: a
// number for dword and qword, a list of strings for multi_string, hex for
// binary.
func regData(a *Attrs, typ string, v cty.Value) string {
	switch typ {
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
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		a.Errorf("data", "a %s's data is one value, not a %s", typ, TypeName(v.Type()))
		return ""
	}
	s := sv.AsString()
	switch typ {
	case "dword", "qword":
		bits := 32
		if typ == "qword" {
			bits = 64
		}
		n, err := strconv.ParseUint(s, 0, bits)
		if err != nil {
			a.Errorf("data", "data = %q: a %s is a whole number from 0 to %d", s, typ, uint64(1)<<bits-1)
		}
		return strconv.FormatUint(n, 10)
	case "binary":
		s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
		if _, err := hex.DecodeString(s); err != nil {
			a.Errorf("data", "a binary's data is hex digits, such as \"01ff\"")
		}
	}
	return s
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
