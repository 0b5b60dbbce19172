//go:build linux

// Package ansibletest runs ansible-playbook in tests against a fleet of
// its own: each host is a Linux network namespace running an sshd with
// keys made for the test, and Ansible runs in a controller namespace
// joined to each host by a veth pair. Addresses (10.213.7.0/24) exist only
// on those veths, inside those namespaces, so no packet can reach any
// other machine, and two test binaries do not collide.
//
// The namespaces share the file system, so a host's "remote" files are
// local paths; only home folders differ: every process in the fleet sees a
// temporary folder of the fleet's in place of the user's home, so Ansible
// and ssh write nothing into the real one, and root's shell start-up files
// do not run on every connection.
//
// Everything is removed when the test ends, failed or not: every process
// in the namespaces is killed and the namespaces deleted (their veths go
// with them). If the test process itself is killed, or ended by go test's
// -timeout, its namespaces (wupl-PID-XXXXXXXX-*) stay behind until the next
// fleet is made, which removes them.
//
// With WUPLAY_SKIP_ANSIBLE=1 the tests skip. Otherwise they need root and
// install ansible-core and openssh-server with apt-get if missing; they
// fail, never skip, if that fails.
package ansibletest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// packages says which Debian package brings each program the fleet needs.
var packages = []struct{ program, pkg string }{
	{"ansible-playbook", "ansible-core"},
	{"/usr/sbin/sshd", "openssh-server"},
	{"ssh-keygen", "openssh-client"},
	{"ip", "iproute2"},
	{"mount", "mount"},
}

var install struct {
	once sync.Once
	err  error
}

// Require skips t if WUPLAY_SKIP_ANSIBLE=1. Otherwise it installs what is
// missing of ansible-core, openssh-server and iproute2 with apt-get (once
// per test binary), and fails t if it is not root or the install fails.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("WUPLAY_SKIP_ANSIBLE") == "1" {
		t.Skip("WUPLAY_SKIP_ANSIBLE=1: not running Ansible against network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Fatal("ansibletest: network namespaces and sshd need root (or set WUPLAY_SKIP_ANSIBLE=1 to skip)")
	}
	install.once.Do(func() { install.err = installMissing(t) })
	if install.err != nil {
		t.Fatal(install.err)
	}
}

