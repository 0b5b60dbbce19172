package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wuplay/wuplay/resources/host"
)

// simHost makes a simulated host from host.yaml text and the files (by
// path under drive/c; a name ending in / is a folder).
func simHost(t *testing.T, hostYAML string, files ...string) *host.Sim {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "host.yaml"), []byte(hostYAML), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755))
	for _, f := range files {
		p := filepath.Join(dir, "drive", "c", filepath.FromSlash(f))
		if strings.HasSuffix(f, "/") {
			must(t, os.MkdirAll(p, 0o755))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte("data of "+f), 0o644))
	}
	h, err := host.OpenSim(dir)
	must(t, err)
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, src string) *Playbook {
	t.Helper()
	pb, diags := Load("test.hcl", []byte(`playbook "test" {}`+"\n"+src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return pb
}

const wuauservRunning = `
env: {windir: C:\Windows}
services:
  wuauserv: {state: running, start_type: manual}
  RpcSs: {state: running, start_type: automatic}
  Spooler: {state: stopped, start_type: disabled}
`

const kb = `
service "stop" {
  name  = "wuauserv"
  state = "stopped"
}
directory "sd" {
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "C:\\Windows\\SDTemp"
}
service "start" {
  name  = "WUAUSERV"
  state = "running"
}
`

// action lists each step's address and action, the shape most table rows
// assert.
func actions(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.Addr+" "+string(s.Action))
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := map[string]struct {
		host    string
		files   []string
		src     string
		replace []string
		target  []string
		want    []string // address and action of each step
		err     string   // a plan error containing this
	}{
		"symptom present: stop, rename, start": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/Download/a.cab"}, src: kb,
			want: []string{"service.stop stop", "directory.sd rename", "service.start start"},
		},
		"already fixed: stop and start cancel out": {
			host: wuauservRunning, files: []string{"Windows/"}, src: kb,
			want: []string{"service.stop no_op", "directory.sd no_op", "service.start no_op"},
		},
		"service already stopped, folder present": {
			host:  strings.Replace(wuauservRunning, "wuauserv: {state: running", "wuauserv: {state: stopped", 1),
			files: []string{"Windows/SoftwareDistribution/"}, src: kb,
			want: []string{"service.stop no_op", "directory.sd rename", "service.start start"},
		},
		"rename destination exists": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/", "Windows/sdtemp/"}, src: kb,
			err: `cannot rename C:\Windows\SoftwareDistribution: the destination C:\Windows\SDTemp already exists`,
		},
		"replace forces a restart of a running service": {
			host: wuauservRunning, files: []string{"Windows/"}, src: kb, replace: []string{"service.start"},
			// The stop is no longer cancelled out, so the forced start starts.
			want: []string{"service.stop stop", "directory.sd no_op", "service.start start"},
		},
		"starting a disabled service is refused": {
			host: wuauservRunning, src: `service "s" {
  name  = "spooler"
  state = "running"
}`,
			err: "service spooler is disabled and cannot be started",
		},
		"enabling and starting in one step": {
			host: wuauservRunning, src: `service "s" {
  name       = "Spooler"
  state      = "running"
  start_type = "automatic"
}`,
			want: []string{"service.s start"},
		},
		"missing service": {
			host: wuauservRunning, src: `service "s" {
  name  = "W32Time"
  state = "running"
}`,
			err: "service W32Time is not installed on this host",
		},
		"when false skips the step": {
			host: wuauservRunning, files: []string{"Windows/Temp/"}, src: `directory "d" {
  when  = false
  path  = "C:\\Windows\\Temp"
  state = "absent"
}`,
			want: []string{"directory.d no_op"},
		},
		"a later step sees the earlier step's prediction": {
			host: wuauservRunning, src: `directory "d" {
  path = "C:\\Data"
}
file "f" {
  path    = "C:\\Data\\x.txt"
  content = "x"
}
file "g" {
  path    = "C:\\Data\\x.txt"
  content = "y"
}`,
			want: []string{"directory.d create", "file.f create", "file.g update"},
		},
		"created and deleted again: no net change": {
			host: wuauservRunning, files: []string{"Data/"}, src: `file "f" {
  path = "C:\\Data\\x.txt"
}
file "g" {
  path  = "C:\\Data\\x.txt"
  state = "absent"
}`,
			want: []string{"file.f no_op", "file.g no_op"},
		},
		"file with other content is updated": {
			host: wuauservRunning, files: []string{"x.txt"}, src: `file "f" {
  path    = "c:/X.TXT"
  content = "new"
}`,
			want: []string{"file.f update"},
		},
		"file with the same content is unchanged": {
			host: wuauservRunning, files: []string{"x.txt"}, src: `file "f" {
  path    = "C:\\x.txt"
  content = "data of x.txt"
}`,
			want: []string{"file.f no_op"},
		},
		"depends_on runs a later-written step first": {
			host: wuauservRunning, files: []string{"Windows/"}, src: `directory "b" {
  depends_on = [directory.a]
  path       = "C:\\Windows\\B"
}
directory "a" {
  path = "C:\\Windows\\A"
}`,
			want: []string{"directory.a create", "directory.b create"},
		},
		"rename across volumes": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/"}, src: `directory "d" {
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "D:\\SDTemp"
}`,
			err: "they are on different volumes (c:, d:)",
		},
		"protected folder allowed by the step": {
			host: wuauservRunning, files: []string{"Program Files/Old/"}, src: `directory "d" {
  path            = "C:\\Program Files"
  state           = "absent"
  allow_protected = true
}`,
			want: []string{"directory.d delete"},
		},
		"protected folder": {
			host: wuauservRunning, files: []string{"Program Files/Old/"}, src: `directory "d" {
  path  = "C:\\Program Files"
  state = "absent"
}`,
			err: `refusing to delete C:\Program Files: it is a folder of installed programs`,
		},
		"CatRoot is never renamed (KB822798)": {
			host: wuauservRunning, files: []string{"Windows/System32/catroot/"}, src: `directory "d" {
  path      = "C:\\Windows\\System32\\CatRoot"
  state     = "absent"
  rename_to = "C:\\Windows\\System32\\CatRoot.old"
}`,
			err: "it is CatRoot, which Windows does not recreate (KB822798)",
		},
		"rename to a folder at a drive root": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/x"}, src: `directory "d" {
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "C:\\SDTemp"
}`,
			want: []string{"directory.d rename"},
		},
		"a registry hive inside System32 is refused": {
			host: wuauservRunning, files: []string{"Windows/System32/config/SAM"}, src: `file "f" {
  path  = "C:\\Windows\\System32\\config\\SAM"
  state = "absent"
}`,
			err: `refusing to delete C:\Windows\System32\config\SAM: it is inside the folder of registry hives (System32\config)`,
		},
		"emptying the drivers folder is refused": {
			host: wuauservRunning, files: []string{"Windows/System32/drivers/ntfs.sys"}, src: `directory "d" {
  path  = "C:/Windows/System32/DRIVERS/"
  state = "empty"
}`,
			err: `refusing to empty C:/Windows/System32/DRIVERS/: it is the folder of device drivers (System32\drivers)`,
		},
		"files in a protected tree are refused": {
			host: wuauservRunning, files: []string{"Windows/System32/config/SYSTEM"}, src: `files "f" {
  path    = "C:\\Windows\\System32\\config"
  pattern = "*"
}`,
			err: `refusing to delete * in C:\Windows\System32\config: it is inside the folder of registry hives (System32\config)`,
		},
		"catalogs in CatRoot are refused, temporary ones are not": {
			host: wuauservRunning, files: []string{"Windows/System32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}/tmp1.cat", "Windows/System32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}/nt5.cat"}, src: `files "tmp" {
  path    = "C:\\Windows\\System32\\CatRoot\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
  pattern = "tmp*.cat"
}
files "all" {
  path    = "C:\\Windows\\System32\\CatRoot\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
  pattern = "*.cat"
}`,
			err: `refusing to delete *.cat in C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}: it is inside CatRoot`,
		},
		"spool files are deleted": {
			host: wuauservRunning, files: []string{"Windows/System32/spool/PRINTERS/00002.SPL"}, src: `files "f" {
  path    = "C:\\Windows\\System32\\spool\\PRINTERS"
  pattern = "*"
}`,
			want: []string{"files.f delete"},
		},
		"a service still holds the folder": {
			host:  wuauservRunning + "  TrustedInstaller: {state: running, locks: ['C:\\Windows\\SoftwareDistribution\\x.cab']}\n",
			files: []string{"Windows/SoftwareDistribution/x.cab"}, src: kb,
			err: `C:\Windows\SoftwareDistribution is held open by service TrustedInstaller, which is still running at this step`,
		},
		"the holder is stopped by an earlier step": {
			host:  wuauservRunning + "  TrustedInstaller: {state: running, locks: ['C:\\Windows\\SoftwareDistribution\\x.cab']}\n",
			files: []string{"Windows/SoftwareDistribution/x.cab"}, src: `service "ti" {
  name  = "TrustedInstaller"
  state = "stopped"
}
` + kb,
			want: []string{"service.ti stop", "service.stop stop", "directory.sd rename", "service.start start"},
		},
		"files matching a pattern are deleted": {
			host: wuauservRunning, files: []string{"Q/qmgr0.dat", "Q/QMGR1.DAT", "Q/other.dat", "Q/qmgr.d/"}, src: `files "q" {
  path    = "C:\\Q"
  pattern = "qmgr*.dat"
}`,
			want: []string{"files.q delete"},
		},
		"no file matches: already absent": {
			host: wuauservRunning, files: []string{"Q/other.dat"}, src: `files "q" {
  path    = "C:\\Q"
  pattern = "qmgr*.dat"
}`,
			want: []string{"files.q no_op"},
		},
		"emptying a folder": {
			host: wuauservRunning, files: []string{"SD/a/b.txt", "SD/c.txt"}, src: `directory "sd" {
  path  = "C:\\SD"
  state = "empty"
}`,
			want: []string{"directory.sd empty"},
		},
		"an empty folder is already empty": {
			host: wuauservRunning, files: []string{"SD/"}, src: `directory "sd" {
  path  = "C:\\SD"
  state = "empty"
}`,
			want: []string{"directory.sd no_op"},
		},
		"rename destination exists: rotate": {
			host: wuauservRunning, files: []string{"W/SD/x", "W/SDTemp/", "W/SDTemp.1/"}, src: `directory "sd" {
  path      = "C:\\W\\SD"
  state     = "absent"
  rename_to = "C:\\W\\SDTemp"
  if_exists = "rotate"
}`,
			want: []string{"directory.sd rename"},
		},
		"registry value set and deleted": {
			host: wuauservRunning + "registry:\n  HKLM\\SOFTWARE\\X: {Old: {type: dword, data: '1'}, Keep: {type: dword, data: '1'}}\n", src: `registry_value "new" {
  key  = "HKEY_LOCAL_MACHINE\\Software\\x"
  name = "New"
  type = "multi_string"
  data = ["a", "b"]
}
registry_value "old" {
  key   = "HKLM\\SOFTWARE\\X"
  name  = "old"
  state = "absent"
}
registry_value "same" {
  key  = "HKLM\\SOFTWARE\\X"
  name = "keep"
  type = "dword"
  data = 1
}`,
			want: []string{"registry_value.new create", "registry_value.old delete", "registry_value.same no_op"},
		},
		"stopping a service that running services depend on": {
			host: wuauservRunning + "  Fax: {state: running, depends_on: [Spooler2]}\n  Spooler2: {state: running}\n",
			src: `service "s" {
  name  = "spooler2"
  state = "stopped"
}`,
			err: "services that depend on spooler2 are still running at this step (Fax): stopping it would fail with ERROR_DEPENDENT_SERVICES_RUNNING (1051)",
		},
		"the dependent is stopped by an earlier step": {
			host: wuauservRunning + "  Fax: {state: running, depends_on: [Spooler2]}\n  Spooler2: {state: running}\n",
			src: `service "fax" {
  name  = "Fax"
  state = "stopped"
}
service "s" {
  name  = "spooler2"
  state = "stopped"
}`,
			want: []string{"service.fax stop", "service.s stop"},
		},
		"stop_dependents stops them first": {
			host: wuauservRunning + "  Fax: {state: running, depends_on: [Spooler2]}\n  Spooler2: {state: running}\n",
			src: `service "s" {
  name            = "spooler2"
  state           = "stopped"
  stop_dependents = true
}
service "fax" {
  name  = "Fax"
  state = "stopped"
}`,
			want: []string{"service.s stop", "service.fax no_op"},
		},
		"restart_on fires when the step changed": {
			host: wuauservRunning, files: []string{"Windows/"}, src: `file "conf" {
  path    = "C:\\wu\\wu.ini"
  content = "x"
}
service "wu" {
  name       = "wuauserv"
  state      = "running"
  restart_on = [file.conf]
}`,
			want: []string{"file.conf create", "service.wu restart"},
		},
		"a restart is not cancelled inside another service's round trip": {
			host: wuauservRunning + "  Spooler2: {state: running}\n", files: []string{"Windows/"}, src: `file "conf" {
  path    = "C:\\wu\\wu.ini"
  content = "x"
}
service "stop_spooler" {
  name  = "Spooler2"
  state = "stopped"
}
service "wu" {
  name       = "wuauserv"
  state      = "running"
  restart_on = [file.conf]
}
service "start_spooler" {
  name  = "Spooler2"
  state = "running"
}
service "stop_wu" {
  name  = "wuauserv"
  state = "stopped"
}
service "start_wu" {
  name  = "wuauserv"
  state = "running"
}`,
			// The restart is a change no state shows: the Spooler2 round trip
			// around it stays, and the restart is not cancelled.
			want: []string{"file.conf create", "service.stop_spooler stop", "service.wu restart", "service.start_spooler start", "service.stop_wu no_op", "service.start_wu no_op"},
		},
		"restart_on does not fire when its step is cancelled out": {
			host: wuauservRunning, files: []string{"Windows/"}, src: `file "conf" {
  path    = "C:\\wu\\wu.ini"
  content = "x"
}
file "unconf" {
  path  = "C:\\wu\\wu.ini"
  state = "absent"
}
service "wu" {
  name       = "wuauserv"
  state      = "running"
  restart_on = [file.conf]
}`,
			want: []string{"file.conf no_op", "file.unconf no_op", "service.wu no_op"},
		},
		"restart_on does not fire when the step changed nothing": {
			host: wuauservRunning, files: []string{"wu/wu.ini"}, src: `file "conf" {
  path    = "C:\\wu\\wu.ini"
  content = "data of wu/wu.ini"
}
service "wu" {
  name       = "wuauserv"
  state      = "running"
  restart_on = [file.conf]
}`,
			want: []string{"file.conf no_op", "service.wu no_op"},
		},
		"restart_on with state previous restarts the running service": {
			host: wuauservRunning, files: []string{"Windows/"}, src: `file "conf" {
  path    = "C:\\wu\\wu.ini"
  content = "x"
}
service "wu" {
  name       = "wuauserv"
  state      = "previous"
  restart_on = [file.conf]
}`,
			want: []string{"file.conf create", "service.wu restart"},
		},
		"run_on runs the command when the step changed": {
			host: wuauservRunning, files: []string{"wu/"}, src: `file "dll" {
  path    = "C:\\wu\\x.dll"
  content = "new"
}
command "register" {
  run    = ["regsvr32", "/s", "C:\\wu\\x.dll"]
  run_on = [file.dll]
}`,
			want: []string{"file.dll create", "command.register run"},
		},
		"run_on does not run the command when the step changed nothing": {
			host: wuauservRunning, files: []string{"wu/x.dll"}, src: `file "dll" {
  path    = "C:\\wu\\x.dll"
  content = "data of wu/x.dll"
}
command "register" {
  run    = ["regsvr32", "/s", "C:\\wu\\x.dll"]
  run_on = [file.dll]
}`,
			want: []string{"file.dll no_op", "command.register no_op"},
		},
		"run_on does not run the command when its step is cancelled out": {
			host: wuauservRunning, files: []string{"wu/"}, src: `file "dll" {
  path    = "C:\\wu\\x.dll"
  content = "new"
}
file "undll" {
  path  = "C:\\wu\\x.dll"
  state = "absent"
}
command "register" {
  run    = ["regsvr32", "/s", "C:\\wu\\x.dll"]
  run_on = [file.dll]
}`,
			want: []string{"file.dll no_op", "file.undll no_op", "command.register no_op"},
		},
		"a step comes after the steps that trigger it": {
			host: wuauservRunning, files: []string{"Windows/"}, src: `command "register" {
  run    = ["regsvr32", "/s", "C:\\wu\\x.dll"]
  run_on = [file.dll]
}
file "dll" {
  path    = "C:\\wu\\x.dll"
  content = "new"
}`,
			want: []string{"file.dll create", "command.register run"},
		},
		"replace runs a command with run_on": {
			host: wuauservRunning, files: []string{"wu/x.dll"}, replace: []string{"command.register"}, src: `file "dll" {
  path    = "C:\\wu\\x.dll"
  content = "data of wu/x.dll"
}
command "register" {
  run    = ["regsvr32", "/s", "C:\\wu\\x.dll"]
  run_on = [file.dll]
}`,
			want: []string{"file.dll no_op", "command.register run"},
		},
		"a file in a folder deleted before it is created again": {
			host: wuauservRunning, files: []string{"Data/x.txt"}, src: `directory "d" {
  path  = "C:\\Data"
  state = "absent"
}
file "f" {
  path    = "C:\\Data\\x.txt"
  content = "data of Data/x.txt"
}`,
			want: []string{"directory.d delete", "file.f create"},
		},
		"a value in a key deleted before it is set again": {
			host: wuauservRunning + "registry:\n  HKLM\\SOFTWARE\\X\\Sub: {V: {type: dword, data: '1'}}\n", src: `registry_key "x" {
  key   = "HKLM\\SOFTWARE\\X"
  state = "absent"
}
registry_value "v" {
  key  = "HKLM\\SOFTWARE\\X\\Sub"
  name = "V"
  type = "dword"
  data = 1
}`,
			want: []string{"registry_key.x delete", "registry_value.v create"},
		},
		"start type given back as it was read": {
			host: wuauservRunning, src: `service "off" {
  name       = "wuauserv"
  state      = "stopped"
  start_type = "disabled"
}
service "on" {
  name       = "wuauserv"
  state      = "running"
  start_type = "previous"
}`,
			want: []string{"service.off no_op", "service.on no_op"},
		},
		"state given back as it was read: running": {
			host: wuauservRunning, files: []string{"Windows/SoftwareDistribution/"}, src: `service "off" {
  name  = "wuauserv"
  state = "stopped"
}
directory "sd" {
  path  = "C:\\Windows\\SoftwareDistribution"
  state = "absent"
}
service "back" {
  name  = "wuauserv"
  state = "previous"
}`,
			want: []string{"service.off stop", "directory.sd delete", "service.back start"},
		},
		"state given back as it was read: stopped by Windows": {
			host:  strings.Replace(wuauservRunning, "wuauserv: {state: running", "wuauserv: {state: stopped", 1),
			files: []string{"Windows/SoftwareDistribution/"}, src: `service "off" {
  name  = "wuauserv"
  state = "stopped"
}
directory "sd" {
  path  = "C:\\Windows\\SoftwareDistribution"
  state = "absent"
}
service "back" {
  name  = "wuauserv"
  state = "previous"
}`,
			want: []string{"service.off no_op", "directory.sd delete", "service.back no_op"},
		},
		"state previous around nothing is no change": {
			host: wuauservRunning, src: `service "off" {
  name  = "wuauserv"
  state = "stopped"
}
service "back" {
  name  = "wuauserv"
  state = "previous"
}`,
			want: []string{"service.off no_op", "service.back no_op"},
		},
		"timecmp compares times across zones": {
			host: wuauservRunning, src: `file "later" {
  when    = timecmp("2026-11-28T10:40:02+01:00", "2026-11-28T09:40:01Z") > 0
  path    = "C:\\later"
  content = "x"
}
file "same" {
  when    = timecmp("2026-11-28T10:40:02+01:00", "2026-11-28T09:40:02Z") == 0
  path    = "C:\\same"
  content = "x"
}`,
			want: []string{"file.later create", "file.same create"},
		},
		"timecmp of no time is an error": {
			host: wuauservRunning, src: `file "f" {
  when    = timecmp("", "2026-11-28T09:40:01Z") > 0
  path    = "C:\\f"
  content = "x"
}`,
			err: `"" is not a time in RFC 3339 form`,
		},
		"target takes the steps it depends on": {
			host: wuauservRunning, files: []string{"Windows/"}, target: []string{"directory.c"}, src: `directory "a" {
  path = "C:\\Windows\\A"
}
directory "b" {
  path = "C:\\Windows\\B"
}
directory "c" {
  depends_on = [directory.a]
  path       = "C:\\Windows\\A\\C"
}`,
			want: []string{"directory.a create", "directory.b no_op", "directory.c create"},
		},
		"relative path": {
			host: wuauservRunning, src: `directory "d" {
  path = "Windows"
}`,
			err: `path "Windows" is not an absolute Windows path`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			h := simHost(t, tt.host, tt.files...)
			p, diags := NewPlan(context.Background(), load(t, tt.src), h, Options{Replace: tt.replace, Target: tt.target})
			if tt.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("diagnostics %q, want %q", diags.Error(), tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tt.want, actions(p)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanReadsEachObjectOnce(t *testing.T) {
	h := &countingHost{Host: simHost(t, wuauservRunning, "Windows/SoftwareDistribution/")}
	if _, diags := NewPlan(context.Background(), load(t, kb), h, Options{}); diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]int{"service wuauserv": 1, `stat C:\Windows\SoftwareDistribution`: 1, `stat C:\Windows\SDTemp`: 1, `stat C:\Windows`: 1}
	if diff := cmp.Diff(want, h.reads); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
}

type countingHost struct {
	host.Host
	mu    sync.Mutex // the plan reads several objects at a time
	reads map[string]int
}

func (c *countingHost) count(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reads == nil {
		c.reads = map[string]int{}
	}
	c.reads[what]++
}

func (c *countingHost) Stat(p string) (host.PathInfo, error) {
	c.count("stat " + p)
	return c.Host.Stat(p)
}

func (c *countingHost) Service(ctx context.Context, name string) (host.ServiceStatus, error) {
	c.count("service " + strings.ToLower(name))
	return c.Host.Service(ctx, name)
}

type nopObserver struct{}

func (nopObserver) StepStarted(*StepPlan)              {}
func (nopObserver) StepProgress(*StepPlan, string)     {}
func (nopObserver) StepFinished(*StepPlan, StepResult) {}

func TestApplyStopsAtSharingViolation(t *testing.T) {
	// A file held by a process no plan can foresee: the rename fails at
	// apply, and the steps after it are not attempted.
	h := simHost(t, `
