package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/playtest"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

const testHelp = "Run a playbook's tests (NAME.test.hcl or .test.yaml) on simulated hosts."

// testTarget is a test file and the playbook it tests.
type testTarget struct {
	file, playbook       string
	fileSrc, playbookSrc []byte
}

func (c *cli) test(ctx context.Context, a *args) int {
	r := c.start(a)
	runExpr, junit := a.runExpr, a.junit
	var opts playtest.Options
	if runExpr != "" {
		re, err := regexp.Compile(runExpr)
		if err != nil {
			return r.failed(fmt.Errorf("-run %q: %w", runExpr, err))
		}
		opts.Run = re
	}
	if junit != "" {
		if err := checkOutput(junit, map[string]string{}); err != nil {
			return r.failed(fmt.Errorf("-junit %s: %w", junit, err))
		}
	}
	args := a.operands
	if len(args) == 0 {
		args = []string{"."}
	}
	var targets []testTarget
	for _, arg := range args {
		ts, err := findTests(arg)
		if err != nil {
			return r.failed(err)
		}
		targets = append(targets, ts...)
	}

	start := time.Now()
	var all []playtest.Result
	broken := false
	for _, t := range targets {
		r.files[t.file] = &hcl.File{Bytes: t.fileSrc}
		r.files[t.playbook] = &hcl.File{Bytes: t.playbookSrc}
		tf, diags := engine.LoadTestFile(t.file, t.fileSrc)
		pb, more := engine.Load(t.playbook, t.playbookSrc)
		if r.diagnose(append(diags, more...)) {
			broken = true
			continue
		}
		fileStart := time.Now()
		results := playtest.Run(ctx, tf, pb, opts)
		all = append(all, results...)
		if !a.json {
			playtest.WriteText(c.stdout, t.file, results, time.Since(fileStart))
		}
		if ctx.Err() != nil {
			break
		}
	}
	if a.json {
		playtest.WriteJSON(c.stdout, all, time.Since(start))
	}
	if junit != "" {
		var buf bytes.Buffer
		if err := playtest.WriteJUnit(&buf, all, time.Since(start)); err != nil {
			return r.failed(err)
		}
		if err := host.WriteFileAtomic(junit, buf.Bytes()); err != nil {
			return r.failed(fmt.Errorf("-junit: %w", err))
		}
	}
	if _, failed := playtest.Summary(all); failed > 0 || broken || ctx.Err() != nil {
		return exitError
	}
	if len(all) == 0 && opts.Run != nil && !a.json {
		fmt.Fprintf(c.stdout, "No test matches -run %s.\n", views.EscapeText(runExpr))
	}
	return exitOK
}

// findTests finds the test files that arg names: a test file, a
// playbook (its test file beside it), a folder (its test files), or a
// shipped playbook (its shipped tests).
func findTests(arg string) ([]testTarget, error) {
	fi, err := os.Stat(arg)
	switch {
	case errors.Is(err, os.ErrNotExist):
		file, src, ok := playbooks.LookupTest(arg)
		if !ok {
			return nil, fmt.Errorf("%s: no such file or folder, and no shipped playbook of that name with tests (wuplay list shows them)", arg)
		}
		name, psrc, ok := playbooks.Lookup(strings.TrimSuffix(file, ".test.hcl"))
		if !ok {
			panic("shipped test without its playbook: " + file)
		}
		return []testTarget{{file: file, fileSrc: src, playbook: name, playbookSrc: psrc}}, nil
	case err != nil:
		return nil, err
	case fi.IsDir():
		ents, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		var out []testTarget
		for _, e := range ents {
			if !e.IsDir() && engine.IsTestFile(e.Name()) {
				t, err := testFile(filepath.Join(arg, e.Name()))
				if err != nil {
					return nil, err
				}
				out = append(out, t)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: no test files in it (NAME.test.hcl or NAME.test.yaml, beside NAME.hcl)", arg)
		}
		return out, nil
	case engine.IsTestFile(arg):
		t, err := testFile(arg)
		return []testTarget{t}, err
	}
	base := strings.TrimSuffix(arg, filepath.Ext(arg))
	for _, ext := range []string{".test.hcl", ".test.yaml", ".test.yml"} {
		if _, err := os.Stat(base + ext); err == nil {
			t, err := testFile(base + ext)
			if err == nil {
				t.playbook = arg
				t.playbookSrc, err = os.ReadFile(arg)
			}
			return []testTarget{t}, err
		}
	}
	return nil, fmt.Errorf("%s: no test file beside it (%s)", arg, filepath.Base(base)+".test.hcl")
}

// testFile reads a test file and the playbook beside it: NAME.hcl, or
// NAME.yaml.
func testFile(file string) (testTarget, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return testTarget{}, err
	}
	t := testTarget{file: file, fileSrc: src}
	lower := strings.ToLower(file)
	i := strings.LastIndex(lower, ".test.")
	for _, ext := range []string{".hcl", ".yaml", ".yml"} {
		name := file[:i] + ext
		if src, err := os.ReadFile(name); err == nil {
			t.playbook, t.playbookSrc = name, src
			return t, nil
		}
	}
	b := filepath.Base(file[:i])
	return t, fmt.Errorf("%s: no playbook beside it (%s.hcl or %s.yaml)", file, b, b)
}