func installMissing(t testing.TB) error {
	if len(missing()) == 0 {
		return nil
	}
	// go test runs packages' test binaries in parallel, and two apt-gets at
	// once fail on apt's lock: the first installs, the others wait for it.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "wuplay-ansibletest-install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("ansibletest: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("ansibletest: locking %s: %w", lock.Name(), err)
	}
	pkgs := missing()
	if len(pkgs) == 0 {
		return nil
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"apt-get", "update", "-q"},
		append([]string{"apt-get", "install", "-q", "-y", "--no-install-recommends"}, pkgs...),
	} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ansibletest: %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if pkgs := missing(); len(pkgs) != 0 {
		return fmt.Errorf("ansibletest: still missing after apt-get install: %s", strings.Join(pkgs, " "))
	}
	t.Logf("ansibletest: installed %s in %s", strings.Join(pkgs, " "), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// missing returns the packages of the programs that are not installed.
func missing() []string {
	var pkgs []string
	for _, p := range packages {
		if _, err := exec.LookPath(p.program); err != nil && !slices.Contains(pkgs, p.pkg) {
			pkgs = append(pkgs, p.pkg)
		}
	}
	return pkgs
}

// Fleet is a controller namespace and hosts, each a namespace with an sshd.
type Fleet struct {
	dir   string // temporary folder: keys, homes, configurations, inventories
	id    string // random part of the namespace names
	ctl   string // the controller's namespace
	key   string // the private key Ansible logs in with
	home  string // the user's home, hidden in every namespace of the fleet
	Hosts []*Host

	namespaces []string
	sshds      []*exec.Cmd
	exits      []chan struct{} // closed when the sshd has exited
	logs       []*sshdLog
	inventory  int // inventories written
	runs       int // ansible runs
}

// Host is one host of a fleet.
type Host struct {
	Name string // inventory name
	Addr string // its address in the fleet, on which its sshd listens
	ns   string
}

// NewFleet makes a fleet with hosts of the given inventory names, each
// with its sshd listening, and removes it all when t ends.
func NewFleet(t testing.TB, names ...string) *Fleet {
	t.Helper()
	if len(names) == 0 || len(names) > 63 {
		t.Fatalf("ansibletest: %d hosts: want 1 to 63", len(names))
	}
	sweep(t)
	f := &Fleet{dir: t.TempDir(), id: fmt.Sprintf("%d-%s", os.Getpid(), randomID(t))}
	t.Cleanup(func() { f.close(t) })
	f.home = sharedHome(t, f.dir)

	f.ctl = f.addNamespace(t, "ctl")
	err := errors.Join(
		os.MkdirAll(filepath.Join(f.dir, "home", "ctl"), 0o700),
		os.MkdirAll(filepath.Join(f.dir, "reports"), 0o755),
		os.MkdirAll(filepath.Join(f.dir, "callback_plugins"), 0o755),
		os.WriteFile(filepath.Join(f.dir, "callback_plugins", "ansibletest.py"), []byte(callbackPlugin), 0o644),
		// An empty configuration: with none, Ansible would look for one in
		// the working folder, the home folder and /etc/ansible.
		os.WriteFile(filepath.Join(f.dir, "ansible.cfg"), nil, 0o644),
	)
	if err != nil {
		t.Fatal(err)
	}
	f.key = filepath.Join(f.dir, "id_ed25519")
	f.run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ansibletest", "-f", f.key)
	for i, name := range names {
		n := i + 1
		h := &Host{Name: name, Addr: fmt.Sprintf("10.213.7.%d", 4*n-2), ns: f.addNamespace(t, strconv.Itoa(n))}
		// A /30 per host: the controller's end is .4n-3, the host's .4n-2.
		link := "h" + strconv.Itoa(n)
		f.run(t, "ip", "-n", f.ctl, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", h.ns)
		f.run(t, "ip", "-n", f.ctl, "addr", "add", fmt.Sprintf("10.213.7.%d/30", 4*n-3), "dev", link)
		f.run(t, "ip", "-n", f.ctl, "link", "set", link, "up")
		f.run(t, "ip", "-n", h.ns, "addr", "add", h.Addr+"/30", "dev", "eth0")
		f.run(t, "ip", "-n", h.ns, "link", "set", "eth0", "up")
		f.startSSHD(t, h)
		f.Hosts = append(f.Hosts, h)
	}
	return f
}

// sweep removes the fleets of test processes that have gone without
// removing them (killed, or ended by go test's -timeout, which runs no
// cleanup): namespaces named wupl-PID-XXXXXXXX-* whose PID is no longer
// running, and the processes in them.
func sweep(t testing.TB) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ansibletest: ip netns list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		m := staleName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		t.Logf("ansibletest: removing %s, left by process %d", name, pid)
		f := &Fleet{namespaces: []string{name}}
		f.close(t)
	}
}

var staleName = regexp.MustCompile(`^wupl-([0-9]+)-[0-9a-f]{8}-[a-z0-9]+$`)

func randomID(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// sharedHome returns the home folder to hide inside the fleet, or "" if
// the fleet's own files are inside it (hiding it would hide them too).
func sharedHome(t testing.TB, dir string) string {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" || u.HomeDir == "/" {
		return ""
	}
	if rel, err := filepath.Rel(u.HomeDir, dir); err == nil && !strings.HasPrefix(rel, "..") {
		t.Logf("ansibletest: %s is inside %s, so the fleet shares the real home folder", dir, u.HomeDir)
		return ""
	}
	if fi, err := os.Stat(u.HomeDir); err != nil || !fi.IsDir() {
		return ""
	}
	return u.HomeDir
}

