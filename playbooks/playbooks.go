// Package playbooks holds the KB playbooks shipped inside the wuplay binary.
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
	src, err := files.ReadFile(name)
	return name, src, err == nil
}

// Names lists the shipped playbook files.
func Names() []string {
	names, _ := fs.Glob(files, "*")
	slices.Sort(names)
	return names
}
