package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestApplyRecordKeepsTheLastSuccess(t *testing.T) {
	h := lockHost(t)
	if _, ok, err := ReadApplyRecord(h, "kb910336"); ok || err != nil {
		t.Fatalf("before any apply: ok %v, err %v; want no record", ok, err)
	}
	fixed := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if err := WriteApplyRecord(h, ApplyRecord{Playbook: "kb910336", Finished: fixed, Result: "succeeded", Changed: []string{"directory.d"}}); err != nil {
		t.Fatal(err)
	}
	failed := fixed.Add(24 * time.Hour)
	if err := WriteApplyRecord(h, ApplyRecord{Playbook: "kb910336", Finished: failed, Result: "failed"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := ReadApplyRecord(h, "kb910336")
	want := ApplyRecord{Playbook: "kb910336", Finished: failed, Result: "failed", Succeeded: fixed}
	if !ok || err != nil {
		t.Fatalf("ok %v, err %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A playbook's name is its author's: no name reaches outside the state
// folder, and a record is only ever its own playbook's.
func TestApplyRecordHostileNamesAndFiles(t *testing.T) {
	h := lockHost(t)
	for _, name := range []string{"../../escape", `..\..\escape`, "/etc/passwd", "a/b", ".hidden", strings.Repeat("x", 200)} {
		if err := WriteApplyRecord(h, ApplyRecord{Playbook: name, Finished: time.Now(), Result: "succeeded"}); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if path := filepath.Join(h.dir, filepath.FromSlash(recordName(name))); filepath.Dir(path) != filepath.Join(h.dir, "records") {
			t.Errorf("%q is recorded at %s, outside %s", name, path, filepath.Join(h.dir, "records"))
		}
		if _, ok, err := ReadApplyRecord(h, name); !ok || err != nil {
			t.Errorf("%q: read back: ok %v, err %v", name, ok, err)
		}
	}
	// Another playbook's record copied in place is not this one's.
	if err := WriteApplyRecord(h, ApplyRecord{Playbook: "kb1", Finished: time.Now(), Result: "succeeded"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(h.dir, "records", "kb1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "records", "other.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadApplyRecord(h, "other"); err == nil || !strings.Contains(err.Error(), `playbook "kb1"'s`) {
		t.Errorf("a record of another playbook taken as other's: %v", err)
	}
	// A record that is a link out of the state folder is not read through.
	outside := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(outside, data, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(h.dir, "records", "kb1.json")
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, ok, err := ReadApplyRecord(h, "kb1"); ok || err == nil {
		t.Errorf("a record linked out of the state folder was read: ok %v, err %v", ok, err)
	}
}

// A playbook named like a Windows device (CON, NUL, COM1, LPT1, with any
// extension and case) would have its record written to the device on
// Windows: such names are hashed like the unsafe ones; names that only
// begin like one are kept.
func TestApplyRecordNamesNoDevice(t *testing.T) {
	for name, hashed := range map[string]bool{
		"CON": true, "nul": true, "Aux.kb": true, "com1": true, "LPT9.x": true, "prn": true,
		"kb910336": false, "console": false, "com10": false, "nullify": false,
	} {
		got := strings.TrimSuffix(strings.TrimPrefix(recordName(name), "records/"), ".json")
		if (got != name) != hashed {
			t.Errorf("%q is recorded as %q; hashed: %v, want %v", name, got, got != name, hashed)
		}
	}
}

// Reading the record, as every plan of kb910336 does, makes no state
// folder: a plan changes nothing, and a user who may not write
// /var/lib/wuplay may still plan.
func TestReadApplyRecordMakesNothing(t *testing.T) {
	t.Setenv("WUPLAY_STATE_DIR", filepath.Join(t.TempDir(), "state"))
	h := Local()
	if _, ok, err := ReadApplyRecord(h, "kb910336"); ok || err != nil {
		t.Fatalf("ok %v, err %v; want no record and no error", ok, err)
	}
	dir, _ := h.StateDir()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the read made %s (stat: %v)", dir, err)
	}
}
