package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// backoutSteps says each backout step's action, object and, for a rename
// back or an import, where to.
func backoutSteps(b *Backout) []string {
	var out []string
	for _, s := range b.Steps {
		line := s.Action + " " + s.Name
		if s.To != "" {
			line += " -> " + s.To
		}
		if s.Recorded != nil && s.Kind == resources.KindService {
			line += fmt.Sprintf(" (%s %s)", s.Recorded["state"], s.Recorded["start_type"])
		}
		out = append(out, line)
	}
	return out
}

func TestBackoutDerived(t *testing.T) {
	tests := map[string]struct {
		host, playbook string
		files          []string
		steps          []string
		lost           []string // each a part of one line, in order
	}{
		"a rename, with the service stopped around it": {
			host: wuauservRunning, playbook: kb, files: []string{"Windows/SoftwareDistribution/a.cab"},
			steps: []string{
				`stop wuauserv`,
				`rename_back C:\Windows\SDTemp -> C:\Windows\SoftwareDistribution`,
				`restore wuauserv (running manual)`,
			},
		},
		"a service stopped when read stays stopped": {
			host:     strings.Replace(wuauservRunning, "wuauserv: {state: running", "wuauserv: {state: stopped", 1),
			playbook: strings.Replace(kb, `state = "running"`, `state = "previous"`, 1), files: []string{"Windows/SoftwareDistribution/a.cab"},
			steps: []string{
				`stop wuauserv`,
				`rename_back C:\Windows\SDTemp -> C:\Windows\SoftwareDistribution`,
				`restore wuauserv (stopped manual)`,
			},
		},
		"a rotated rename goes back from its numbered name": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/a.cab", "Windows/SDTemp/old.cab"},
			playbook: strings.Replace(kb, `rename_to = "C:\\Windows\\SDTemp"`, `rename_to = "C:\\Windows\\SDTemp"`+"\n  if_exists = \"rotate\"", 1),
			steps: []string{
				`stop wuauserv`,
				`rename_back C:\Windows\SDTemp.1 -> C:\Windows\SoftwareDistribution`,
				`restore wuauserv (running manual)`,
			},
		},
		"a rename that replaces loses the old destination": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/a.cab", "Windows/SDTemp/old.cab"},
			playbook: strings.Replace(kb, `rename_to = "C:\\Windows\\SDTemp"`, `rename_to = "C:\\Windows\\SDTemp"`+"\n  if_exists = \"replace\"", 1),
			steps: []string{
				`stop wuauserv`,
				`rename_back C:\Windows\SDTemp -> C:\Windows\SoftwareDistribution`,
				`restore wuauserv (running manual)`,
			},
			lost: []string{`directory.sd replaced C:\Windows\SDTemp, which it deleted: no copy is kept`},
		},
		"a start type, and the dependents a stop stopped first": {
			host: `
services:
  CryptSvc: {state: running, start_type: automatic}
  AppIDSvc: {state: running, start_type: manual, depends_on: [CryptSvc]}
`,
			playbook: `
service "crypt" {
  name            = "CryptSvc"
  state           = "stopped"
  start_type      = "disabled"
  stop_dependents = true
}`,
			steps: []string{`restore CryptSvc (running automatic)`, `restore AppIDSvc (running )`},
		},
		"registry values: created, changed, deleted; a key with its backup": {
			host: `
registry:
  HKLM\SOFTWARE\W:
    Old: {type: dword, data: "1"}
    Gone: {type: string, data: x}
  HKLM\SOFTWARE\K:
    V: {type: string, data: y}
`,
			playbook: `
registry_value "new" {
  key  = "HKLM\\SOFTWARE\\W"
  name = "New"
  type = "string"
  data = "n"
}
registry_value "old" {
  key  = "HKLM\\SOFTWARE\\W"
  name = "Old"
  type = "dword"
  data = 2
}
registry_value "gone" {
  key   = "HKLM\\SOFTWARE\\W"
  name  = "Gone"
  state = "absent"
}
registry_key "k" {
  key    = "HKLM\\SOFTWARE\\K"
  state  = "absent"
  backup = "C:\\k.reg"
}`,
			steps: []string{
				`import HKLM\SOFTWARE\K -> C:\k.reg`,
				`restore HKLM\SOFTWARE\W\Gone`,
				`restore HKLM\SOFTWARE\W\Old`,
				`restore HKLM\SOFTWARE\W\New`,
			},
		},
		"what cannot be undone is named": {
			host:  "registry:\n  HKLM\\SOFTWARE\\K: {V: {type: string, data: y}}\ncommands:\n  - {run: fix, exit: 0}\n",
			files: []string{"tree/a", "full/b", "q/qmgr0.dat", "q/qmgr1.dat", "f.txt", "g.txt"},
			playbook: `
directory "tree" {
  path  = "C:\\tree"
  state = "absent"
}
directory "full" {
  path  = "C:\\full"
  state = "empty"
}
files "q" {
  path    = "C:\\q"
  pattern = "qmgr*.dat"
  state   = "absent"
}
file "f" {
  path  = "C:\\f.txt"
  state = "absent"
}
file "g" {
  path    = "C:\\g.txt"
  content = "new"
}
registry_key "k" {
  key   = "HKLM\\SOFTWARE\\K"
  state = "absent"
}
command "fix" {
  run = ["fix"]
}
directory "made" {
  path = "C:\\made"
}
file "marker" {
  path    = "C:\\made\\done"
  content = "done"
}`,
			steps: []string{`restore C:\made\done`},
			lost: []string{
				`directory.tree deletes folder C:\tree: no copy is kept`,
				`directory.full deletes what C:\full holds (b): no copy is kept`,
				`files.q deletes qmgr0.dat, qmgr1.dat in C:\q: no copy is kept`,
				`file.f deletes file C:\f.txt: no copy is kept`,
				`file.g replaces the content of C:\g.txt: the former content is not kept`,
				`registry_key.k deletes registry key HKLM\SOFTWARE\K without a backup: no copy is kept`,
				`command.fix: run fix (always runs: no creates, removes, unless or only_if): what a command did cannot be undone`,
				`directory.made creates folder C:\made: the backout keeps it`,
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sim := simHost(t, tt.host, tt.files...)
			p, diags := NewPlan(context.Background(), load(t, tt.playbook), sim, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			b := p.Document().Backout
			if diff := cmp.Diff(tt.steps, backoutSteps(b)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if len(b.CannotUndo) != len(tt.lost) {
				t.Fatalf("cannot undo %q, want %q", b.CannotUndo, tt.lost)
			}
			for i, l := range tt.lost {
				if !strings.Contains(b.CannotUndo[i], l) {
					t.Errorf("cannot undo %d: %q, want %q in it", i, b.CannotUndo[i], l)
				}
			}
			if b.Complete() != (len(tt.lost) == 0) {
				t.Errorf("complete = %v with %d that cannot be undone", b.Complete(), len(tt.lost))
			}
		})
	}
}

