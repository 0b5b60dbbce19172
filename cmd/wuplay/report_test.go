package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wuplay runs the command line and returns its exit code, stdout and
// stderr.
func wuplay(t testing.TB, argv ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	c := &cli{stdout: &out, stderr: &errs}
	code := c.main(context.Background(), argv)
	return code, out.String(), errs.String()
}

// report runs the report command.
func report(t testing.TB, argv ...string) (int, string, string) {
	t.Helper()
	return wuplay(t, append([]string{"report"}, argv...)...)
}

func copyHost(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/"+name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fleetDir collects real dry runs of kb910336 as a fleet's collector
// would: saved plans, plan -json output and the Ansible module's
// check-mode results, flat and in Ansible fetch's folders.
func fleetDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// plan saves a plan to file, or with asJSON its -json output.
	plan := func(file, host string, asJSON bool) {
		t.Helper()
		flag := []string{"-out", file}
		if asJSON {
			flag = []string{"-json"}
		}
		code, out, errs := wuplay(t, append(append([]string{"plan"}, flag...), "-host", "sim:"+copyHost(t, host), "kb910336")...)
		if code != exitOK {
			t.Fatalf("plan on %s: exit %d\n%s%s", host, code, out, errs)
		}
		if asJSON {
			writeFile(t, file, out)
		}
	}
	plan(filepath.Join(dir, "web01.plan"), "broken", false)
	plan(filepath.Join(dir, "web02.json"), "recreates", true)
	plan(filepath.Join(dir, "web03.json"), "healthy", true)
	for _, h := range []struct{ file, host string }{
		{"fetched/web04/C:/wuplay/kb910336.json", "broken"},
		{"fetched/web05/C:/wuplay/kb910336.json", "locked"},
	} {
		var out bytes.Buffer
		args := filepath.Join(t.TempDir(), "args")
		writeFile(t, args, fmt.Sprintf(`{"playbook": "kb910336", "host": %q, "_ansible_check_mode": true}`, "sim:"+copyHost(t, h.host)))
		(&cli{stdout: &out, stderr: &out}).main(context.Background(), []string{args})
		writeFile(t, filepath.Join(dir, filepath.FromSlash(h.file)), out.String())
	}
	return dir
}

func TestReport(t *testing.T) {
	dir := fleetDir(t)
	code, out, errs := report(t, dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		"Fleet report: 5 hosts, playbook kb910336",
		"      3 would change (1 distinct plan)\n",
		"      1 already fine (1 without the symptom)\n",
		"      1 failed to plan (1 reason)\n",
		"Plan 1, 3 hosts would change: 3 to change, 0 unchanged",
		"  Hosts: web01, web02, web04\n",
		"Plan 2, 1 host already fine, symptom not present",
		"Failed to plan on 1 host:\n  directory.software_distribution: C:\\Windows\\SoftwareDistribution is held open by service TrustedInstaller",
		"  Hosts: web05\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("colour without a terminal:\n%q", out)
	}

	code, out, _ = report(t, "-markdown", dir)
	if code != exitOK || !strings.Contains(out, "| 3 | would change | Plan 1: 3 to change, 0 unchanged | `web01`, `web02`, `web04` |") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}

	code, out, _ = report(t, "-json", dir)
	var s struct {
		Hosts, WouldChange, AlreadyFine, Failed int
		Plans                                   []struct{ Hosts []string }
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || code != exitOK {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	if s.Hosts != 5 || len(s.Plans) != 2 || strings.Join(s.Plans[0].Hosts, " ") != "web01 web02 web04" {
		t.Errorf("json: %+v", s)
	}
}

// A result that cannot be read is listed in the summary of the others,
// and the exit code says the summary is incomplete.
func TestReportUnreadable(t *testing.T) {
	dir := fleetDir(t)
	writeFile(t, filepath.Join(dir, "web06.plan"), `{"format_version": 1, "host": `)
	code, out, errs := report(t, dir)
	if code != exitError || !strings.Contains(errs, "1 of 6 results could not be read; the summary counts the other 5") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "      1 could not be read\n") || !strings.Contains(out, "Could not read 1 result:\n  web06: ") {
		t.Errorf("output:\n%s", out)
	}
}