func (f *Fleet) addNamespace(t testing.TB, suffix string) string {
	ns := "wupl-" + f.id + "-" + suffix
	f.run(t, "ip", "netns", "add", ns)
	f.namespaces = append(f.namespaces, ns)
	f.run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// nsCommand is a command run in namespace ns with the folder home in
// place of the user's home.
func (f *Fleet) nsCommand(ctx context.Context, ns, home string, args ...string) *exec.Cmd {
	argv := []string{"netns", "exec", ns}
	if f.home != "" {
		// ip netns exec gives the command a mount namespace of its own whose
		// mounts do not propagate back, so this bind is seen only there.
		argv = append(argv, "sh", "-ec", `mount --bind "$1" "$2"; shift 2; exec "$@"`, "ansibletest", home, f.home)
	}
	return exec.CommandContext(ctx, "ip", append(argv, args...)...)
}

// startSSHD starts h's sshd and waits until it listens.
func (f *Fleet) startSSHD(t testing.TB, h *Host) {
	t.Helper()
	dir := filepath.Join(f.dir, "hosts", h.Name)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	f.run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h.Name, "-f", hostKey)
	pub, err := os.ReadFile(f.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	authorized := filepath.Join(dir, "authorized_keys")
	config := filepath.Join(dir, "sshd_config")
	err = errors.Join(
		os.WriteFile(authorized, pub, 0o600),
		os.WriteFile(config, []byte(strings.Join([]string{
			"ListenAddress " + h.Addr,
			"HostKey " + hostKey,
			"PidFile " + filepath.Join(dir, "sshd.pid"),
			"AuthorizedKeysFile " + authorized,
			"PermitRootLogin prohibit-password",
			"PubkeyAuthentication yes",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"UsePAM no",
			// The key files are in the test's temporary folder, under the
			// world-writable /tmp, which strict modes refuse.
			"StrictModes no",
			"UseDNS no",
			"Subsystem sftp internal-sftp",
			"",
		}, "\n")), 0o600),
		// sshd's privilege separation folder, made at boot where sshd is
		// installed as a service.
		os.MkdirAll("/run/sshd", 0o755),
	)
	if err != nil {
		t.Fatal(err)
	}
	// -D: stay in the foreground, so this process is sshd; -e: log to
	// stderr, where "Server listening" says that it is ready.
	log := &sshdLog{name: h.Name, listening: "Server listening on " + h.Addr + " ", ready: make(chan struct{})}
	cmd := f.nsCommand(context.Background(), h.ns, home, "/usr/sbin/sshd", "-D", "-e", "-f", config)
	cmd.Stderr = log
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("ansibletest: starting sshd for %s: %v", h.Name, err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	f.sshds = append(f.sshds, cmd)
	f.exits = append(f.exits, exited)
	f.logs = append(f.logs, log)
	select {
	case <-log.ready:
	case <-exited:
		t.Fatalf("ansibletest: sshd for %s exited before listening (%v):\n%s", h.Name, waitErr, log)
	case <-time.After(30 * time.Second):
		t.Fatalf("ansibletest: sshd for %s not listening after 30s:\n%s", h.Name, log)
	}
}

// close kills every process in the fleet's namespaces, then deletes them.
func (f *Fleet) close(t testing.TB) {
	if t.Failed() {
		for _, l := range f.logs {
			t.Logf("sshd of %s:\n%s", l.name, l)
		}
	}
	for _, ns := range f.namespaces {
		for _, pid := range f.pids(t, ns) {
			// Only processes inside the fleet's own namespaces: its sshds,
			// their sessions, and ssh's connection masters.
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				t.Errorf("ansibletest: killing process %d in %s: %v", pid, ns, err)
			}
		}
	}
	for _, exited := range f.exits {
		<-exited
	}
	for _, ns := range f.namespaces {
		if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
			t.Errorf("ansibletest: ip netns delete %s: %v\n%s", ns, err, out)
		}
	}
}

func (f *Fleet) pids(t testing.TB, ns string) []int {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Errorf("ansibletest: ip netns pids %s: %v", ns, err)
		return nil
	}
	var pids []int
	for _, field := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(field); err == nil && pid > 1 && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// run runs a setup command and fails t if it fails.
