package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRecorderChangesNothing: every change through a capture's recorder
// is refused, and the host is as it was.
func TestRecorderChangesNothing(t *testing.T) {
	dir := simDir(t)
	must(t, os.WriteFile(filepath.Join(dir, "host.yaml"), []byte("env: {windir: C:\\Windows}\nservices:\n  wuauserv: {state: running}\nregistry:\n  HKLM\\SOFTWARE\\X: {V: {type: string, data: d}}\n"), 0o644))
	was := listing(t, dir)
	r := NewRecorder(openSim(t, dir))
	ctx := context.Background()
	for name, err := range map[string]error{
		"write":        r.WriteFile(`C:\Windows\x.txt`, []byte("x")),
		"mkdir":        r.MkdirAll(`C:\Windows\New`),
		"rename":       r.Rename(`C:\Windows`, `C:\Old`),
		"remove":       r.RemoveAll(`C:\Windows`),
		"stop":         r.StopService(ctx, "wuauserv", time.Minute),
		"start":        r.StartService(ctx, "wuauserv", time.Minute),
		"start type":   r.SetStartType(ctx, "wuauserv", Disabled),
		"set value":    r.SetRegistryValue(`HKLM\SOFTWARE\X`, "V", RegValue{Type: "string", Data: "e"}),
		"delete value": r.DeleteRegistryValue(`HKLM\SOFTWARE\X`, "V"),
		"create key":   r.CreateRegistryKey(`HKLM\SOFTWARE\Y`),
		"delete key":   r.DeleteRegistryKey(`HKLM\SOFTWARE\X`),
	} {
		if err == nil || !strings.Contains(err.Error(), "wuplay capture changes nothing on the machine") {
			t.Errorf("%s through the recorder: %v, want it refused", name, err)
		}
	}
	if diff := cmp.Diff(was, listing(t, dir)); diff != "" {
		t.Errorf("the host changed (-before +after):\n%s", diff)
	}
}

// TestCaptureLeavesLinksOut: a link inside a folder that a step moves is
// neither followed nor copied, and the capture says so; what it leads to
// is not in the capture.
func TestCaptureLeavesLinksOut(t *testing.T) {
	outside, _ := victim(t)
	dir := simDir(t)
	must(t, os.MkdirAll(filepath.Join(dir, "drive/c/Windows/SoftwareDistribution/Download"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "drive/c/Windows/SoftwareDistribution/Download/x.cab"), []byte("cab"), 0o644))
	must(t, os.Symlink("Download", filepath.Join(dir, "drive/c/Windows/SoftwareDistribution/inside")))
	must(t, os.Symlink(outside, filepath.Join(dir, "drive/c/Windows/SoftwareDistribution/outside")))
	r := NewRecorder(openSim(t, dir))
	// What a plan of a rename reads of its folder.
	if _, err := r.Stat(`C:\Windows\SoftwareDistribution`); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Volume(`C:\Windows\SoftwareDistribution`); err != nil {
		t.Fatal(err)
	}
	capture := filepath.Join(t.TempDir(), "capture")
	sum, err := r.WriteSim(context.Background(), capture, CaptureOptions{Content: true})
	if err != nil {
		t.Fatal(err)
	}
	got := listing(t, filepath.Join(capture, "drive"))
	want := map[string]string{
		".": "d---------", "c": "d---------", "c/Windows": "d---------", "c/Windows/SoftwareDistribution": "d---------",
		"c/Windows/SoftwareDistribution/Download":       "d---------",
		"c/Windows/SoftwareDistribution/Download/x.cab": got["c/Windows/SoftwareDistribution/Download/x.cab"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the capture's drive (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got["c/Windows/SoftwareDistribution/Download/x.cab"], "---------- ") {
		t.Errorf("x.cab: %q, want a file", got["c/Windows/SoftwareDistribution/Download/x.cab"])
	}
	var links int
	for _, l := range sum.LeftOut {
		if strings.HasPrefix(l, `the link C:\Windows\SoftwareDistribution\`) {
			links++
		}
	}
	if links != 2 {
		t.Errorf("left out: %q; want both links named", sum.LeftOut)
	}
}
