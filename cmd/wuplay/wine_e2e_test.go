//go:build !windows

package main

// wuplay.exe end to end under Wine: the Windows build, run in a Wine prefix
// against its real service control manager, registry and C: drive, applies
// the shipped KB910336 playbook, and the result is read from outside (the
// prefix's drive_c from Linux, Wine's own sc and reg) and compared with what
// the KB's steps typed by hand leave behind.

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/wuplay/wuplay/resources/host/winetest"
)

// The events that Windows Update leaves in the System log, as
// `wevtutil qe System /f:RenderedXml` prints them: the KB910336 symptom (a
// failed installation with 0x80070002), and a later success, after which
// the symptom is gone.
const (
	failedInstall = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-WindowsUpdateClient" Guid="{945a8954-c147-4acd-923f-40c45405a658}"/><EventID>20</EventID><TimeCreated SystemTime="2026-11-28T10:00:00.0000000Z"/><Channel>System</Channel></System><RenderingInfo Culture="en-US"><Message>Installation Failure: Windows failed to install the following update with error 0x80070002: 2024-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441).</Message></RenderingInfo></Event>`
	laterSuccess  = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-WindowsUpdateClient" Guid="{945a8954-c147-4acd-923f-40c45405a658}"/><EventID>19</EventID><TimeCreated SystemTime="2026-11-28T12:00:00.0000000Z"/><Channel>System</Channel></System><RenderingInfo Culture="en-US"><Message>Installation Successful: Windows successfully installed the following update: 2024-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441).</Message></RenderingInfo></Event>`
)

// brokenTree is SoftwareDistribution on a machine with the symptom, as in
// testdata/hosts/broken.
var brokenTree = map[string]string{
	`Download\5a1b\update.mum`:                          "update manifest\n",
	`Download\5a1b\windows10.0-kb5034441-x64.cab`:       "cabinet\n",
	`DataStore\DataStore.edb`:                           "datastore\n",
	`DataStore\Logs\edb.chk`:                            "checkpoint\n",
	`Download\a1b2c3d4e5f6\Metadata\UpdateMetadata.xml`: "<metadata/>\n",
}