// The apply report's backout undoes only what the apply did and left: a
// failed apply that put everything back leaves nothing to undo.
func TestBackoutOfAFailedApply(t *testing.T) {
	sim := simHost(t, wuauservRunning+`
open_files: ['C:\Windows\SoftwareDistribution\x.cab']
`, "Windows/SoftwareDistribution/x.cab")
	p, diags := NewPlan(context.Background(), load(t, kb), sim, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := p.Document().Backout; len(got.Steps) != 3 {
		t.Fatalf("the plan's backout has %d steps, want 3", len(got.Steps))
	}
	results, err := Apply(context.Background(), p, sim, nopObserver{})
	if err == nil {
		t.Fatal("the apply succeeded")
	}
	now := time.Now()
	b := NewReport(p, results, err, now, now, "u", "m").Backout
	if len(b.Steps) != 0 || !b.Complete() {
		t.Errorf("backout after a put back: %v, cannot undo %q; want nothing", backoutSteps(b), b.CannotUndo)
	}
}

// Apply then back out, on the simulated host: the rename goes back after
// the folder the service recreated is moved aside, the service is back as
// read, and a second backout has nothing to do. A backout is refused,
// with nothing changed, where the host moved on.
func TestBackoutApplies(t *testing.T) {
	ctx := context.Background()
	yaml := strings.Replace(wuauservRunning, "wuauserv: {state: running, start_type: manual}",
		`wuauserv: {state: running, start_type: manual, creates: ['C:\Windows\SoftwareDistribution\Download']}`, 1)
	apply := func(t *testing.T, sim *host.Sim) *Backout {
		p, diags := NewPlan(ctx, load(t, kb), sim, Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		results, err := Apply(ctx, p, sim, nopObserver{})
		must(t, err)
		now := time.Now()
		return NewReport(p, results, err, now, now, "u", "m").Backout
	}
	backout := func(t *testing.T, sim *host.Sim, b *Backout) (*Plan, error) {
		p, diags, err := b.Plan(ctx, sim)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if err != nil {
			return nil, err
		}
		_, err = Apply(ctx, p, sim, nopObserver{})
		return p, err
	}

	t.Run("there and back", func(t *testing.T) {
		sim := simHost(t, yaml, "Windows/SoftwareDistribution/a.cab")
		b := apply(t, sim)
		p, err := backout(t, sim, b)
		must(t, err)
		if diff := cmp.Diff([]string{"service.stop_1 stop", "directory.set_aside_2 rename", "directory.rename_back_2 rename", "service.restore_3 start"}, actions(p)); diff != "" {
			t.Errorf("backout plan (-want +got):\n%s", diff)
		}
		drive := filepath.Join(strings.TrimPrefix(sim.String(), "sim:"), "drive", "c", "Windows")
		for path, want := range map[string]bool{
			"SoftwareDistribution/a.cab":             true,
			"SDTemp":                                 false,
			"SoftwareDistribution.backout/Download":  true,
			"SoftwareDistribution.backout.1":         false,
			"SoftwareDistribution/Download/a.cab":    false,
			"SoftwareDistribution.backout/Download/": true,
		} {
			if _, err := os.Stat(filepath.Join(drive, path)); (err == nil) != want {
				t.Errorf("%s exists: %v, want %v", path, err == nil, want)
			}
		}
		if st, _ := sim.Service(ctx, "wuauserv"); st.State != host.Running {
			t.Errorf("wuauserv is %s, want running", st.State)
		}
		p, err = backout(t, sim, b)
		must(t, err)
		if c, _ := p.Changed(); c != 0 {
			t.Errorf("the second backout changes %v", actions(p))
		}
	})

	t.Run("a rename back that fails puts the service back, and a rerun ends it", func(t *testing.T) {
		sim := simHost(t, yaml, "Windows/SoftwareDistribution/a.cab")
		b := apply(t, sim)
		dir := strings.TrimPrefix(sim.String(), "sim:")
		cfg := filepath.Join(dir, "host.yaml")
		clean, err := os.ReadFile(cfg)
		must(t, err)
		// A scanner holds a file of SDTemp open.
		must(t, os.WriteFile(cfg, append(clean, "open_files: ['C:\\Windows\\SDTemp\\a.cab']\n"...), 0o644))
		held, err := host.OpenSim(dir)
		must(t, err)
		p, diags, err := b.Plan(ctx, held)
		if err != nil || diags.HasErrors() {
			t.Fatal(err, diags)
		}
		results, err := Apply(ctx, p, held, nopObserver{})
		if !errors.Is(err, host.ErrSharingViolation) {
			t.Fatalf("error %v, want the sharing violation", err)
		}
		if results[0].Status != PutBack {
			t.Errorf("service.stop_1: %s, want put back", results[0].Status)
		}
		if st, _ := held.Service(ctx, "wuauserv"); st.State != host.Running {
			t.Errorf("wuauserv is %s after the failed backout, want running", st.State)
		}
		now, err := os.ReadFile(cfg)
		must(t, err)
		must(t, os.WriteFile(cfg, []byte(strings.Replace(string(now), "open_files: ['C:\\Windows\\SDTemp\\a.cab']\n", "", 1)), 0o644))
		free, err := host.OpenSim(dir)
		must(t, err)
		_, err = backout(t, free, b)
		must(t, err)
		if _, err := os.Stat(filepath.Join(dir, "drive", "c", "Windows", "SoftwareDistribution", "a.cab")); err != nil {
			t.Errorf("after the rerun: %v", err)
		}
	})

	t.Run("the moved folder removed since", func(t *testing.T) {
		sim := simHost(t, yaml, "Windows/SoftwareDistribution/a.cab")
		b := apply(t, sim)
		must(t, os.RemoveAll(filepath.Join(strings.TrimPrefix(sim.String(), "sim:"), "drive", "c", "Windows", "SDTemp")))
		_, err := backout(t, sim, b)
		if !errors.Is(err, ErrBackoutStale) || !strings.Contains(err.Error(), `path C:\Windows\SDTemp: the folder the apply moved there from C:\Windows\SoftwareDistribution is gone`) {
			t.Errorf("error %v, want the backout stale, naming SDTemp", err)
		}
	})

	t.Run("a start type changed by someone since", func(t *testing.T) {
		sim := simHost(t, `
services:
  Spooler: {state: stopped, start_type: manual}
`)
		p, diags := NewPlan(ctx, load(t, `
service "s" {
  name       = "Spooler"
  state      = "running"
  start_type = "automatic"
}`), sim, Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		results, err := Apply(ctx, p, sim, nopObserver{})
		must(t, err)
		b := NewReport(p, results, err, time.Now(), time.Now(), "u", "m").Backout
		must(t, sim.SetStartType(ctx, "Spooler", host.Disabled))
		_, err = backout(t, sim, b)
		if !errors.Is(err, ErrBackoutStale) || !strings.Contains(err.Error(), `service Spooler: start_type was "automatic" after the apply, is now "disabled"`) {
			t.Errorf("error %v, want the start type named", err)
		}
		must(t, sim.SetStartType(ctx, "Spooler", host.Automatic))
		_, err = backout(t, sim, b)
		must(t, err)
		if st, _ := sim.Service(ctx, "Spooler"); st.State != host.Stopped || st.StartType != host.Manual {
			t.Errorf("Spooler is %s, %s; want stopped, manual", st.State, st.StartType)
		}
	})
}

// The generated playbook holds the report's values as values: no name in
// a report, however hostile, adds a step or an expression.
func TestBackoutPlaybookQuotes(t *testing.T) {
	data, err := os.ReadFile("../testdata/hostile/backout/injected.report.json")
	must(t, err)
	r, err := ParseReport("injected.report.json", data)
	must(t, err)
	pb, diags := Load("b.hcl", r.Backout.playbook(r.Backout.Steps))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, s := range pb.Steps {
		got = append(got, s.Addr())
	}
	if diff := cmp.Diff([]string{"service.stop_1", "directory.set_aside_2", "directory.rename_back_2", "registry_value.restore_3"}, got); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	sim := simHost(t, "env: {windir: C:\\Windows}\n")
	sc := &scope{host: sim}
	res, _, d := sc.decodeStep(pb.Steps[3])
	if d.HasErrors() {
		t.Fatal(d)
	}
	rv := res.(*resources.RegistryValue)
	if want := r.Backout.Steps[2].Recorded["data"]; rv.Data != want || rv.Name != `x" } service "evil" { name = "y` {
		t.Errorf("registry value %q data %q; want the report's own, %q", rv.Name, rv.Data, want)
	}
}
