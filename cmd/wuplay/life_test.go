package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wuplay/wuplay/resources/host"
)

// TestLife runs playbooks the way an endpoint manager does, detection and
// remediation every few hours, on a simulated machine that lives on
// between the runs: Windows stops idle trigger-start services and starts
// them again on a trigger, the machine reboots, updates install, and, for
// KB910336, now and then the error comes back. Detection must never flap
// (say "needs the fix" of a host that the last remediation fixed, with
// nothing since) nor miss a recurrence (say "compliant" once the error is
// back).
func TestLife(t *testing.T) {
	tests := []struct {
		playbook, host string
		// idle are the services that Windows stops and starts by itself;
		// manual ones stay stopped after a reboot.
		idle []string
		// recurs: the error can come back, as an event in the log.
		recurs bool
	}{
		{playbook: "kb910336", host: "recreates", idle: []string{"wuauserv"}, recurs: true},
		// One-shot resets: fixed once, they stay fixed through any churn
		// of their services.
		{playbook: "kb971058", host: "reset", idle: []string{"BITS", "wuauserv"}},
		{playbook: "kb822798", host: "reset", idle: []string{"wuauserv"}},
	}
	for _, tt := range tests {
		t.Run(tt.playbook, func(t *testing.T) {
			const cycles = 150
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("../../testdata/hosts", tt.host))); err != nil {
				t.Fatal(err)
			}
			l := &life{t: t, dir: dir, playbook: tt.playbook, idle: tt.idle, recurs: tt.recurs, broken: true}
			rng := rand.New(rand.NewPCG(910336, 1))
			var flaps, missed, fixes, recurrences int
			for cycle := range cycles {
				what := l.happen(rng)
				if what == "recurrence" {
					recurrences++
				}
				needsFix := l.detect()
				switch {
				case needsFix && !l.broken:
					flaps++
					t.Errorf("cycle %d, after %s: a flap: detection says the fix is needed on a fixed host\n%s", cycle, what, l.out)
				case !needsFix && l.broken:
					missed++
					t.Errorf("cycle %d, after %s: a missed recurrence: detection says compliant\n%s", cycle, what, l.out)
				}
				if needsFix {
					l.remediate()
					fixes++
					if l.detect() {
						t.Errorf("cycle %d: detection right after the remediation says the fix is needed\n%s", cycle, l.out)
					}
				}
			}
			t.Logf("%d cycles: %d recurrences, %d remediations, %d flaps, %d missed recurrences", cycles, recurrences, fixes, flaps, missed)
			if fixes < 1 || tt.recurs && (recurrences < 10 || fixes < recurrences) {
				t.Errorf("the life had %d recurrences and %d remediations: too few to prove anything", recurrences, fixes)
			}
		})
	}
}

// life is a simulated machine and what is true of it: broken says that it
// needs the fix (for KB910336: the newest installation failed with
// 0x80070002 since the last fix).
type life struct {
	t        *testing.T
	dir      string
	playbook string
	idle     []string
	recurs   bool
	broken   bool
	out      string // of the last wuplay run
}

// happen makes one thing of a machine's life happen, and says which.
func (l *life) happen(rng *rand.Rand) string {
	svc := l.idle[rng.IntN(len(l.idle))]
	switch n := rng.IntN(100); {
	case n < 25:
		l.service("stop", svc) // idle: a trigger-start service stops itself
		return svc + " idle stop"
	case n < 45:
		l.service("start", svc) // a trigger: a scan, a policy refresh
		return svc + " trigger start"
	case n < 55:
		for _, s := range l.idle {
			l.service("stop", s) // they are manual: none starts at boot
		}
		return "reboot"
	case n < 70 && l.recurs:
		l.service("start", "wuauserv") // an installation runs the service
		l.event(20, "Installation Failure: Windows failed to install the following update with error 0x80070002: 2026-12 Cumulative Update (KB5036000).")
		l.broken = true
		return "recurrence"
	case n < 80 && l.recurs:
		l.service("start", "wuauserv")
		l.event(19, "Installation Successful: Windows successfully installed the following update: 2026-12 Security Update (KB5036001)")
		l.broken = false
		return "successful update"
	}
	return "nothing"
}

func (l *life) service(op, name string) {
	h, err := host.OpenSim(l.dir)
	if err != nil {
		l.t.Fatal(err)
	}
	st, err := h.Service(context.Background(), name)
	if err != nil {
		l.t.Fatal(err)
	}
	switch {
	case op == "start" && st.State != host.Running:
		err = h.StartService(context.Background(), name, time.Minute)
	case op == "stop" && st.State != host.Stopped:
		err = h.StopService(context.Background(), name, time.Minute)
	}
	if err != nil {
		l.t.Fatal(err)
	}
}

// event adds a Windows Update event to the System log, now: after the last
// remediation's record, as on a real machine.
func (l *life) event(id int, message string) {
	if err := addEvent(l.dir, id, message); err != nil {
		l.t.Fatal(err)
	}
}

// addEvent adds a Windows Update event to a simulated host's System log,
// now: after the last apply's record, as on a real machine.
func addEvent(dir string, id int, message string) error {
	file := filepath.Join(dir, "host.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	var e yaml.Node
	if err := e.Encode(host.Event{Time: time.Now().UTC(), Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", ID: id, Message: message}); err != nil {
		return err
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "events" {
			root.Content[i+1].Content = append(root.Content[i+1].Content, &e)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// wuplay runs the command line in this process and returns its exit code.
func (l *life) wuplay(args ...string) int {
	var out strings.Builder
	c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: &out, stderr: &out}
	code := c.main(context.Background(), args)
	l.out = fmt.Sprintf("$ wuplay %s\n%s(exit %d)", strings.Join(args, " "), out.String(), code)
	return code
}

// detect runs the detection script's one call and says whether the fix is
// needed.
func (l *life) detect() bool {
	switch code := l.wuplay("plan", "-detect", "-host", "sim:"+l.dir, l.playbook); code {
	case exitOK:
		return false
	case exitNeedsFix:
		return true
	default:
		l.t.Fatalf("detection could not tell:\n%s", l.out)
		return false
	}
}

func (l *life) remediate() {
	if code := l.wuplay("apply", "-auto-approve", "-host", "sim:"+l.dir, l.playbook); code != exitOK {
		l.t.Fatalf("remediation failed:\n%s", l.out)
	}
	l.broken = false
}
