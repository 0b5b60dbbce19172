//go:build unix

package playtest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCopyRefusesSpecialFiles: a FIFO in a host folder is refused before
// it is opened (opening it would wait for a writer for ever), and a
// folder without host.yaml is no host.
func TestCopyRefusesSpecialFiles(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "host.yaml"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := copyHost(src, filepath.Join(t.TempDir(), "copy"))
	if err == nil || !strings.Contains(err.Error(), "fifo is neither a file, a folder nor a link") {
		t.Errorf("copy of a host with a FIFO: %v", err)
	}
	err = copyHost(t.TempDir(), filepath.Join(t.TempDir(), "copy"))
	if err == nil || !strings.Contains(err.Error(), "is not a simulated host") {
		t.Errorf("copy of a folder without host.yaml: %v", err)
	}
}