open_files: [C:\Windows\SoftwareDistribution\DataStore\DataStore.edb]
services:
  wuauserv:
    state: running
`, "Windows/SoftwareDistribution/DataStore/DataStore.edb")
	p, diags := NewPlan(context.Background(), load(t, `
directory "sd" {
  path      = "C:\\Windows\\SoftwareDistribution"
  state     = "absent"
  rename_to = "C:\\Windows\\SDTemp"
}
file "marker" {
  path = "C:\\done.txt"
}`), h, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	results, err := Apply(context.Background(), p, h, nopObserver{})
	if !errors.Is(err, host.ErrSharingViolation) || !strings.Contains(err.Error(), "held by a process that is not a service") {
		t.Fatalf("error %v, want a sharing violation", err)
	}
	got := []Status{results[0].Status, results[1].Status}
	if diff := cmp.Diff([]Status{Failed, NotAttempted}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if fi, _ := h.Stat(`C:\done.txt`); fi.Exists {
		t.Error("a step after the failure ran")
	}
}

func TestApplyVerifies(t *testing.T) {
	h := simHost(t, wuauservRunning, "Windows/SoftwareDistribution/Download/a.cab")
	p, diags := NewPlan(context.Background(), load(t, kb), h, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// Something else recreates the folder between plan and apply: the
	// rename's verification must notice that the source still exists.
	sneaky := &recreatingHost{Host: h, path: `C:\Windows\SoftwareDistribution`}
	_, err := Apply(context.Background(), p, sneaky, nopObserver{})
	if err == nil || !strings.Contains(err.Error(), `verify path C:\Windows\SoftwareDistribution: exists is "true", planned "false"`) {
		t.Fatalf("error %v, want a verification failure", err)
	}
}

// recreatingHost makes path again right after any rename.
type recreatingHost struct {
	host.Host
	path string
}

func (r *recreatingHost) Rename(from, to string) error {
	if err := r.Host.Rename(from, to); err != nil {
		return err
	}
	return r.Host.MkdirAll(r.path)
}

func TestApplyInterruptedPutsBack(t *testing.T) {
	// Ctrl-C while wuauserv is stopping: the stop finishes, the rename is
	// not attempted, and wuauserv is started again.
	sim := simHost(t, wuauservRunning, "Windows/SoftwareDistribution/Download/a.cab")
	ctx, cancel := context.WithCancel(context.Background())
	h := &interruptingHost{Host: sim, cancel: cancel}
	p, diags := NewPlan(ctx, load(t, kb), h, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	results, err := Apply(ctx, p, h, nopObserver{})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("error %v, want interrupted", err)
	}
	got := []Status{results[0].Status, results[1].Status, results[2].Status}
	if diff := cmp.Diff([]Status{PutBack, NotAttempted, NotAttempted}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	st, _ := sim.Service(context.Background(), "wuauserv")
	if st.State != host.Running {
		t.Errorf("wuauserv is %s, want running again", st.State)
	}
	if fi, _ := sim.Stat(`C:\Windows\SoftwareDistribution`); !fi.Exists {
		t.Error("the rename ran after the interrupt")
	}
}

// interruptingHost cancels the apply while a service stops, as Ctrl-C would.
type interruptingHost struct {
	host.Host
	cancel context.CancelFunc
}

func (h *interruptingHost) StopService(ctx context.Context, name string, timeout time.Duration) error {
	h.cancel()
	if ctx.Err() != nil {
		return errors.New("the step in flight saw the cancellation")
	}
	return h.Host.StopService(ctx, name, timeout)
}

func TestApplyStopsDependentsFirst(t *testing.T) {
	sim := simHost(t, wuauservRunning+"  Fax: {state: running, depends_on: [Spooler2]}\n  Spooler2: {state: running}\n")
	p, diags := NewPlan(context.Background(), load(t, `service "s" {
  name            = "spooler2"
  state           = "stopped"
  stop_dependents = true
}`), sim, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, err := Apply(context.Background(), p, sim, nopObserver{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Fax", "Spooler2"} {
		if st, _ := sim.Service(context.Background(), name); st.State != host.Stopped {
			t.Errorf("%s is %s, want stopped", name, st.State)
		}
	}
}

func TestApplyPutBackOnFailure(t *testing.T) {
	sim := simHost(t, wuauservRunning+`
