//go:build !windows

package host_test

// The Windows service backend (local_windows.go, service_windows.go) run
// for real under Wine: a Windows build of testdata/wine/svcprobe drives
// services through host.Local() in a Wine prefix and prints what it got,
// and Wine's own sc and reg check the result from outside.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/resources/host/winetest"
)

func TestMain(m *testing.M) { winetest.Main(m) }

func TestLocalServicesUnderWine(t *testing.T) {
	w := winetest.SharedPrefix(t)
	probe := newProbe(t, "svcprobe")

	t.Run("stop and start wuauserv", func(t *testing.T) {
		initial := probe.status(t, "wuauserv")
		t.Cleanup(func() { probe.run(t, verbFor(initial.state)+":wuauserv") })

		got := probe.run(t, "start:wuauserv", "start:wuauserv", "service:wuauserv")
		want(t, got, "start:wuauserv ok", "start:wuauserv ok",
			"service:wuauserv name=wuauserv state=running start_type=manual dependents=")
		if s := scState(t, w, "wuauserv"); s != "RUNNING" {
			t.Errorf("sc query wuauserv after start: STATE %s, want RUNNING", s)
		}

		// Names are the service manager's, whatever case they are asked in.
		got = probe.run(t, "stop:WUAUSERV", "stop:wuauserv", "service:WuAuServ")
		want(t, got, "stop:WUAUSERV ok", "stop:wuauserv ok",
			"service:WuAuServ name=wuauserv state=stopped start_type=manual dependents=")
		if s := scState(t, w, "wuauserv"); s != "STOPPED" {
			t.Errorf("sc query wuauserv after stop: STATE %s, want STOPPED", s)
		}

		want(t, probe.run(t, "start:wuauserv"), "start:wuauserv ok")
		if s := scState(t, w, "wuauserv"); s != "RUNNING" {
			t.Errorf("sc query wuauserv after second start: STATE %s, want RUNNING", s)
		}
	})

	t.Run("service that does not exist", func(t *testing.T) {
		if out, exit := w.Run(t, "sc", "query", "WuplayNoSuchService"); exit == 0 {
			t.Fatalf("sc query WuplayNoSuchService: exit 0, want a failure:\n%s", out)
		}
		const msg = " error [ErrServiceNotFound,errno=1060] service WuplayNoSuchService: the specified service does not exist as an installed service (ERROR_SERVICE_DOES_NOT_EXIST, 1060)"
		ops := []string{"service:WuplayNoSuchService", "start:WuplayNoSuchService", "stop:WuplayNoSuchService", "starttype:WuplayNoSuchService:manual"}
		var lines []string
		for _, op := range ops {
			lines = append(lines, op+msg)
		}
		want(t, probe.run(t, ops...), lines...)
	})

	t.Run("disabled service does not start", func(t *testing.T) {
		initial := probe.status(t, "wuauserv")
		t.Cleanup(func() {
			probe.run(t, "starttype:wuauserv:"+initial.startType, verbFor(initial.state)+":wuauserv")
		})

		got := probe.run(t, "stop:wuauserv", "starttype:wuauserv:disabled", "service:wuauserv")
		want(t, got, "stop:wuauserv ok", "starttype:wuauserv:disabled ok",
			"service:wuauserv name=wuauserv state=stopped start_type=disabled dependents=")
		if v := regStart(t, w, "wuauserv"); v != "0x4" {
			t.Errorf("registry Start of wuauserv after disabling: %s, want 0x4 (SERVICE_DISABLED)", v)
		}

		got = probe.run(t, "start:wuauserv", "starttype:wuauserv:manual", "service:wuauserv")
		want(t, got,
			"start:wuauserv error [ErrServiceDisabled,errno=1058] service wuauserv: the service cannot be started because it is disabled (ERROR_SERVICE_DISABLED, 1058)",
			"starttype:wuauserv:manual ok",
			"service:wuauserv name=wuauserv state=stopped start_type=manual dependents=")
		if v := regStart(t, w, "wuauserv"); v != "0x3" {
			t.Errorf("registry Start of wuauserv after setting manual: %s, want 0x3 (SERVICE_DEMAND_START)", v)
		}
	})

	stub := installStub(t, w)

	t.Run("running dependents block a stop", func(t *testing.T) {
		base := createService(t, w, probe, "WuplayTestBase", stub)
		dependent := createService(t, w, probe, "WuplayTestDependent", stub)
		// Wine's sc cannot set dependencies (no "sc config"; "sc create
		// depend=" writes a broken list): svcprobe sets them through the API.
		want(t, probe.run(t, "depend:"+dependent+":"+base), "depend:"+dependent+":"+base+" ok")

		got := probe.run(t, "start:"+base, "start:"+dependent, "service:"+base, "stop:"+base, "service:"+base)
		want(t, got,
			"start:"+base+" ok",
			"start:"+dependent+" ok",
			"service:"+base+" name="+base+" state=running start_type=manual dependents="+dependent,
			"stop:"+base+" error [ErrDependentServicesRunning,errno=1051] service "+base+": a stop control has been sent to a service that other running services are dependent on (ERROR_DEPENDENT_SERVICES_RUNNING, 1051) (running: "+dependent+")",
			"service:"+base+" name="+base+" state=running start_type=manual dependents="+dependent)
		if s := scState(t, w, base); s != "RUNNING" {
			t.Errorf("sc query %s after the refused stop: STATE %s, want RUNNING", base, s)
		}

		got = probe.run(t, "stop:"+dependent, "service:"+base, "stop:"+base)
		want(t, got,
			"stop:"+dependent+" ok",
			"service:"+base+" name="+base+" state=running start_type=manual dependents=",
			"stop:"+base+" ok")
		for _, name := range []string{base, dependent} {
			if s := scState(t, w, name); s != "STOPPED" {
				t.Errorf("sc query %s after stopping both: STATE %s, want STOPPED", name, s)
			}
		}
	})

	t.Run("slow service", func(t *testing.T) {
		slow := createService(t, w, probe, "WuplayTestSlow", stub+" -start-delay=1s -stop-delay=1s")

		// sc start returns while the service is START_PENDING, when it
		// refuses a stop: StopService waits for it to run, then stops it.
		if out, exit := w.Run(t, "sc", "start", slow); exit != 0 || !strings.Contains(out, "START_PENDING") {
			t.Fatalf("sc start %s: exit %d, want 0 and START_PENDING:\n%s", slow, exit, out)
		}
		want(t, probe.run(t, "stop:"+slow, "service:"+slow),
			"stop:"+slow+" ok",
			"service:"+slow+" name="+slow+" state=stopped start_type=manual dependents=")

		got := probe.run(t, "start:"+slow, "stop:"+slow+":200ms", "stop:"+slow)
		want(t, got,
			"start:"+slow+" ok",
			"stop:"+slow+":200ms error [] service "+slow+": stop timed out after 200ms (still STOP_PENDING)",
			"stop:"+slow+" ok")
	})
}

