package engine

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// MaxPlaybookSize is the largest playbook source wuplay reads.
const MaxPlaybookSize = maxPlaybookSize

// Format returns an HCL playbook's source in the canonical layout, the
// one hclwrite gives (as terraform fmt): indentation, aligned equals
// signs, spacing. It changes no token, so it cannot change what the
// playbook means. A source that is too large, too deep or does not parse
// is not formatted: the diagnostics say why.
func Format(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if d := checkSize(filename, src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}
