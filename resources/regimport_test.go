package resources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/resources/host"
)

func simWith(t *testing.T, hostYAML string) *host.Sim {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host.yaml"), []byte(hostYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := host.OpenSim(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A key exported, deleted and imported again exports to the same bytes:
// every value type, quotes and backslashes in names and data, empty
// values, subkeys with and without values.
func TestImportRegRestoresTheExport(t *testing.T) {
	h := simWith(t, `
registry:
  HKLM\SOFTWARE\K:
    S: {type: string, data: 'C:\Path "quoted"'}
    'Odd\Name "x"': {type: string, data: ""}
    '': {type: string, data: default}
    E: {type: expand_string, data: '%windir%\x'}
    D: {type: dword, data: "4294967295"}
    Q: {type: qword, data: "18446744073709551615"}
    M: {type: multi_string, data: "a\n\nb"}
    Empty: {type: multi_string, data: ""}
    B: {type: binary, data: "00ff10"}
  HKLM\SOFTWARE\K\Sub\Deep:
    V: {type: string, data: deep}
  HKLM\SOFTWARE\K\Bare: {}
`)
	want, err := ExportReg(h, `HKLM\SOFTWARE\K`)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.DeleteRegistryKey(`HKLM\SOFTWARE\K`); err != nil {
		t.Fatal(err)
	}
	if err := ImportReg(h, `HKLM\SOFTWARE\K`, want); err != nil {
		t.Fatal(err)
	}
	got, err := ExportReg(h, `HKLM\SOFTWARE\K`)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("export after import:\n%s\nwant:\n%s", utf16le(got[2:]), utf16le(want[2:]))
	}
}

// A backup that reaches out of its key, or deletes, is refused before
// anything is written.
func TestImportRegRefuses(t *testing.T) {
	tests := map[string]string{
		"outside.reg": `line 6: key HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run is not HKLM\SOFTWARE\K or under it`,
		"deletes.reg": "line 6: a key deletion, which a backup never holds",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			h := simWith(t, "registry: {}\n")
			data, err := os.ReadFile(filepath.Join("../testdata/hostile/backout", file))
			if err != nil {
				t.Fatal(err)
			}
			err = ImportReg(h, `HKLM\SOFTWARE\K`, data)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want %q", err, want)
			}
			if ok, _ := h.RegistryKeyExists(`HKLM\SOFTWARE\K`); ok {
				t.Error("the key was written")
			}
		})
	}
}
