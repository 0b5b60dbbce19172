package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources/host"
)

const fmtHelp = `fmt rewrites each HCL playbook (.hcl) named, or found in a folder named
and the folders below it, in the canonical layout, as terraform fmt does,
and lists the files it changed. With no argument it formats the current
folder; "-" formats standard input to standard output. A file that does
not parse is left as it is and its errors are shown.

YAML playbooks are left as they are: a YAML formatter would drop the
comments that explain a KB's steps. Named, fmt says so; in a folder, it
passes over them.

Exit codes: 0 done (or, with -check, all formatted); 1 an error, or with
-check files that are not formatted.`

// fmt formats HCL playbooks in place, or with -check reports those that
// are not formatted.
func (c *cli) fmt(_ context.Context, a *args) int {
	r := c.start(a)
	targets := a.operands
	if len(targets) == 0 {
		targets = []string{"."}
	}
	code := exitOK
	for _, t := range targets {
		if t == "-" {
			code = max(code, r.fmtStdin())
			continue
		}
		fi, err := os.Lstat(t)
		switch {
		case err != nil:
			code = max(code, r.fail(err))
		case fi.IsDir():
			err := filepath.WalkDir(t, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				// WalkDir does not follow links; a link to a playbook is
				// formatted where it points, when that is named.
				if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(p), ".hcl") {
					code = max(code, r.fmtFile(p))
				}
				return nil
			})
			if err != nil {
				code = max(code, r.fail(err))
			}
		case strings.EqualFold(filepath.Ext(t), ".yaml") || strings.EqualFold(filepath.Ext(t), ".yml"):
			fmt.Fprintf(c.stderr, "Note: %s is left as it is: fmt formats HCL playbooks only.\n", views.EscapeText(t))
		case !strings.EqualFold(filepath.Ext(t), ".hcl"):
			code = max(code, r.fail(fmt.Errorf("%s: not an HCL playbook (.hcl)", t)))
		case fi.Mode()&fs.ModeSymlink != 0:
			code = max(code, r.fail(fmt.Errorf("%s is a symbolic link; name the file itself", t)))
		case !fi.Mode().IsRegular():
			code = max(code, r.fail(fmt.Errorf("%s is not a plain file", t)))
		default:
			code = max(code, r.fmtFile(t))
		}
	}
	return code
}

// fmtFile formats one file, and returns 1 if it could not, or if -check
// finds it not formatted.
func (r *run) fmtFile(path string) int {
	src, err := readSource(path)
	if err != nil {
		return r.fail(err)
	}
	out, ok := r.format(path, src)
	if !ok {
		return exitError
	}
	if bytes.Equal(src, out) {
		return exitOK
	}
	if r.a.diff {
		r.stdout.Write(diff.Diff(path, src, path+" (formatted)", out))
	}
	if !r.a.check {
		if err := host.WriteFileAtomic(path, out); err != nil {
			return r.fail(err)
		}
	}
	fmt.Fprintln(r.stdout, views.EscapeText(path))
	if r.a.check {
		return exitError
	}
	return exitOK
}

func (r *run) fmtStdin() int {
	src, err := io.ReadAll(io.LimitReader(os.Stdin, engine.MaxPlaybookSize+1))
	if err != nil {
		return r.fail(fmt.Errorf("standard input: %w", err))
	}
	out, ok := r.format("<stdin>", src)
	switch {
	case !ok:
		return exitError
	case r.a.check && !bytes.Equal(src, out):
		return exitError
	case !r.a.check:
		r.stdout.Write(out)
	}
	return exitOK
}

// format formats src, or shows why it cannot.
func (r *run) format(name string, src []byte) ([]byte, bool) {
	out, diags := engine.Format(name, src)
	if diags.HasErrors() {
		r.files[name] = &hcl.File{Bytes: src}
		r.diagnose(diags)
		return nil, false
	}
	return out, true
}

// readSource reads a playbook file, no more of it than a playbook may be,
// and only a plain file: a device or a pipe would never end.
func readSource(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New(path + " is not a plain file")
	}
	return io.ReadAll(io.LimitReader(f, engine.MaxPlaybookSize+1))
}
