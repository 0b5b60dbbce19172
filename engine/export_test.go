package engine

import "github.com/hashicorp/hcl/v2"

// LoadAndValidate loads a playbook and, if it loads, validates it, as
// wuplay validate does: for the tests outside the package too.
func LoadAndValidate(name string, src []byte) hcl.Diagnostics {
	pb, diags := Load(name, src)
	if !diags.HasErrors() {
		diags = Validate(pb, nil)
	}
	return diags
}