func TestWuplayUnderWine(t *testing.T) {
	start := time.Now()
	w := winetest.NewPrefix(t)
	m := &wineMachine{
		w:      w,
		wuplay: winetest.BuildExe(t, "github.com/wuplay/wuplay/cmd/wuplay"),
		probe:  winetest.BuildExe(t, "../../testdata/wine/svcprobe"),
		windir: filepath.Join(w.Drive(), "windows"),
		work:   filepath.Join(w.Drive(), "wuplay-test"),
	}
	if err := os.MkdirAll(m.work, 0o755); err != nil {
		t.Fatal(err)
	}
	m.installWevtutil(t)
	t.Logf("prefix and Windows builds ready in %s", time.Since(start).Round(100*time.Millisecond))
	defer func() { t.Logf("Wine end-to-end tests took %s in all", time.Since(start).Round(100*time.Millisecond)) }()

	// What KB910336 leaves: the old tree kept aside as SDTemp, no
	// SoftwareDistribution (Wine's wuauserv does not recreate it, as
	// Windows' does), and wuauserv running with its start type unchanged.
	fixed := machineState{
		Folders:   []string{"SDTemp"},
		SDTemp:    treeListing(t, brokenTree),
		Wuauserv:  "RUNNING",
		StartType: "0x3",
	}
	broken := machineState{
		Folders:              []string{"SoftwareDistribution"},
		SoftwareDistribution: treeListing(t, brokenTree),
		Wuauserv:             "RUNNING",
		StartType:            "0x3",
	}
	ends := map[string]machineState{}

	for _, form := range []string{"kb910336.hcl", "kb910336.yaml"} {
		t.Run(form, func(t *testing.T) {
			m.reset(t)
			m.wantState(t, "before", broken)

			out, _ := m.wuplayOK(t, 0, "plan", form)
			t.Logf("wuplay plan %s under Wine:\n%s", form, out)
			for _, line := range []string{
				"Playbook kb910336 will perform these actions on local:",
				`      ~ state = "running" -> "stopped"`,
				`  > path "C:\windows\SoftwareDistribution" -> "C:\windows\SDTemp"`,
				`      ~ state = "stopped" -> "running"`,
				"Plan: 3 to change, 0 unchanged.",
			} {
				wantLine(t, "plan", out, line)
			}
			m.wantState(t, "after plan, which changes nothing", broken)

			out, _ = m.wuplayOK(t, 0, "apply", "-auto-approve", form)
			wantLine(t, "apply", out, "Apply complete! 3 changed, 0 unchanged.")
			ends[form] = m.wantState(t, "after apply", fixed)

			out, _ = m.wuplayOK(t, 0, "apply", "-auto-approve", form)
			wantLine(t, "second apply", out, "No changes. Host local already matches playbook kb910336.")
			wantLine(t, "second apply", out, "Plan: 0 to change, 3 unchanged.")
			m.wuplayOK(t, 0, "plan", "-detailed-exitcode", form)
			m.wantState(t, "after the second apply", fixed)
		})
	}

	t.Run("the KB's steps by hand", func(t *testing.T) {
		m.reset(t)
		for _, step := range []string{`net stop wuauserv`, `ren %windir%\SoftwareDistribution SDTemp`, `net start wuauserv`} {
			if out, exit := w.Run(t, "cmd", "/c", step); exit != 0 {
				t.Fatalf("cmd /c %s: exit code %d\n%s", step, exit, out)
			}
		}
		ends["by hand"] = m.wantState(t, "after the KB's steps", fixed)
		// The playbook leaves the machine exactly as the steps do.
		for _, form := range []string{"kb910336.hcl", "kb910336.yaml"} {
			if got, ok := ends[form]; ok {
				if diff := cmp.Diff(ends["by hand"], got); diff != "" {
					t.Errorf("%s left the machine otherwise than the KB's steps (-by hand +%s):\n%s", form, form, diff)
				}
			}
		}
	})

	t.Run("saved plan", func(t *testing.T) {
		m.reset(t)
		plan := `C:\wuplay-test\kb.plan`
		out, _ := m.wuplayOK(t, 0, "plan", "-out", plan, "kb910336")
		wantLine(t, "plan -out", out, "Plan: 3 to change, 0 unchanged.")

		// wuauserv stopped by hand between the plan and its apply.
		m.wine(t, "net", "stop", "wuauserv")
		stopped := broken
		stopped.Wuauserv = "STOPPED"
		m.wantState(t, "after net stop", stopped)
		_, stderr := m.wuplayOK(t, 1, "apply", plan)
		for _, line := range []string{
			`saved plan is stale: the host changed since the plan was made:`,
			`service wuauserv: state was "running", is now "stopped"; nothing was changed`,
		} {
			if !strings.Contains(stderr, line) {
				t.Errorf("apply of a stale plan: stderr lacks %q:\n%s", line, stderr)
			}
		}
		m.wantState(t, "after the refused apply", stopped)

		m.wine(t, "net", "start", "wuauserv")
		out, _ = m.wuplayOK(t, 0, "apply", plan)
		wantLine(t, "apply of the saved plan", out, "Apply complete! 3 changed, 0 unchanged.")
		m.wantState(t, "after the saved plan", fixed)
	})

	t.Run("symptom gone", func(t *testing.T) {
		m.reset(t)
		m.events(t, laterSuccess)
		t.Cleanup(func() { m.events(t, failedInstall) })
		out, _ := m.wuplayOK(t, 0, "plan", "-detailed-exitcode", "kb910336")
		wantLine(t, "plan", out, "Symptom not present: nothing to do. Playbook kb910336 found no sign on local of what it fixes.")
		m.wuplayOK(t, 0, "apply", "-auto-approve", "kb910336")
		m.wantState(t, "after apply", broken)
	})

	t.Run("disabled wuauserv", func(t *testing.T) {
		m.reset(t)
		// Wine's sc has no "config", and a Start value written with reg
		// reaches the service control manager only at its next start (on
		// Windows too): svcprobe calls ChangeServiceConfig.
		m.svcprobe(t, "stop:wuauserv", "starttype:wuauserv:disabled")
		t.Cleanup(func() { m.svcprobe(t, "starttype:wuauserv:manual", "start:wuauserv") })
		disabled := broken
		disabled.Wuauserv, disabled.StartType = "STOPPED", "0x4"
		m.wantState(t, "disabled", disabled)

		// The fix moves the folder and gives wuauserv back as it found
		// it, stopped and disabled: it never tries to start it.
		out, _ := m.wuplayOK(t, 0, "plan", "kb910336")
		wantLine(t, "plan", out, "  # service.start_automatic_updates: no change (wuauserv is already stopped)")
		m.wuplayOK(t, 0, "apply", "-auto-approve", "kb910336")
		after := fixed
		after.Wuauserv, after.StartType = "STOPPED", "0x4"
		m.wantState(t, "after apply", after)
	})

	t.Run("idle stop, then the error again", func(t *testing.T) {
		m.reset(t)
		m.wuplayOK(t, 0, "apply", "-auto-approve", "kb910336")
		m.wantState(t, "after apply", fixed)

		// Windows stops the idle wuauserv: the fixed machine stays
		// compliant, through the real service control manager.
		m.svcprobe(t, "stop:wuauserv")
		out, _ := m.wuplayOK(t, 0, "plan", "-detect", "kb910336")
		wantLine(t, "detect after the idle stop", out, "Compliant: 0 to change, 3 unchanged (playbook kb910336)")
		m.svcprobe(t, "start:wuauserv")
		m.wuplayOK(t, 0, "plan", "-detect", "kb910336")

		// Windows recreates SoftwareDistribution (Wine's wuauserv does
		// not) and an installation fails again, after the fix.
		writeFiles(t, filepath.Join(m.windir, "SoftwareDistribution"), map[string]string{`Download\77aa\update.mum`: "new manifest\n"})
		again := strings.Replace(failedInstall, "2026-11-28T10:00:00.0000000Z", time.Now().UTC().Add(time.Minute).Format(time.RFC3339Nano), 1)
		m.events(t, again)
		t.Cleanup(func() { m.events(t, failedInstall) })
		out, _ = m.wuplayOK(t, 1, "plan", "-detect", "kb910336")
		wantLine(t, "detect after the error came back", out, "directory.software_distribution: will rename")
		m.wuplayOK(t, 0, "apply", "-auto-approve", "kb910336")
		got := m.state(t)
		if want := []string{"SDTemp", "SDTemp.1"}; !slices.Equal(got.Folders, want) || !slices.Equal(got.SDTemp, fixed.SDTemp) {
			t.Errorf("after the second fix: folders %v, SDTemp %v; want %v, and the first fix's SDTemp kept", got.Folders, got.SDTemp, want)
		}
		m.wuplayOK(t, 0, "plan", "-detect", "kb910336")
	})

	t.Run("registry playbook", func(t *testing.T) {
		const playbook = `playbook "registry" {}

registry_value "server" {
  key  = "HKLM\\SOFTWARE\\WuplayE2E\\Policy"
  name = "WUServer"
  type = "string"
  data = "http://wsus.example:8530"
}

registry_value "use_server" {
  key  = "HKLM\\SOFTWARE\\WuplayE2E\\Policy"
  name = "UseWUServer"
  type = "dword"
  data = 1
}

registry_value "hours" {
  key  = "HKLM\\SOFTWARE\\WuplayE2E\\Policy"
  name = "Hours"
  type = "multi_string"
  data = ["1", "2"]
}

registry_key "old" {
  key    = "HKLM\\SOFTWARE\\WuplayE2E\\Old"
  state  = "absent"
  backup = "C:\\wuplay-test\\old.reg"
}
`
		writeFiles(t, m.work, map[string]string{"registry.hcl": playbook})
		t.Cleanup(func() { m.w.Run(t, "reg", "delete", `HKLM\SOFTWARE\WuplayE2E`, "/f") })
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayE2E\Old\Sub`, "/v", "Kept", "/t", "REG_SZ", "/d", "in the backup", "/f")

		out, _ := m.wuplayOK(t, 0, "apply", "-auto-approve", `C:\wuplay-test\registry.hcl`)
		wantLine(t, "apply", out, "Apply complete! 4 changed, 0 unchanged.")
		q, _ := m.w.Run(t, "reg", "query", `HKLM\SOFTWARE\WuplayE2E\Policy`)
		for _, want := range []string{"WUServer    REG_SZ    http://wsus.example:8530", "UseWUServer    REG_DWORD    0x1", `Hours    REG_MULTI_SZ    1\02`} {
			if !strings.Contains(q, want) {
				t.Errorf("reg query lacks %q:\n%s", want, q)
			}
		}
		if _, exit := m.w.Run(t, "reg", "query", `HKLM\SOFTWARE\WuplayE2E\Old`); exit == 0 {
			t.Error("the Old key is still there")
		}
		backup, err := os.ReadFile(filepath.Join(m.work, "old.reg"))
		if err != nil || !strings.Contains(utf16le(backup), `"Kept"="in the backup"`) {
			t.Errorf("backup %q, %v: want the Old key's value in it", utf16le(backup), err)
		}

		out, _ = m.wuplayOK(t, 0, "apply", "-auto-approve", `C:\wuplay-test\registry.hcl`)
		wantLine(t, "second apply", out, "Plan: 0 to change, 4 unchanged.")
		m.wuplayOK(t, 0, "plan", "-detailed-exitcode", `C:\wuplay-test\registry.hcl`)
	})

	t.Run("backout", func(t *testing.T) {
		m.reset(t)
		report := `C:\wuplay-test\kb.report`
		m.wuplayOK(t, 0, "apply", "-auto-approve", "-report", report, "kb910336")
		m.wantState(t, "after apply", fixed)
		// Windows recreates SoftwareDistribution (Wine's wuauserv does
		// not), then stops the idle wuauserv.
		writeFiles(t, filepath.Join(m.windir, "SoftwareDistribution"), map[string]string{`Download\77aa\new.mum`: "new manifest\n"})
		m.svcprobe(t, "stop:wuauserv")

		out, _ := m.wuplayOK(t, 2, "backout", "-dry-run", "-detailed-exitcode", report)
		for _, line := range []string{
			`  > path "C:\windows\SoftwareDistribution" -> "C:\windows\SoftwareDistribution.backout"`,
			`  > path "C:\windows\SDTemp" -> "C:\windows\SoftwareDistribution"`,
			`      ~ state = "stopped" -> "running"`,
			"Plan: 3 to change, 1 unchanged.",
		} {
			wantLine(t, "backout -dry-run", out, line)
		}
		out, _ = m.wuplayOK(t, 0, "backout", "-auto-approve", "-report", `C:\wuplay-test\backout.report`, report)
		wantLine(t, "backout", out, "Apply complete! 3 changed, 1 unchanged.")
		// SoftwareDistribution holds its original files again, SDTemp is
		// gone, the recreated folder is kept aside, wuauserv runs as read.
		backedOut := broken
		backedOut.Folders = []string{"SoftwareDistribution", "SoftwareDistribution.backout"}
		m.wantState(t, "after the backout", backedOut)
		kept := listTree(t, filepath.Join(m.windir, "SoftwareDistribution.backout"))
		if !slices.ContainsFunc(kept, func(e string) bool { return strings.HasPrefix(e, `Download\77aa\new.mum `) }) {
			t.Errorf("SoftwareDistribution.backout holds %v, want what Windows recreated", kept)
		}

		out, _ = m.wuplayOK(t, 0, "backout", "-dry-run", "-detailed-exitcode", report)
		wantLine(t, "second backout", out, "Plan: 0 to change, 0 unchanged.")
		m.wuplayOK(t, 0, "backout", "-auto-approve", report)
		m.wantState(t, "after the second backout", backedOut)
	})

	t.Run("registry backout", func(t *testing.T) {
		const playbook = `playbook "regback" {}

registry_value "server" {
  key  = "HKLM\\SOFTWARE\\WuplayBack"
  name = "Server"
  type = "string"
  data = "new"
}

registry_value "gone" {
  key   = "HKLM\\SOFTWARE\\WuplayBack"
  name  = "Gone"
  state = "absent"
}

registry_value "added" {
  key  = "HKLM\\SOFTWARE\\WuplayBack"
  name = "Added"
  type = "multi_string"
  data = ["a", "b"]
}

registry_key "old" {
  key    = "HKLM\\SOFTWARE\\WuplayBack\\Old"
  state  = "absent"
  backup = "C:\\wuplay-test\\back-old.reg"
}
`
		writeFiles(t, m.work, map[string]string{"regback.hcl": playbook})
		t.Cleanup(func() { m.w.Run(t, "reg", "delete", `HKLM\SOFTWARE\WuplayBack`, "/f") })
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayBack`, "/v", "Server", "/t", "REG_SZ", "/d", "old", "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayBack`, "/v", "Gone", "/t", "REG_DWORD", "/d", "7", "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayBack\Old\Sub`, "/v", "Kept", "/t", "REG_SZ", "/d", "in the backup", "/f")
		m.wine(t, "reg", "add", `HKLM\SOFTWARE\WuplayBack\Old`, "/v", "Count", "/t", "REG_QWORD", "/d", "5", "/f")
		query := func() string {
			q, _ := m.w.Run(t, "reg", "query", `HKLM\SOFTWARE\WuplayBack`, "/s")
			return q
		}
		before := query()

		report := `C:\wuplay-test\regback.report`
		out, _ := m.wuplayOK(t, 0, "apply", "-auto-approve", "-report", report, `C:\wuplay-test\regback.hcl`)
		wantLine(t, "apply", out, "Apply complete! 4 changed, 0 unchanged.")
		if q := query(); !strings.Contains(q, "Added") || strings.Contains(q, "Gone") || strings.Contains(q, "Kept") {
			t.Fatalf("after the apply:\n%s", q)
		}
		out, _ = m.wuplayOK(t, 0, "backout", "-auto-approve", report)
		wantLine(t, "backout", out, "Apply complete! 4 changed, 0 unchanged.")
		// Values back to their recorded data, deleted ones back, new ones
		// removed, the key imported again from its backup: reg query says
		// what it said before the apply.
		if after := query(); after != before {
			t.Errorf("reg query after the backout:\n%s\nbefore the apply:\n%s", after, before)
		}
		out, _ = m.wuplayOK(t, 0, "backout", "-auto-approve", report)
		wantLine(t, "second backout", out, "Plan: 0 to change, 0 unchanged.")
	})

	t.Run("capture round trip", m.captureRoundTrip)

	t.Run("directory absent", func(t *testing.T) {
		tree, outside := filepath.Join(m.work, "tree"), filepath.Join(m.work, "outside")
		t.Cleanup(func() { os.RemoveAll(tree); os.RemoveAll(outside) })
		writeFiles(t, m.work, map[string]string{
			"rmtree.hcl":                    "playbook \"rmtree\" {}\n\ndirectory \"tree\" {\n  path  = \"C:\\\\wuplay-test\\\\tree\"\n  state = \"absent\"\n}\n",
			`outside\Keep\precious.txt`:     "precious\n",
			`outside\precious.txt`:          "precious too\n",
			`tree\Sub\Deeper\file.txt`:      "file\n",
			`tree\Sub\read-only.txt`:        "read-only\n",
			`tree\Download\5a1b\update.mum`: "update manifest\n",
			`tree\DataStore\DataStore.edb`:  "datastore\n",
			`tree\DataStore\Logs\edb.chk`:   "checkpoint\n",
		})
		if err := os.Chmod(filepath.Join(tree, "Sub", "read-only.txt"), 0o444); err != nil {
			t.Fatal(err)
		}
		precious := func(t *testing.T) {
			t.Helper()
			for rel, want := range map[string]string{`Keep\precious.txt`: "precious\n", "precious.txt": "precious too\n"} {
				if got, err := os.ReadFile(filepath.Join(outside, winPath(rel))); err != nil || string(got) != want {
					t.Errorf("%s outside the tree: %q, %v; want %q untouched", rel, got, err, want)
				}
			}
		}

		// A Linux symbolic link to a folder is a reparse point to Wine's
		// path queries, yet every handle Wine opens on it, and so every
		// Win32 delete, reaches its target: no program can remove the link
		// itself under Wine. wuplay must neither descend into it nor
		// delete through it: it refuses, before deleting anything. (On
		// Windows, RemoveAll removes a junction or symbolic link itself.)
		if err := os.Symlink(outside, filepath.Join(tree, "Sub", "Linked")); err != nil {
			t.Fatal(err)
		}
		before := listTree(t, tree)
		out, stderr := m.wuplayOK(t, 1, "apply", "-auto-approve", `C:\wuplay-test\rmtree.hcl`)
		const refusal = `Error: directory.tree: refusing to delete C:\wuplay-test\tree\Sub\Linked: it is a symbolic link or junction that this system opens as its target (C:\wuplay-test\outside), so it cannot be removed without harming the target; remove the link by hand`
		if !strings.Contains(stderr, refusal) {
			t.Errorf("apply: stderr lacks %q:\nstdout:\n%s\nstderr:\n%s", refusal, out, stderr)
		}
		precious(t)
		if diff := cmp.Diff(before, listTree(t, tree)); diff != "" {
			t.Errorf("the refused delete changed the tree (-before +after):\n%s", diff)
		}

		// Without the link, the tree goes, read-only file and all, where
		// os.RemoveAll fails under Wine on any folder that is not empty.
		if err := os.Remove(filepath.Join(tree, "Sub", "Linked")); err != nil {
			t.Fatal(err)
		}
		out, _ = m.wuplayOK(t, 0, "apply", "-auto-approve", `C:\wuplay-test\rmtree.hcl`)
		wantLine(t, "apply", out, "Apply complete! 1 changed, 0 unchanged.")
		if _, err := os.Lstat(tree); !os.IsNotExist(err) {
			t.Errorf("after apply, Lstat %s: %v; want it gone", tree, err)
		}
		precious(t)
		m.wuplayOK(t, 0, "plan", "-detailed-exitcode", `C:\wuplay-test\rmtree.hcl`)
	})

	t.Run("two at once", m.twoAtOnce)
}

// utf16le decodes a .reg file as regedit writes it.
func utf16le(data []byte) string {
	if len(data) < 2 {
		return ""
	}
	u := make([]uint16, (len(data)-2)/2)
	for i := range u {
		u[i] = uint16(data[2+2*i]) | uint16(data[3+2*i])<<8
	}
	return string(utf16.Decode(u))
}

// wineMachine is the Wine prefix as a Windows machine, and the programs
// that drive it.
type wineMachine struct {
	w             *winetest.Prefix
	wuplay, probe string // Linux paths of the Windows builds: wuplay, svcprobe
	windir, work  string // Linux paths of C:\windows and C:\wuplay-test
}

// wuplayOK runs wuplay.exe and fails t unless it exits with want.
func (m *wineMachine) wuplayOK(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, exit := m.w.Output(t, append([]string{m.wuplay}, args...)...)
	if exit != want {
		t.Fatalf("wuplay %s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), exit, want, stdout, stderr)
	}
	return stdout, stderr
}

// wine runs a Windows command and fails t unless it succeeds.
func (m *wineMachine) wine(t *testing.T, args ...string) {
	t.Helper()
	if out, exit := m.w.Run(t, args...); exit != 0 {
		t.Fatalf("%s: exit code %d\n%s", strings.Join(args, " "), exit, out)
	}
}

// svcprobe drives services through wuplay's own Windows backend, where
// Wine's sc cannot (see testdata/wine/svcprobe).
func (m *wineMachine) svcprobe(t *testing.T, ops ...string) {
	t.Helper()
	out, exit := m.w.Run(t, append([]string{m.probe}, ops...)...)
	if exit != 0 || strings.Contains(out, " error ") {
		t.Fatalf("svcprobe %s: exit code %d\n%s", strings.Join(ops, " "), exit, out)
	}
}

// installWevtutil puts testdata/wine/wevtutil in place of Wine's wevtutil,
// which answers every query with nothing, so that the playbook's event log
// fact reads the events the test chooses; Wine's is put back after t.
func (m *wineMachine) installWevtutil(t *testing.T) {
	stub, err := os.ReadFile(winetest.BuildExe(t, "../../testdata/wine/wevtutil"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(m.windir, "system32", "wevtutil.exe")
	wines, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, stub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(path, wines, 0o755) })
	// A program that Wine has built in runs as the builtin, whatever file
	// is in system32, unless the prefix says to load the file.
	const overrides = `HKCU\Software\Wine\DllOverrides`
	m.wine(t, "reg", "add", overrides, "/v", "wevtutil.exe", "/t", "REG_SZ", "/d", "native", "/f")
	t.Cleanup(func() { m.w.Run(t, "reg", "delete", overrides, "/v", "wevtutil.exe", "/f") })
	m.events(t, failedInstall)
}

// events sets what wevtutil answers.
func (m *wineMachine) events(t *testing.T, xml string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(m.work, "events.xml"), []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// reset makes the prefix a machine with the KB910336 symptom: the update
// files in SoftwareDistribution, no SDTemp, wuauserv running and manual.
// The tree is written from Linux.
func (m *wineMachine) reset(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(m.windir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := strings.ToLower(e.Name()); strings.HasPrefix(n, "sdtemp") || strings.HasPrefix(n, "softwaredistribution") {
			if err := os.RemoveAll(filepath.Join(m.windir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeFiles(t, filepath.Join(m.windir, "SoftwareDistribution"), brokenTree)
	m.svcprobe(t, "starttype:wuauserv:manual", "start:wuauserv")
}

// machineState is what KB910336 is about on a machine.
type machineState struct {
	// Folders are the folders in %windir% named SoftwareDistribution*,
	// or SDTemp*, as the file system spells them.
	Folders []string
	// SDTemp and SoftwareDistribution list their trees (see listTree).
	SDTemp, SoftwareDistribution []string
	Wuauserv                     string // STATE, as sc query says it
	StartType                    string // Start in the service's registry key
}

var scStateLine = regexp.MustCompile(`(?m)^\s*STATE\s*:\s*\d+\s+(\S+)`)
var regStartLine = regexp.MustCompile(`(?m)^\s*Start\s+REG_DWORD\s+(\S+)`)

func (m *wineMachine) state(t *testing.T) machineState {
	t.Helper()
	var s machineState
	entries, err := os.ReadDir(m.windir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch n := strings.ToLower(e.Name()); {
		case n == "softwaredistribution":
			s.SoftwareDistribution = listTree(t, filepath.Join(m.windir, e.Name()))
		case n == "sdtemp":
			s.SDTemp = listTree(t, filepath.Join(m.windir, e.Name()))
		case !strings.HasPrefix(n, "sdtemp") && !strings.HasPrefix(n, "softwaredistribution"):
			continue
		}
		s.Folders = append(s.Folders, e.Name())
	}
	out, exit := m.w.Run(t, "sc", "query", "wuauserv")
	if mm := scStateLine.FindStringSubmatch(out); exit == 0 && mm != nil {
		s.Wuauserv = mm[1]
	} else {
		t.Fatalf("sc query wuauserv: exit code %d\n%s", exit, out)
	}
	out, exit = m.w.Run(t, "reg", "query", `HKLM\SYSTEM\CurrentControlSet\Services\wuauserv`, "/v", "Start")
	if mm := regStartLine.FindStringSubmatch(out); exit == 0 && mm != nil {
		s.StartType = mm[1]
	} else {
		t.Fatalf("reg query wuauserv Start: exit code %d\n%s", exit, out)
	}
	return s
}

// wantState fails t unless the machine is in state want, and returns the
// state it is in.
func (m *wineMachine) wantState(t *testing.T, when string, want machineState) machineState {
	t.Helper()
	got := m.state(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", when, diff)
	}
	return got
}

// listTree lists the folders ("Download\") and files ("Download\5a1b\update.mum
// 1a2b3c4d") under root, in the order of the walk: a file with the start of
// the sha256 of its bytes. A symbolic link is listed with its target.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = strings.ReplaceAll(rel, "/", `\`)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out = append(out, rel+" -> "+target)
			return err
		case d.IsDir():
			out = append(out, rel+`\`)
			return nil
		}
		data, err := os.ReadFile(p)
		out = append(out, fmt.Sprintf("%s %x", rel, sha256.Sum256(data))[:len(rel)+9])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// treeListing is what listTree says of tree once written.
func treeListing(t *testing.T, tree map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, tree)
	return listTree(t, dir)
}

// writeFiles writes files (Windows paths relative to root) from Linux.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, winPath(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func winPath(rel string) string { return filepath.FromSlash(strings.ReplaceAll(rel, `\`, "/")) }

// wantLine fails t unless out has line as a whole line.
func wantLine(t *testing.T, what, out, line string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			return
		}
	}
	t.Errorf("%s: no line %q in:\n%s", what, line, out)
}