func (f *Fleet) run(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("ansibletest: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Inventory writes an inventory of the fleet's hosts in group, each with
// its address, the test key, and the variables vars[name], and returns its
// path.
func (f *Fleet) Inventory(t testing.TB, group string, vars map[string]map[string]any) string {
	t.Helper()
	hosts := map[string]map[string]any{}
	for _, h := range f.Hosts {
		hv := map[string]any{"ansible_host": h.Addr}
		for k, v := range vars[h.Name] {
			hv[k] = v
		}
		hosts[h.Name] = hv
	}
	for name := range vars {
		if _, ok := hosts[name]; !ok {
			t.Fatalf("ansibletest: variables for %s, which is not a host of the fleet", name)
		}
	}
	inv := map[string]any{"all": map[string]any{
		"vars": map[string]any{
			"ansible_user":                 "root",
			"ansible_ssh_private_key_file": f.key,
		},
		"children": map[string]any{group: map[string]any{"hosts": hosts}},
	}}
	data, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// JSON is YAML: Ansible's yaml inventory plugin reads it, with no
	// quoting rules to get wrong.
	f.inventory++
	path := filepath.Join(f.dir, fmt.Sprintf("inventory%d.yml", f.inventory))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Project copies an Ansible play into a folder of its own, with module as
// library/NAME beside it (Ansible finds modules there), and returns the
// play's path in it.
func (f *Fleet) Project(t testing.TB, play, module, name string) string {
	t.Helper()
	dir := filepath.Join(f.dir, "project")
	lib := filepath.Join(dir, "library")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	err := errors.Join(copyFile(play, filepath.Join(dir, filepath.Base(play)), 0o644), copyFile(module, filepath.Join(lib, name), 0o755))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, filepath.Base(play))
}

func copyFile(from, to string, mode os.FileMode) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, mode)
}

// Build builds the Go package pkg as the program name in a temporary
// folder and returns its path.
func Build(t testing.TB, pkg, name string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("go", "build", "-o", exe, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return exe
}

// Playbook runs ansible-playbook with args in the controller namespace and
// returns what it reported. A run that Ansible ends with a failure is a
// Result too (see Result.Exit); only a run that does not produce Ansible's
// JSON report fails t.
func (f *Fleet) Playbook(t testing.TB, args ...string) *Result {
	t.Helper()
	return f.ansible(t, "ansible-playbook", args...)
}

// Adhoc runs `ansible PATTERN -m MODULE -a ARGS` with the given extra
// arguments, as Playbook does.
func (f *Fleet) Adhoc(t testing.TB, args ...string) *Result {
	t.Helper()
	return f.ansible(t, "ansible", args...)
}

func (f *Fleet) ansible(t testing.TB, program string, args ...string) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f.runs++
	reportFile := filepath.Join(f.dir, "reports", fmt.Sprintf("%d.json", f.runs))
	cmd := f.nsCommand(ctx, f.ctl, filepath.Join(f.dir, "home", "ctl"), append([]string{program}, args...)...)
	cmd.Env = append(f.env(), "ANSIBLETEST_REPORT="+reportFile)
	cmd.Dir = f.dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", program, strings.Join(args, " "), ctx.Err(), r.Stdout, r.Stderr)
	case errors.As(err, &exit):
		r.Exit = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", program, strings.Join(args, " "), err)
	}
	if err := r.parse(reportFile); err != nil {
		t.Fatalf("%s %s exited %d without a report (%v)\nstdout:\n%s\nstderr:\n%s", program, strings.Join(args, " "), r.Exit, err, r.Stdout, r.Stderr)
	}
	t.Logf("%s %s: exit %d in %s\n%s", program, strings.Join(args, " "), r.Exit, r.Duration.Round(10*time.Millisecond), r.Stdout)
	return r
}

// env is the controller's environment: Ansible's settings for the fleet,
// with no configuration file, home or temporary folder of the user's.
func (f *Fleet) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSIBLE_") && !strings.HasPrefix(kv, "LC_ALL=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"LC_ALL=C.UTF-8", // Ansible refuses to run in any other encoding
		"ANSIBLE_CONFIG="+filepath.Join(f.dir, "ansible.cfg"), // empty: the defaults
		"ANSIBLE_HOME="+filepath.Join(f.dir, "ansible"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(f.dir, "ansible", "tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(f.dir, "remote-tmp"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(f.dir, "ansible", "cp"),
		"ANSIBLE_SSH_ARGS=-F /dev/null -o ControlMaster=auto -o ControlPersist=60s -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR",
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_CALLBACK_PLUGINS="+filepath.Join(f.dir, "callback_plugins"),
		"ANSIBLE_CALLBACKS_ENABLED=ansibletest",
		"ANSIBLE_LOAD_CALLBACK_PLUGINS=1", // for ansible ad-hoc too
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
		"ANSIBLE_TIMEOUT=20",
	)
}

// Result is what one ansible or ansible-playbook run reported.
type Result struct {
	Exit     int    // ansible-playbook's exit code: 0, or 2 when a host failed
	Stdout   []byte // Ansible's usual screen output
	Stderr   []byte
	Duration time.Duration
	// Stats is the play recap: for each host, ok, changed, failures,
	// unreachable, skipped, rescued, ignored.
	Stats map[string]map[string]int
	// Tasks is every task's result on every host, in the order run (a
	// play with serial runs once per batch, each with its own entry).
	Tasks []TaskResult
}