func TestReportArguments(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "web01.plan"), "{}")
	writeFile(t, filepath.Join(dir, "b", "web01.json"), "{}")
	writeFile(t, filepath.Join(dir, "notes.txt"), "")
	tests := map[string]struct {
		argv []string
		code int
		err  string
	}{
		"nothing to read":         {nil, exitUsage, "report needs the hosts' dry runs"},
		"json and markdown":       {[]string{"-json", "-markdown", dir}, exitUsage, "-json and -markdown: pick one"},
		"flag after the files":    {[]string{dir, "-json"}, exitUsage, "unexpected -json after the files (flags come before the files)"},
		"no such file":            {[]string{filepath.Join(dir, "nope.plan")}, exitError, "no such file or directory"},
		"a folder of no results":  {[]string{filepath.Join(dir, "empty")}, exitError, "holds no .plan, .json, .jsonl, .ndjson files"},
		"two results of one host": {[]string{filepath.Join(dir, "a", "web01.plan"), filepath.Join(dir, "b", "web01.json")}, exitError, "are both results of host web01"},
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errs := report(t, tt.argv...)
			if code != tt.code || !strings.Contains(errs, tt.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.err)
			}
		})
	}
}

// BenchmarkReport reads and summarises 10,000 hosts' results from disk, a
// third each saved plans, plan -json output and Ansible results.
func BenchmarkReport(b *testing.B) {
	var results [3][]byte
	var err error
	if results[0], err = os.ReadFile(filepath.Join(planOut(b, "-out"), "out")); err != nil {
		b.Fatal(err)
	}
	results[1] = []byte(planOut(b, "-json"))
	results[2], _ = json.Marshal(map[string]any{"changed": true, "failed": false, "msg": "plan: 3 to change, 0 unchanged",
		"wuplay_plan": json.RawMessage(results[0])})
	dir := b.TempDir()
	for i := range 10000 {
		name := fmt.Sprintf("ws%05d%s", i, []string{".plan", ".jsonl", ".json"}[i%3])
		if err := os.WriteFile(filepath.Join(dir, name), results[i%3], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if code, _, errs := report(b, dir); code != exitOK {
			b.Fatal(errs)
		}
	}
}

// planOut plans kb910336 on a copy of the broken host: with -out it
// returns the folder holding the plan file "out", with -json the output.
func planOut(b *testing.B, flag string) string {
	dir := b.TempDir()
	argv := []string{"plan", "-json", "-host", "sim:" + copyHost(b, "broken"), "kb910336"}
	if flag == "-out" {
		argv = []string{"plan", "-out", filepath.Join(dir, "out"), "-host", "sim:" + copyHost(b, "broken"), "kb910336"}
	}
	code, out, errs := wuplay(b, argv...)
	if code != exitOK {
		b.Fatal(errs)
	}
	if flag == "-out" {
		return dir
	}
	return out
}

func TestNameHosts(t *testing.T) {
	tests := map[string]struct {
		files []fleetFile // path and root
		want  []string    // hosts, or the error
	}{
		"a file names its host": {
			files: []fleetFile{{path: "plans/web01.plan", root: "plans"}, {path: "web02.json"}},
			want:  []string{"web01", "web02"},
		},
		"Ansible fetch, from its folder": {
			files: []fleetFile{{path: "fetched/web01/C:/wuplay/kb.plan", root: "fetched"}, {path: "fetched/web02/C:/wuplay/kb.plan", root: "fetched"}},
			want:  []string{"web01", "web02"},
		},
		"Ansible fetch, from a folder above it": {
			files: []fleetFile{{path: "change/fetched/web01/C:/wuplay/kb.plan", root: "change"}, {path: "change/fetched/web02/C:/wuplay/kb.plan", root: "change"}},
			want:  []string{"web01", "web02"},
		},
		"one host twice": {
			files: []fleetFile{{path: "a/web01.plan", root: "a"}, {path: "a/web01.json", root: "a"}},
			want:  []string{"a/web01.plan and a/web01.json are both results of host web01"},
		},
		"one name, files given by name": {
			files: []fleetFile{{path: "x/kb.plan"}, {path: "y/kb.plan"}},
			want:  []string{"x/kb.plan and y/kb.plan are both results of host kb"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			if err := nameHosts(tt.files); err != nil {
				got = []string{strings.TrimSuffix(err.Error(), ": keep one file a host, named after it")}
			} else {
				for _, f := range tt.files {
					got = append(got, f.host)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
