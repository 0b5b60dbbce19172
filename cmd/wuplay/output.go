package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkOutputs refuses, before any host is read or changed, an output
// file (plan -out, apply -report) that could not be written at the end: a
// folder, something other than a plain file, one of the run's own inputs
// (the playbook or saved plan, a variable file, a simulated host's
// host.yaml), or a place where no file can be made. Found only after the
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

// inputs are the files the run reads.
func (r *run) inputs() map[string]string {
	in := map[string]string{r.a.playbook: "the playbook"}
	if _, saved := r.planFile(); saved {
		in[r.a.playbook] = "the saved plan"
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
