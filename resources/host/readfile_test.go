//go:build linux

package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileMax(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, []byte(strings.Repeat("x", 11)), 0o644)
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("0123456789"), 0o644)
	tests := map[string]struct {
		path string
		want error
	}{
		"named pipe":    {fifo, ErrNotRegular},
		"device":        {"/dev/zero", ErrNotRegular},
		"folder":        {dir, ErrNotRegular},
		"over the max":  {big, ErrTooLarge},
		"missing":       {filepath.Join(dir, "none"), fs.ErrNotExist},
		"at the max":    {small, nil},
		"size 0 (proc)": {"/proc/sys/kernel/ostype", nil}, // "Linux\n", stat says 0 bytes
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			data, err := ReadFileMax(tt.path, 10)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if err == nil && len(data) == 0 {
				t.Errorf("read nothing")
			}
		})
	}
}
