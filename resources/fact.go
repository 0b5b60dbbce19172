package resources

import (
	"context"
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
	mtime := ""
	if fi.Exists {
		mtime = fi.ModTime.UTC().Format(time.RFC3339)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"exists": cty.BoolVal(fi.Exists),
		"is_dir": cty.BoolVal(fi.IsDir),
		"size":   cty.NumberIntVal(fi.Size),
		"mtime":  cty.StringVal(mtime),
	}), nil
}
