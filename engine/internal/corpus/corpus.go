// Package corpus seeds the engine's fuzzers with the files of txtar
// archives: the command line's stories and the hostile corpus.
package corpus

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wuplay/wuplay/playbooks"
)

// Add adds to f the files whose names end in one of exts, from every
// txtar archive that pattern matches.
func Add(f *testing.F, pattern string, exts ...string) {
	archives, err := filepath.Glob(pattern)
	if err != nil || len(archives) == 0 {
		f.Fatalf("no archives match %s", pattern)
	}
	for _, path := range archives {
		a, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			for _, ext := range exts {
				if strings.HasSuffix(file.Name, ext) {
					f.Add(file.Data)
				}
			}
		}
	}
}

// Playbooks adds to f the shipped playbooks whose names end in ext.
func Playbooks(f *testing.F, ext string) {
	for _, name := range playbooks.Names() {
		if strings.HasSuffix(name, ext) {
			_, src, _ := playbooks.Lookup(name)
			f.Add(src)
		}
	}
}
