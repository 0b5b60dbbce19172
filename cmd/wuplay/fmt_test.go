//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fmt on input that tries to crash, hang or fool it: each ends, with an
// error where the file cannot be formatted, and the file left as it was.
func TestFmtHostile(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(name string) string {
		data, err := os.ReadFile(filepath.Join("../../testdata/hostile/fmt", name))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		writeFile(t, p, string(data))
		return p
	}
	deep := copyFile("deep.hcl")
	big := filepath.Join(dir, "big.hcl")
	writeFile(t, big, strings.Repeat("#", 5<<20))
	fifo := filepath.Join(dir, "pipe.hcl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	escaped := filepath.Join(dir, "sub", "\x1b[2Jok.hcl")
	writeFile(t, escaped, "playbook \"x\" {\n  title =   \"x\"\n}\n")
	if err := syscall.Mkfifo(filepath.Join(dir, "sub", "pipe.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		argv []string
		code int
		out  string // in stdout or stderr
	}{
		"nested too deeply":   {[]string{"fmt", deep}, exitError, "Expression nested too deeply"},
		"too large":           {[]string{"fmt", big}, exitError, "Playbook too large"},
		"a named pipe":        {[]string{"fmt", fifo}, exitError, "is not a plain file"},
		"a pipe in a folder":  {[]string{"fmt", "-check", filepath.Join(dir, "sub")}, exitError, `\x1b[2Jok.hcl`},
		"a pipe as arguments": {[]string{fifo}, exitUsage, "unknown command"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			before := map[string]string{}
			for _, p := range []string{deep, escaped} {
				data, _ := os.ReadFile(p)
				before[p] = string(data)
			}
			type result struct {
				code     int
				out, err string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errs := wuplay(t, tt.argv...)
				done <- result{code, out, errs}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("fmt did not end")
			}
			if r.code != tt.code || !strings.Contains(r.out+r.err, tt.out) {
				t.Errorf("exit %d, output %q %q; want %d and %q", r.code, r.out, r.err, tt.code, tt.out)
			}
			if strings.Contains(r.out+r.err, "\x1b") {
				t.Errorf("an escape code reached the output: %q", r.out+r.err)
			}
			for p, was := range before {
				if data, _ := os.ReadFile(p); string(data) != was {
					t.Errorf("%s changed", p)
				}
			}
		})
	}
}

// A playbook written on Windows keeps its CRLF line ends.
func TestFmtKeepsCRLF(t *testing.T) {
	data, err := os.ReadFile("../../testdata/hostile/fmt/crlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "crlf.hcl")
	writeFile(t, p, string(data))
	if code, out, errs := wuplay(t, "fmt", p); code != exitOK || out != p+"\n" {
		t.Fatalf("exit %d, %q %q", code, out, errs)
	}
	got, _ := os.ReadFile(p)
	if want := "playbook \"crlf\" {\r\n  title = \"written on Windows\"\r\n}\r\n"; string(got) != want {
		t.Errorf("formatted %q, want %q", got, want)
	}
}
