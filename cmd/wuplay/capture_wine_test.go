//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// captureRoundTrip proves wuplay capture on Windows, under Wine: captured
// from the prefix in the KB910336 broken state, the capture gives the
// same plan -json (and the same saved plan: objects and facts) as the
// prefix itself, host name aside, and applying to both ends in the same
// state. The same for a registry playbook.
func (m *wineMachine) captureRoundTrip(t *testing.T) {
	t.Run("kb910336", func(t *testing.T) {
		m.reset(t)
		sim := m.capture(t, "cap-kb910336", "kb910336")
		m.samePlan(t, "captured", sim, "kb910336", "kb910336")

		m.wuplayOK(t, 0, "apply", "-auto-approve", "kb910336")
		if code, out, errs := wuplay(t, "apply", "-auto-approve", "-host", "sim:"+sim, "kb910336"); code != exitOK {
			t.Fatalf("apply to the capture: exit %d\n%s%s", code, out, errs)
		}
		m.samePlan(t, "after applying to both", sim, "kb910336", "kb910336")
		// The folder moved aside holds the same names and sizes.
		if diff := cmp.Diff(sizes(t, filepath.Join(m.windir, "SDTemp")), sizes(t, filepath.Join(sim, "drive", "c", "windows", "SDTemp"))); diff != "" {
			t.Errorf("SDTemp differs (-prefix +capture):\n%s", diff)
		}
		if got := simService(t, sim, "wuauserv"); got != "running" {
			t.Errorf("wuauserv in the capture after apply: %q, want running as in the prefix", got)
		}
	})

	t.Run("registry", func(t *testing.T) {
		const playbook = `playbook "registry_capture" {}

registry_value "server" {
  key  = "HKLM\\SOFTWARE\\WuplayCapture\\Policy"
  name = "WUServer"
  type = "string"
  data = "http://wsus.example:8530"
}

registry_value "use_server" {
  key  = "HKLM\\SOFTWARE\\WuplayCapture\\Policy"
  name = "UseWUServer"
  type = "dword"
  data = 1
}

registry_value "stale" {
  key   = "HKLM\\SOFTWARE\\WuplayCapture\\Policy"
  name  = "Stale"
  state = "absent"
}

registry_key "old" {
  key    = "HKLM\\SOFTWARE\\WuplayCapture\\Old"
  state  = "absent"
  backup = "C:\\wuplay-test\\capture-old.reg"
}
`
		writeFiles(t, m.work, map[string]string{"registry-capture.hcl": playbook})
		pb := `C:\wuplay-test\registry-capture.hcl`
		t.Cleanup(func() {
			m.w.Run(t, "reg", "delete", `HKLM\SOFTWARE\WuplayCapture`, "/f")
			os.Remove(filepath.Join(m.work, "capture-old.reg"))
		})
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayCapture\Policy`, "/v", "WUServer", "/t", "REG_SZ", "/d", "http://old.example", "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayCapture\Policy`, "/v", "Stale", "/t", "REG_MULTI_SZ", "/d", `a\0b`, "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayCapture\Old\Sub`, "/v", "Kept", "/t", "REG_SZ", "/d", "in the backup", "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayCapture\Old`, "/v", "Count", "/t", "REG_DWORD", "/d", "7", "/f")

		sim := m.capture(t, "cap-registry", pb)
		m.samePlan(t, "captured", sim, pb, filepath.Join(m.work, "registry-capture.hcl"))

		m.wuplayOK(t, 0, "apply", "-auto-approve", pb)
		if code, out, errs := wuplay(t, "apply", "-auto-approve", "-host", "sim:"+sim, filepath.Join(m.work, "registry-capture.hcl")); code != exitOK {
			t.Fatalf("apply to the capture: exit %d\n%s%s", code, out, errs)
		}
		m.samePlan(t, "after applying to both", sim, pb, filepath.Join(m.work, "registry-capture.hcl"))
		// The two backups hold the same export of the key.
		onPrefix, err := os.ReadFile(filepath.Join(m.work, "capture-old.reg"))
		if err != nil {
			t.Fatal(err)
		}
		inCapture, err := os.ReadFile(filepath.Join(sim, "drive", "c", "wuplay-test", "capture-old.reg"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(utf16le(onPrefix), utf16le(inCapture)); diff != "" {
			t.Errorf("the backups differ (-prefix +capture):\n%s", diff)
		}
	})
}

// capture runs wuplay.exe capture into C:\wuplay-test\NAME and returns
// that folder's path on Linux.
func (m *wineMachine) capture(t *testing.T, name, playbook string) string {
	t.Helper()
	dir := filepath.Join(m.work, name)
	os.RemoveAll(dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
	out, _ := m.wuplayOK(t, 0, "capture", "-out", `C:\wuplay-test\`+name, playbook)
	t.Logf("wuplay capture under Wine:\n%s", out)
	host, err := os.ReadFile(filepath.Join(dir, "host.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s/host.yaml:\n%s", name, host)
	return dir
}

// samePlan compares plan -json, and the saved plan, of the prefix (made
// by wuplay.exe) and of the capture (made by this test, on Linux).
func (m *wineMachine) samePlan(t *testing.T, when, sim, playbook, simPlaybook string) {
	t.Helper()
	wineOut, _ := m.wuplayOK(t, 0, "plan", "-json", playbook)
	code, simOut, errs := wuplay(t, "plan", "-json", "-host", "sim:"+sim, simPlaybook)
	if code != exitOK {
		t.Fatalf("plan -json against the capture: exit %d\n%s%s", code, simOut, errs)
	}
	if diff := cmp.Diff(jsonLines(t, wineOut), jsonLines(t, simOut)); diff != "" {
		t.Errorf("%s: plan -json differs (-prefix +capture):\n%s", when, diff)
	}
	m.wuplayOK(t, 0, "plan", "-out", `C:\wuplay-test\prefix.plan`, playbook)
	defer os.Remove(filepath.Join(m.work, "prefix.plan"))
	data, err := os.ReadFile(filepath.Join(m.work, "prefix.plan"))
	if err != nil {
		t.Fatal(err)
	}
	var onPrefix map[string]any
	if err := json.Unmarshal(data, &onPrefix); err != nil {
		t.Fatal(err)
	}
	normalize(onPrefix)
	inCapture := savedPlan(t, sim, nil, simPlaybook)
	delete(onPrefix, "machine")
	delete(inCapture, "machine")
	// The playbook's file name is the one each run was given.
	for _, d := range []map[string]any{onPrefix, inCapture} {
		delete(d["playbook"].(map[string]any), "filename")
	}
	if diff := cmp.Diff(onPrefix, inCapture); diff != "" {
		t.Errorf("%s: the saved plan differs (-prefix +capture):\n%s", when, diff)
	}
}

// jsonLines decodes a -json stream, without the host's name.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		delete(v, "host")
		lines = append(lines, v)
	}
	return lines
}

// sizes lists the files (with their sizes) and folders under root.
func sizes(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out = append(out, rel+"/")
		} else {
			out = append(out, fmt.Sprintf("%s %d", rel, fi.Size()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// simService is a service's state in a simulated host's host.yaml.
func simService(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "host.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Services map[string]struct{ State string } `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Services[name].State
}
