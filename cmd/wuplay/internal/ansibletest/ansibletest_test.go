//go:build linux

package ansibletest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestFleet reaches every host of a fleet with Ansible's ping, and checks
// that once the fleet's test ends nothing of it is left: no namespace, and
// no sshd.
func TestFleet(t *testing.T) {
	Require(t)
	var namespaces []string
	var sshds []*exec.Cmd
	t.Run("ping", func(t *testing.T) {
		f := NewFleet(t, "a", "b")
		namespaces, sshds = f.namespaces, f.sshds
		inv := f.Inventory(t, "pingable", nil)
		r := f.Adhoc(t, "-i", inv, "pingable", "-m", "ansible.builtin.ping")
		for _, h := range []string{"a", "b"} {
			if res := r.Result(t, "ansible.builtin.ping", h); r.Exit != 0 || res["ping"] != "pong" {
				t.Errorf("ping %s: exit %d, %v", h, r.Exit, res)
			}
		}
	})
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if name, _, _ := strings.Cut(line, " "); slices.Contains(namespaces, name) {
			t.Errorf("namespace %s left after the test", name)
		}
	}
	if len(sshds) != 2 {
		t.Fatalf("%d sshds started, want 2", len(sshds))
	}
	for _, cmd := range sshds {
		if cmd.ProcessState == nil {
			t.Errorf("sshd %d still running after the test", cmd.Process.Pid)
		}
	}
}
