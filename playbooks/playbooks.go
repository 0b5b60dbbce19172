// Package playbooks holds the KB playbooks shipped inside the wuplay binary,
// and their tests (kb910336.test.hcl), so that "wuplay test kb910336" runs
// anywhere: each test writes its simulated host out in full.
package playbooks

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed *.hcl *.yaml
var files embed.FS

// Lookup returns a shipped playbook by name: "kb910336" (the HCL form),
// "kb910336.hcl" or "kb910336.yaml". The name is case-insensitive.
func Lookup(name string) (filename string, src []byte, ok bool) {
	name = strings.ToLower(name)
	if path.Ext(name) == "" {
		name += ".hcl"
	}
	if isTest(name) {
		return "", nil, false
	}
	src, err := files.ReadFile(name)
	return name, src, err == nil
}

// LookupTest returns the test file of a shipped playbook, named as
// Lookup takes it ("kb910336", "kb910336.yaml") or by its own name
// ("kb910336.test.hcl").
func LookupTest(name string) (filename string, src []byte, ok bool) {
	name = strings.ToLower(name)
	if !isTest(name) {
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".hcl"), ".yaml") + ".test.hcl"
	}
	src, err := files.ReadFile(name)
	return name, src, err == nil
}

// Names lists the shipped playbook files.
func Names() []string {
	names, _ := fs.Glob(files, "*")
	names = slices.DeleteFunc(names, isTest)
	slices.Sort(names)
	return names
}

// TestNames lists the shipped test files.
func TestNames() []string {
	names, _ := fs.Glob(files, "*.test.*")
	slices.Sort(names)
	return names
}

func isTest(name string) bool { return strings.Contains(name, ".test.") }
