//go:build !windows

package host_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileReplacesUnderWine replaces an existing file through the
// Windows build of WriteFile, which does it with ReplaceFile: the call
// works and leaves no temporary file. That ReplaceFile keeps the file's
// attributes and ACL is Windows' behaviour, which Wine 8 does not have
// (seen: a system file written so loses its S attribute), so it is not
// tested here.
func TestWriteFileReplacesUnderWine(t *testing.T) {
	probe := newProbe(t, "hostprobe")
	dir := filepath.Join(probe.w.Drive(), "wuplay-write")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.ini")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const win = `C:\wuplay-write\app.ini`
	want(t, probe.run(t, "write|"+win+"|new", "write|"+win+"|newer"), "write|"+win+"|new ok", "write|"+win+"|newer ok")
	if data, err := os.ReadFile(path); err != nil || string(data) != "newer" {
		t.Errorf("content %q, %v; want %q", data, err, "newer")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the folder holds %d entries, want app.ini alone", len(ents))
	}
}