// probe runs a Windows program of testdata/wine (svcprobe, hostprobe) in
// the prefix: one process carries out a list of operations and prints an
// answer line for each.
type probe struct {
	w         *winetest.Prefix
	exe, name string
}

func newProbe(t *testing.T, name string) *probe {
	return &probe{w: winetest.SharedPrefix(t), exe: winetest.BuildExe(t, "../../testdata/wine/"+name), name: name}
}

// run carries out ops in one process and returns its answer lines.
func (p *probe) run(t *testing.T, ops ...string) []string {
	t.Helper()
	out, exit := p.w.Run(t, append([]string{p.exe}, ops...)...)
	if exit != 0 {
		t.Fatalf("%s %s: exit code %d\n%s", p.name, strings.Join(ops, " "), exit, out)
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

type probedService struct{ state, startType string }

var statusLine = regexp.MustCompile(` state=(\S+) start_type=(\S+) `)

func (p *probe) status(t *testing.T, name string) probedService {
	t.Helper()
	line := p.run(t, "service:"+name)[0]
	m := statusLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("svcprobe service:%s: %s", name, line)
	}
	return probedService{state: m[1], startType: m[2]}
}

// verbFor is the svcprobe operation that brings a service back to state.
func verbFor(state string) string {
	if state == "running" {
		return "start"
	}
	return "stop"
}

func want(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the probe said:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

var scStateLine = regexp.MustCompile(`(?m)^\s*STATE\s*:\s*\d+\s+(\S+)`)

// scState is a service's state as `sc query` tells it: RUNNING, STOPPED...
func scState(t *testing.T, w *winetest.Prefix, name string) string {
	t.Helper()
	out, exit := w.Run(t, "sc", "query", name)
	m := scStateLine.FindStringSubmatch(out)
	if exit != 0 || m == nil {
		t.Fatalf("sc query %s: exit code %d\n%s", name, exit, out)
	}
	return m[1]
}

var regStartLine = regexp.MustCompile(`(?m)^\s*Start\s+REG_DWORD\s+(\S+)`)

// regStart is the Start value of a service's registry entry, where the
// service manager keeps its start type: 0x2 automatic, 0x3 manual, 0x4
// disabled.
func regStart(t *testing.T, w *winetest.Prefix, name string) string {
	t.Helper()
	out, exit := w.Run(t, "reg", "query", `HKLM\SYSTEM\CurrentControlSet\Services\`+name, "/v", "Start")
	m := regStartLine.FindStringSubmatch(out)
	if exit != 0 || m == nil {
		t.Fatalf("reg query %s Start: exit code %d\n%s", name, exit, out)
	}
	return m[1]
}

// installStub puts testdata/wine/stubsvc into the prefix and returns its
// Windows path.
func installStub(t *testing.T, w *winetest.Prefix) string {
	t.Helper()
	exe := winetest.BuildExe(t, "../../testdata/wine/stubsvc")
	dir := filepath.Join(w.Drive(), "wuplay-test")
	data, err := os.ReadFile(exe)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "stubsvc.exe"), data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return `C:\wuplay-test\stubsvc.exe`
}

// createService registers a stubsvc service with `sc create`, and stops and
// deletes it after t.
func createService(t *testing.T, w *winetest.Prefix, probe *probe, name, binPath string) string {
	t.Helper()
	if out, exit := w.Run(t, "sc", "create", name, "binPath=", binPath, "type=", "own", "start=", "demand"); exit != 0 {
		t.Fatalf("sc create %s: exit code %d\n%s", name, exit, out)
	}
	t.Cleanup(func() {
		probe.run(t, "stop:"+name)
		if out, exit := w.Run(t, "sc", "delete", name); exit != 0 {
			t.Errorf("sc delete %s: exit code %d\n%s", name, exit, out)
		}
	})
	return name
}
