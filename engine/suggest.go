package engine

import (
	"fmt"

	"github.com/agext/levenshtein"
)

// suggest is " Did you mean "NAME"?" for the name in names nearest to
// given, or "" when none is near: the hint HCL gives for an attribute,
// given for every other name a playbook or a flag may get wrong.
func suggest(given string, names []string) string {
	best, bestDist := "", 3 // HCL's threshold
	for _, name := range names {
		if d := levenshtein.Distance(given, name, nil); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}
