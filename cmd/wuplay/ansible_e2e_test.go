//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wuplay/wuplay/cmd/wuplay/internal/ansibletest"
	"github.com/wuplay/wuplay/resources/host"
)

// TestAnsible runs the example play ansible/kb910336.yml with ansible-playbook
// over SSH against three hosts (network namespaces, see internal/ansibletest),
// each with a simulated Windows host folder of its own, and wuplay itself as
// the module: the fleet story, end to end.
func TestAnsible(t *testing.T) {
	ansibletest.Require(t)
	start := time.Now()
	fleet := ansibletest.NewFleet(t, "ws1", "ws2", "ws3")
	play := fleet.Project(t, "../../ansible/kb910336.yml", ansibletest.Build(t, ".", "wuplay"), "wuplay")
	t.Logf("fleet of %d hosts ready in %s", len(fleet.Hosts), time.Since(start).Round(10*time.Millisecond))

	// Two batches (ws1 and ws2, then ws3), and one host of a batch may fail.
	batches := []string{"-e", "wuplay_serial=2", "-e", "wuplay_max_fail_percentage=50"}
	sims := map[string]string{
		"ws1": simHost(t, "broken", ""),
		"ws2": simHost(t, "broken", ""),
		"ws3": simHost(t, "healthy", ""),
	}
	inv := fleet.Inventory(t, "windows", hostVars(sims))
	playbook := func(t *testing.T, args ...string) *ansibletest.Result {
		return fleet.Playbook(t, append([]string{"-i", inv, play}, append(batches, args...)...)...)
	}

	// Each of these three runs on what the one before left, so a failure
	// ends the story.
	_ = t.Run("check and diff plan, change nothing", func(t *testing.T) {
		before := treeStates(t, sims)
		r := playbook(t, "--check", "--diff")
		wantRecap(t, r, 0, map[string]int{"ws1": 1, "ws2": 1, "ws3": 0}, nil)
		res := r.Result(t, "wuplay kb910336", "ws1")
		if res["msg"] != "plan: 3 to change, 0 unchanged" || res["wuplay_plan"] == nil {
			t.Errorf("ws1: msg %q, wuplay_plan %v; want a plan of 3 changes", res["msg"], res["wuplay_plan"] != nil)
		}
		diff := asList(res["diff"])
		first := map[string]any{}
		if len(diff) > 0 {
			first, _ = diff[0].(map[string]any)
		}
		if !strings.Contains(fmt.Sprint(first["before_header"]), "service.stop_automatic_updates") ||
			first["before"] != "start_type: manual\nstate: running\n" || first["after"] != "start_type: manual\nstate: stopped\n" {
			t.Errorf("ws1: diff %v, want wuauserv running -> stopped first", res["diff"])
		}
		if res := r.Result(t, "wuplay kb910336", "ws3"); res["changed"] != false || len(asList(res["diff"])) != 0 {
			t.Errorf("ws3 (already fixed): %v, want no change and no diff", res)
		}
		if after := treeStates(t, sims); after != before {
			t.Errorf("check mode changed the hosts:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}) && t.Run("apply fixes the broken hosts", func(t *testing.T) {
		r := playbook(t)
		wantRecap(t, r, 0, map[string]int{"ws1": 1, "ws2": 1, "ws3": 0}, nil)
		for _, name := range []string{"ws1", "ws2"} {
			if res := r.Result(t, "wuplay kb910336", name); res["msg"] != "applied: 3 changed, 0 unchanged" {
				t.Errorf("%s: msg %q", name, res["msg"])
			}
			wantFixed(t, name, sims[name])
		}
	}) && t.Run("second apply changes nothing", func(t *testing.T) {
		before := treeStates(t, sims)
		r := playbook(t)
		wantRecap(t, r, 0, map[string]int{"ws1": 0, "ws2": 0, "ws3": 0}, nil)
		if after := treeStates(t, sims); after != before {
			t.Errorf("a second apply changed the hosts:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})

	t.Run("a host whose folder is locked fails, the others complete", func(t *testing.T) {
		// ws1 is in the first batch with ws2; ws3 runs in the second batch
		// only if one failure in two is tolerated.
		sims := map[string]string{
			"ws1": simHost(t, "broken", lockingService),
			"ws2": simHost(t, "broken", ""),
			"ws3": simHost(t, "healthy", ""),
		}
		inv := fleet.Inventory(t, "windows", hostVars(sims))
		drive := treeStates(t, map[string]string{"ws1": filepath.Join(sims["ws1"], "drive")})
		r := fleet.Playbook(t, append([]string{"-i", inv, play}, batches...)...)
		wantRecap(t, r, 2, map[string]int{"ws2": 1, "ws3": 0}, []string{"ws1"})
		res := r.Result(t, "wuplay kb910336", "ws1")
		msg, _ := res["msg"].(string)
		if !strings.Contains(msg, "TrustedInstaller") || res["module_stderr"] != nil || res["exception"] != nil {
			t.Errorf("ws1: %v\nwant a failure naming the service that holds the folder, in the module's own result", res)
		}
		if res["changed"] == true {
			t.Errorf("ws1: changed, though the fix failed and was put back: %v", res)
		}
		// Whatever the module did before the lock stopped it, it put back.
		for _, p := range asList(res["put_back"]) {
			if !strings.Contains(fmt.Sprint(p), "wuauserv") {
				t.Errorf("ws1: put back %q, want only wuauserv", p)
			}
		}
		if after := treeStates(t, map[string]string{"ws1": filepath.Join(sims["ws1"], "drive")}); after != drive {
			t.Errorf("ws1's drive changed:\nbefore:\n%s\nafter:\n%s", drive, after)
		}
		wantService(t, sims["ws1"], "wuauserv", "running")
		wantFixed(t, "ws2", sims["ws2"])
	})

	t.Run("bad arguments fail in Ansible's form", func(t *testing.T) {
		cases := []struct{ args, msg string }{
			{`{"host": "local"}`, "argument playbook is required"},
			{`{"playbook": "kb910336", "plabook": "x"}`, `unsupported parameter "plabook"`},
			{`{"playbook": "kb910336", "vars": "x"}`, "argument vars"},
			{`{"playbook": "kb910336", "replace": "service.x"}`, "argument replace"},
		}
		for _, c := range cases {
			r := fleet.Adhoc(t, "-i", inv, "ws3", "-m", "wuplay", "-a", c.args, "-M", filepath.Join(filepath.Dir(play), "library"))
			res := r.Result(t, "wuplay", "ws3")
			msg, _ := res["msg"].(string)
			if r.Exit != 2 || res["failed"] != true || !strings.Contains(msg, c.msg) || res["module_stderr"] != nil {
				t.Errorf("-a %s: exit %d, result %v\nwant failed with msg containing %q", c.args, r.Exit, res, c.msg)
			}
		}
	})
	t.Logf("Ansible end to end in %s", time.Since(start).Round(10*time.Millisecond))
}

// lockingService is a service that holds SoftwareDistribution\Download
// open, so that the folder cannot be renamed while it runs.
const lockingService = `  TrustedInstaller:
    state: running
    start_type: manual
    locks: [C:\Windows\SoftwareDistribution\Download]
`

// simHost copies testdata/hosts/NAME to a folder of the test's, with extra
// added to the services of its host.yaml, and returns the folder.
func simHost(t *testing.T, name, extra string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("../../testdata/hosts", name))); err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		file := filepath.Join(dir, "host.yaml")
		data, err := os.ReadFile(file)
		if err == nil {
			data = bytes.Replace(data, []byte("\nservices:\n"), []byte("\nservices:\n"+extra), 1)
			err = os.WriteFile(file, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func hostVars(sims map[string]string) map[string]map[string]any {
	vars := map[string]map[string]any{}
	for name, dir := range sims {
		vars[name] = map[string]any{"wuplay_host": "sim:" + dir}
	}
	return vars
}

// wantRecap checks ansible-playbook's exit code and play recap: changed
// tasks per host, and which hosts failed (none other may).
func wantRecap(t *testing.T, r *ansibletest.Result, exit int, changed map[string]int, failed []string) {
	t.Helper()
	if r.Exit != exit {
		t.Errorf("ansible-playbook exited %d, want %d\nstderr:\n%s", r.Exit, exit, r.Stderr)
	}
	for name, want := range changed {
		if got := r.Stats[name]["changed"]; got != want {
			t.Errorf("%s: %d changed, want %d", name, got, want)
		}
	}
	for name, s := range r.Stats {
		wantFailed := 0
		for _, f := range failed {
			if f == name {
				wantFailed = 1
			}
		}
		if s["failures"] != wantFailed || s["unreachable"] != 0 {
			t.Errorf("%s: %d failed, %d unreachable; want %d failed", name, s["failures"], s["unreachable"], wantFailed)
		}
	}
	if len(r.Stats) != 3 {
		t.Errorf("recap of %d hosts, want 3: every batch ran", len(r.Stats))
	}
}

// wantFixed checks that KB910336 was carried out on the simulated host dir.
func wantFixed(t *testing.T, name, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "drive/c/Windows/SDTemp/Download")); err != nil {
		t.Errorf("%s: SoftwareDistribution was not moved to SDTemp: %v", name, err)
	}
	wantService(t, dir, "wuauserv", "running")
}

func wantService(t *testing.T, dir, service, state string) {
	t.Helper()
	h, err := host.OpenSim(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.Service(context.Background(), service)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.State; got != state {
		t.Errorf("%s: service %s is %s, want %s", dir, service, got, state)
	}
}

// treeStates lists every folder and file under the given folders, with a
// digest of each file, so that two listings differ if anything changed.
func treeStates(t *testing.T, dirs map[string]string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"ws1", "ws2", "ws3"} {
		root, ok := dirs[name]
		if !ok {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() {
				fmt.Fprintf(&b, "%s %s/\n", name, filepath.ToSlash(rel))
				return nil
			}
			data, err := os.ReadFile(p)
			fmt.Fprintf(&b, "%s %s %x\n", name, filepath.ToSlash(rel), sha256.Sum256(data))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
