package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cancelOn is an output that cancels the run (as Ctrl-C would) once it
// has been sent a line holding mark.
type cancelOn struct {
	mu     sync.Mutex
	b      strings.Builder
	mark   string
	cancel context.CancelFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Contains(w.b.String(), w.mark) {
		w.cancel()
	}
	return len(p), nil
}

// Ctrl-C while wuauserv stops: the apply says it was interrupted, never
// "Apply complete!", exits 1, and says what the host is left as.
func TestInterruptedApplySaysSo(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/broken")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOn{mark: "service.stop_automatic_updates: stop...", cancel: cancel}
	var errs strings.Builder
	report := filepath.Join(t.TempDir(), "report.json")
	c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: out, stderr: &errs}
	code := c.main(ctx, []string{"apply", "-auto-approve", "-no-color", "-report", report, "-host", "sim:" + dir, "kb910336"})
	got := out.b.String()
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"Apply interrupted: 0 changed, 0 failed, 1 put back, 2 not attempted, 0 unchanged.",
		"The host is as it was before the apply.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the output:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Apply complete") {
		t.Errorf("an interrupted apply says it is complete:\n%s", got)
	}
	if !strings.Contains(errs.String(), "interrupted before directory.software_distribution") {
		t.Errorf("stderr %q, want the interrupt named", errs.String())
	}
	data, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(data), `"result": "interrupted"`) {
		t.Errorf("report %s (%v), want result interrupted", data, err)
	}
}
