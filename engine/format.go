package engine

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns an HCL playbook's source in the canonical layout, the
// one hclwrite gives (as terraform fmt): indentation, aligned equals
// signs, spacing. It changes no token, so it cannot change what the
// playbook means. A source that is too large, too deep or does not parse
// is not formatted: the diagnostics say why.
func Format(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if _, diags := parseHCL(filename, "Playbook", src, newBudget()); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}
