//go:build !windows

package host_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLocalRunUnderWine runs commands through the Windows build of
// Local().Run in a Wine prefix: a command whose child starts a grandchild
// that outlives it. The grandchild holds a file open while it lives, so
// deleting that file right after Run returns shows it was ended. Before
// the job object, Run waited the grandchild's 60 s, and it lived on.
func TestLocalRunUnderWine(t *testing.T) {
	probe := newProbe(t, "hostprobe")
	dir := filepath.Join(probe.w.Drive(), "wuplay-run")
	t.Cleanup(func() { os.RemoveAll(dir) })
	data, err := os.ReadFile(probe.exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hostprobe.exe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	const exe, held = `C:\wuplay-run\hostprobe.exe`, `C:\wuplay-run\held`
	grandchild := `start /b ` + exe + ` "hold|` + held + `" "sleep|60"`
	took := regexp.MustCompile(` took=(\d+)s `)
	for name, tc := range map[string]struct{ line, want string }{
		"timeout":                    {line: grandchild + ` & ` + exe + ` "sleep|60"`, want: "exit=-1 .* error=.*: timed out after 5s; its processes were ended$"},
		"exits leaving a grandchild": {line: grandchild + ` & ` + exe + ` "waitheld|` + held + `"`, want: "exit=0 .* error=<nil>$"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "held"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			got := probe.run(t, "run|5s|"+tc.line, "removeall|"+held)
			t.Logf("the probe said:\n\t%s", strings.Join(got, "\n\t"))
			if len(got) != 2 {
				t.Fatal("want two lines")
			}
			if !regexp.MustCompile(tc.want).MatchString(got[0]) {
				t.Errorf("Run: want %q", tc.want)
			}
			if m := took.FindStringSubmatch(got[0]); m == nil || len(m[1]) > 1 {
				t.Errorf("Run took over 9 s, want a few")
			}
			if got[1] != "removeall|"+held+" ok" {
				t.Errorf("the grandchild still holds %s", held)
			}
		})
	}
}