open_files: ['C:\Windows\SoftwareDistribution\x.cab']
`, "Windows/SoftwareDistribution/x.cab")
	p, diags := NewPlan(context.Background(), load(t, kb), sim, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	results, err := Apply(context.Background(), p, sim, nopObserver{})
	if !errors.Is(err, host.ErrSharingViolation) {
		t.Fatalf("error %v, want the sharing violation", err)
	}
	if results[0].Status != PutBack || results[0].PutBack != "service wuauserv put back by service.start" {
		t.Errorf("step 1: %+v", results[0])
	}
	if st, _ := sim.Service(context.Background(), "wuauserv"); st.State != host.Running {
		t.Errorf("wuauserv is %s, want running", st.State)
	}
}

// TestPlanRefusesLosingRenames: a rename that would lose data, or fail at
// apply after a service was stopped, is refused at plan time, on the
// simulated host and on this machine's file system.
func TestPlanRefusesLosingRenames(t *testing.T) {
	type rename struct{ path, to, ifExists string }
	tests := map[string]struct {
		files   []string // under ROOT; a name ending in / is a folder
		before  string   // steps between stopping wuauserv and the rename
		rename  rename   // under ROOT
		simOnly bool     // the sim folds case; Linux does not
		want    []string
		err     string
	}{
		"rename into itself": {
			files: []string{"a/x"}, rename: rename{"a", "a/b", ""},
			err: "rename_to ROOT/a/b is inside ROOT/a: a folder cannot be moved into itself",
		},
		"rename into itself, spelled with dots": {
			files: []string{"a/x"}, rename: rename{"a", "./a/./b/", ""},
			err: "is inside ROOT/a",
		},
		"rename into itself, spelled in capitals": {
			files: []string{"a/x"}, rename: rename{"a", "A/B", ""}, simOnly: true,
			err: "is inside ROOT/a",
		},
		"the folder itself with a trailing separator": {
			files: []string{"a/x"}, rename: rename{"a", "a/", ""},
			err: "is the folder itself",
		},
		"replace a descendant": {
			files: []string{"a/x", "a/old/y"}, rename: rename{"a", "a/old", "replace"},
			err: "is inside ROOT/a",
		},
		"replace an ancestor": {
			files: []string{"a/sub/x", "a/y"}, rename: rename{"a/sub", "a", "replace"},
			err: "rename_to ROOT/a holds ROOT/a/sub: a folder cannot be moved onto a folder that holds it",
		},
		"rotate onto an ancestor": {
			files: []string{"a/sub/x"}, rename: rename{"a/sub", "a", "rotate"},
			err: "holds ROOT/a/sub",
		},
		"destination under a missing folder": {
			files: []string{"a/x"}, rename: rename{"a", "missing/b", ""},
			err: "cannot rename ROOT/a to ROOT/missing/b: the folder ROOT/missing does not exist at this step; create it in an earlier step",
		},
		"destination under a folder an earlier step deletes": {
			files: []string{"a/x", "p/"}, rename: rename{"a", "p/b", ""},
			before: "directory \"rm\" {\n  path  = \"ROOT/p\"\n  state = \"absent\"\n}\n",
			err:    "the folder ROOT/p does not exist at this step",
		},
		"destination under a file": {
			files: []string{"a/x", "f"}, rename: rename{"a", "f/b", ""},
			err: "not a directory",
		},
		"destination under a folder an earlier step creates": {
			files: []string{"a/x"}, rename: rename{"a", "new/b", ""},
			before: "directory \"mk\" {\n  path = \"ROOT/new\"\n}\n",
			want:   []string{"service.stop stop", "directory.mk create", "directory.d rename"},
		},
		"replace a sibling": {
			files: []string{"a/x", "old/y"}, rename: rename{"a", "old", "replace"},
			want: []string{"service.stop stop", "directory.d rename"},
		},
	}
	hosts := map[string]func(t *testing.T, files []string) (host.Host, string){
		"sim": func(t *testing.T, files []string) (host.Host, string) {
			var under []string
			for _, f := range files {
				under = append(under, "data/"+f)
			}
			return simHost(t, wuauservRunning, under...), "C:/data"
		},
		"local": func(t *testing.T, files []string) (host.Host, string) {
			root := t.TempDir()
			for _, f := range files {
				p := filepath.Join(root, filepath.FromSlash(f))
				if strings.HasSuffix(f, "/") {
					must(t, os.MkdirAll(p, 0o755))
					continue
				}
				must(t, os.MkdirAll(filepath.Dir(p), 0o755))
				must(t, os.WriteFile(p, []byte(f), 0o644))
			}
			// This machine has no wuauserv: the sim's services stand in.
			return localWithServices{Host: host.Local(), sim: simHost(t, wuauservRunning)}, root
		},
	}
	for hostName, open := range hosts {
		for name, tt := range tests {
			t.Run(hostName+"/"+name, func(t *testing.T) {
				if tt.simOnly && hostName != "sim" {
					t.Skip("case-sensitive file system")
				}
				h, root := open(t, tt.files)
				src := "service \"stop\" {\n  name  = \"wuauserv\"\n  state = \"stopped\"\n}\n" + tt.before +
					fmt.Sprintf("directory \"d\" {\n  path      = \"ROOT/%s\"\n  state     = \"absent\"\n  rename_to = \"ROOT/%s\"\n", tt.rename.path, tt.rename.to)
				if tt.rename.ifExists != "" {
					src += fmt.Sprintf("  if_exists = %q\n", tt.rename.ifExists)
				}
				src = strings.ReplaceAll(src+"}\n", "ROOT", root)
				p, diags := NewPlan(context.Background(), load(t, src), h, Options{})
				if want := strings.ReplaceAll(tt.err, "ROOT", root); want != "" {
					if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
						t.Fatalf("diagnostics %q, want %q", diags.Error(), want)
					}
					return
				}
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				if diff := cmp.Diff(tt.want, actions(p)); diff != "" {
					t.Errorf("actions (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// localWithServices is this machine's file system with a simulated host's
// services, so that a plan can stop a service before a local rename.
type localWithServices struct {
	host.Host
	sim *host.Sim
}

func (l localWithServices) Service(ctx context.Context, name string) (host.ServiceStatus, error) {
	return l.sim.Service(ctx, name)
}

func (l localWithServices) Elevated() (bool, error) { return true, nil }
