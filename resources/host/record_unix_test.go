//go:build unix

package host

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A record that is not a plain file is refused without being opened: a
// FIFO would block the plan until someone writes to it.
func TestApplyRecordFIFOIsRefused(t *testing.T) {
	h := lockHost(t)
	if err := WriteApplyRecord(h, ApplyRecord{Playbook: "x", Result: "succeeded"}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(h.dir, "records", "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadApplyRecord(h, "fifo"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO as the record: %v, want it refused", err)
	}
}
