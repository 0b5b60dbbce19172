package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources/host"
)

// checkOutputs refuses, before any host is read or changed, an output
// file (plan -out, apply -report) that could not be written at the end: a
// folder, something other than a plain file, one of the run's own inputs
// (the playbook or saved plan and its playbook, a variable file, a
// simulated host's host.yaml), or a place where no file can be made. Found only after the
// apply, any of these would leave a changed host without its record, or
// destroy an input.
func (r *run) checkOutputs() error {
	outputs := map[string]string{"-out": r.a.out, "-report": r.a.report}
	for _, flag := range []string{"-out", "-report"} {
		if path := outputs[flag]; path != "" {
			if err := checkOutput(path, r.inputs()); err != nil {
				err = fmt.Errorf("%s %s: %w", flag, path, err)
				if r.a.command == "apply" {
					err = fmt.Errorf("%w; nothing was changed", err)
				}
				return err
			}
		}
	}
	return nil
}

// checkOutputsOn refuses, once the host is open and the plan made but
// before anything changes, an output (plan -out, apply -report) that lands
// among what the host is or wuplay keeps for it (host.Kept: a simulated
// host's host.yaml and drives, the lock, the apply records), however the
// host was named (a saved plan names its own), or, for a report, in a
// place that a step of the plan deletes, moves or writes: written at the
// end, it would destroy them, or find its folder gone after the host
// changed.
func (r *run) checkOutputsOn(pp *prepared) error {
	kept, err := host.Kept(pp.host)
	if err != nil {
		return err
	}
	for _, flag := range []string{"-out", "-report"} {
		path := map[string]string{"-out": r.a.out, "-report": r.a.report}[flag]
		if path == "" {
			continue
		}
		// By the name given and by where its links lead.
		abs, err := filepath.Abs(path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", flag, path, err)
		}
		names := []string{abs}
		if real, err := host.Local().Resolve(abs); err == nil && real != abs {
			names = append(names, real)
		}
		if err := checkPlace(names, kept, pp, flag == "-report"); err != nil {
			err = fmt.Errorf("%s %s: %w; name a file elsewhere", flag, path, err)
			if r.a.command == "apply" {
				err = fmt.Errorf("%w; nothing was changed", err)
			}
			return err
		}
	}
	return nil
}

// checkPlace refuses an output, by any of its names, among kept or, if it
// is written after the apply, where a step changes it.
func checkPlace(names, kept []string, pp *prepared, afterApply bool) error {
	for _, name := range names {
		for _, k := range kept {
			if holdsFile(k, name) {
				return fmt.Errorf("it would be written into %s, which is host %s or what wuplay keeps for it", k, pp.host)
			}
		}
		if addr, at := pp.plan.Changes(pp.host, name); addr != "" && afterApply {
			return fmt.Errorf("step %s changes %s, which holds it, so it could not be written once the step ran", addr, at)
		}
	}
	return nil
}

// holdsFile reports whether file is dir or lies inside it, on this
// machine, links in either resolved.
func holdsFile(dir, file string) bool {
	local := host.Local()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := local.Resolve(dir); err == nil {
		dir = real
	}
	d, err1 := local.PathKey(dir)
	f, err2 := local.PathKey(file)
	return err1 == nil && err2 == nil && (d == f || strings.HasPrefix(f, strings.TrimSuffix(d, string(filepath.Separator))+string(filepath.Separator)))
}

// inputs are the files the run reads.
func (r *run) inputs() map[string]string {
	in := map[string]string{r.a.playbook: "the playbook"}
	if src, saved := r.planFile(); saved {
		in[r.a.playbook] = "the saved plan"
		// Its playbook is not read again, but is the user's all the same.
		if d, err := engine.ParsePlanDocument(r.a.playbook, src); err == nil {
			in[d.Playbook.Filename] = "the playbook of the saved plan"
		}
	}
	for _, f := range r.a.varFiles {
		in[f] = "a variable file"
	}
	if dir, ok := strings.CutPrefix(r.a.host, "sim:"); ok {
		in[filepath.Join(dir, "host.yaml")] = "the simulated host's host.yaml"
	}
	return in
}

func checkOutput(path string, inputs map[string]string) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.IsDir():
		return errors.New("is a folder; name a file")
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		// The atomic write would replace the link, not write where it
		// points.
		return errors.New("is a symbolic link; name the file itself")
	case err == nil && !fi.Mode().IsRegular():
		return errors.New("is not a plain file")
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err == nil {
		for in, what := range inputs {
			// By identity, not by name: another spelling, a hard link or
			// a link to it is the same file.
			if ifi, ierr := os.Stat(in); ierr == nil && os.SameFile(fi, ifi) {
				return fmt.Errorf("is %s (%s); writing there would destroy it", what, in)
			}
		}
	}
	// The write is a temporary file renamed into place: make one there now.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write in %s: %w", filepath.Dir(path), err)
	}
	f.Close()
	return os.Remove(f.Name())
}