// TaskResult is one task's result on one host: the module's JSON object
// with Ansible's additions (changed, failed, msg, diff...).
type TaskResult struct {
	Play, Task, Host string
	Result           map[string]any
}

// report is what callbackPlugin writes.
type report struct {
	Plays []struct {
		Play  string `json:"play"`
		Tasks []struct {
			Task  string                    `json:"task"`
			Hosts map[string]map[string]any `json:"hosts"`
		} `json:"tasks"`
	} `json:"plays"`
	Stats map[string]map[string]int `json:"stats"`
}

func (r *Result) parse(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	r.Stats = rep.Stats
	for _, p := range rep.Plays {
		for _, task := range p.Tasks {
			for _, host := range slices.Sorted(maps.Keys(task.Hosts)) {
				r.Tasks = append(r.Tasks, TaskResult{Play: p.Play, Task: task.Task, Host: host, Result: task.Hosts[host]})
			}
		}
	}
	return nil
}

// callbackPlugin records every task's result on every host, and the
// recap, as JSON in the file $ANSIBLETEST_REPORT: ansible-core has no JSON
// callback of its own (ansible.posix's is a separate collection), and this
// one leaves the screen output as people know it.
const callbackPlugin = `# Written by wuplay's internal/ansibletest for one test run.
import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: ansibletest
    type: aggregate
    short_description: every task result and the recap as JSON, for tests
    description: Writes them to the file named by ANSIBLETEST_REPORT when the run ends.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ansibletest"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": play.get_name(), "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        if not self.plays:
            self.plays.append({"play": "", "tasks": []})
        self.plays[-1]["tasks"].append({"task": task.get_name(), "hosts": {}})

    def _record(self, result, **extra):
        if not self.plays or not self.plays[-1]["tasks"]:
            self.v2_playbook_on_task_start(result._task, False)
        res = dict(result._result)
        res.update(extra)
        self.plays[-1]["tasks"][-1]["hosts"][result._host.get_name()] = res

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        doc = {
            "plays": self.plays,
            "stats": dict((h, stats.summarize(h)) for h in sorted(stats.processed)),
        }
        with open(os.environ["ANSIBLETEST_REPORT"], "w") as f:
            json.dump(doc, f, cls=AnsibleJSONEncoder)
`

// Result returns the result of the task named task on host, failing t if
// there is not exactly one.
func (r *Result) Result(t testing.TB, task, host string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, tr := range r.Tasks {
		if tr.Task == task && tr.Host == host {
			found = append(found, tr.Result)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d results of task %q on %s, want 1\n%s", len(found), task, host, r.Summary())
	}
	return found[0]
}

// Summary is one line per task and host (whether it changed or failed,
// and its message), then the recap: what a test logs.
func (r *Result) Summary() string {
	var b strings.Builder
	for _, tr := range r.Tasks {
		state := "ok"
		switch {
		case tr.Result["failed"] == true:
			state = "failed"
		case tr.Result["skipped"] == true:
			state = "skipped"
		case tr.Result["changed"] == true:
			state = "changed"
		}
		fmt.Fprintf(&b, "  %s | %s | %s: %v\n", tr.Task, tr.Host, state, tr.Result["msg"])
	}
	for _, host := range slices.Sorted(maps.Keys(r.Stats)) {
		s := r.Stats[host]
		fmt.Fprintf(&b, "  recap %s: ok=%d changed=%d failed=%d unreachable=%d skipped=%d ignored=%d\n",
			host, s["ok"], s["changed"], s["failures"], s["unreachable"], s["skipped"], s["ignored"])
	}
	return b.String()
}

// sshdLog holds an sshd's log, and says when the sshd listens.
type sshdLog struct {
	name      string
	listening string        // the line that says so begins with this
	ready     chan struct{} // closed when it has been seen
	mu        sync.Mutex
	b         bytes.Buffer
	seen      bool
}

func (l *sshdLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if !l.seen && bytes.Contains(l.b.Bytes(), []byte(l.listening)) {
		l.seen = true
		close(l.ready)
	}
	return len(p), nil
}

func (l *sshdLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
