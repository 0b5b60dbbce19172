package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// simWith opens a simulated host whose environment is env.
func simWith(t *testing.T, env map[string]string) *Sim {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("env:\n")
	for k, v := range env {
		b.WriteString("  " + k + ": '" + strings.ReplaceAll(v, "'", "''") + "'\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "host.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSim(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWindowsProtected: whole trees are protected, except the places KB
// procedures change; each exception has its row.
func TestWindowsProtected(t *testing.T) {
	h := simWith(t, map[string]string{"windir": `C:\Windows`, "ProgramData": `C:\ProgramData`})
	tests := map[string]string{
		`C:\`:                                  "a drive root",
		`d:/`:                                  "a drive root",
		`C:\Windows`:                           "the Windows folder",
		`C:/WINDOWS/.`:                         "the Windows folder",
		`C:\Windows\win.ini`:                   "inside the Windows folder",
		`C:\Windows\inf`:                       "inside the Windows folder",
		`C:\Windows\System32`:                  "a Windows system folder",
		`C:\Windows\System32\kernel32.dll`:     "inside a Windows system folder",
		`C:\Windows\System32\spool`:            "inside a Windows system folder",
		`C:\Windows\System32\spool\drivers`:    "inside a Windows system folder",
		`C:\Windows\WinSxS\x`:                  "inside a Windows system folder",
		`C:\Windows\System32\config`:           `the folder of registry hives (System32\config)`,
		`C:\Windows\System32\config\SAM`:       `inside the folder of registry hives (System32\config)`,
		`c:/windows/system32/CONFIG/system`:    `inside the folder of registry hives (System32\config)`,
		`C:\Windows\System32\drivers`:          `the folder of device drivers (System32\drivers)`,
		`C:\Windows\System32\drivers\ntfs.sys`: `inside the folder of device drivers (System32\drivers)`,
		`C:\Windows\System32\CatRoot`:          "CatRoot, which Windows does not recreate (KB822798)",
		`C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}`:          "inside CatRoot, which Windows does not recreate (KB822798)",
		`C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\*`:        "inside CatRoot, which Windows does not recreate (KB822798)",
		`C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\*.cat`:    "inside CatRoot, which Windows does not recreate (KB822798)",
		`C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\tmp*.cat`: "",
		`C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\tmp1.cat`: "",
		`C:\Windows\SoftwareDistribution`:                                             "",
		`C:\Windows\SoftwareDistribution\DataStore\x.edb`:                             "",
		`C:\Windows\SoftwareDistribution.old`:                                         "",
		`C:\Windows\SDTemp`:                                                           "",
		`C:\Windows\Temp\setup.log`:                                                   "",
		`C:\Windows\System32\catroot2`:                                                "",
		`C:\Windows\System32\catroot2\edb.log`:                                        "",
		`C:\Windows\System32\catroot2.bak`:                                            "",
		`C:\Windows\System32\oldcatroot2`:                                             "",
		`C:\Windows\System32\spool\PRINTERS`:                                          "",
		`C:\Windows\System32\spool\PRINTERS\*`:                                        "",
		`C:\Windows\System32\spool\PRINTERS\00002.SPL`:                                "",
		`C:\ProgramData`:                                        "the folder of program data",
		`C:\ProgramData\wuplay\kb.done`:                         "",
		`C:\ProgramData\Microsoft`:                              "Windows' own program data",
		`C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys`:       "inside Windows' own program data",
		`C:\ProgramData\Microsoft\Network\Downloader\qmgr*.dat`: "",
		`C:\ProgramData\Microsoft\Network`:                      "inside Windows' own program data",
		`C:\Program Files`:                                      "a folder of installed programs",
		`C:\Program Files (x86)\App\app.exe`:                    "inside a folder of installed programs",
		`C:\Users`:                                              "the folder of user profiles",
		`C:\Users\Alice`:                                        "a user profile root",
		`C:\Users\Alice\AppData\Local\Temp`:                     "",
		`C:\Boot\BCD`:                                           "inside a folder or file Windows boots from",
		`C:\bootmgr`:                                            "a folder or file Windows boots from",
		`C:\wuplay`:                                             "",
		`C:\*`:                                                  "a pattern that matches the Windows folder",
		`C:\boot*`:                                              "a pattern that matches a folder or file Windows boots from",
		`C:\*.log`:                                              "",
		`C:\Windows.old`:                                        "",
	}
	for p, want := range tests {
		if got := h.Protected(p); got != want {
			t.Errorf("Protected(%s) = %q, want %q", p, got, want)
		}
	}
}

// TestWindowsProtectedHostValues: values the host gives (windir and the
// like) are normalised as playbook paths are; a bad one never panics and
// never protects less than the defaults.
func TestWindowsProtectedHostValues(t *testing.T) {
	hives := `C:\Windows\System32\config\SAM`
	tests := map[string]struct {
		env  map[string]string
		want map[string]string // path: reason
	}{
		"windir empty":                     {env: map[string]string{"windir": ""}},
		"windir of one letter":             {env: map[string]string{"windir": "C"}},
		"windir of two":                    {env: map[string]string{"windir": "C:"}},
		"windir relative":                  {env: map[string]string{"windir": `Windows`}},
		"windir a drive root":              {env: map[string]string{"windir": `C:\`}},
		"windir climbing to a root":        {env: map[string]string{"windir": `C:\Windows\..`}},
		"windir with slashes":              {env: map[string]string{"windir": `C:/Windows`}},
		"windir with a dot":                {env: map[string]string{"windir": `C:\Windows\.`}},
		"windir with a trailing separator": {env: map[string]string{"windir": `C:\Windows\\`}},
		"windir in capitals":               {env: map[string]string{"windir": `C:\WINDOWS`}},
		"windir a device path":             {env: map[string]string{"windir": `\\?\C:\Windows`}},
		"windir and SystemRoot disagree": {
			env:  map[string]string{"windir": `C:\Windows`, "SystemRoot": `D:/WinNT/`},
			want: map[string]string{`D:\WinNT\System32\config\SAM`: `inside the folder of registry hives (System32\config)`, `D:\Program Files\x`: "inside a folder of installed programs"},
		},
		"windir on another drive, in a folder": {
			env: map[string]string{"windir": `E:\OS\Windows`},
			want: map[string]string{
				`E:\OS\Windows\System32\drivers\x.sys`: `inside the folder of device drivers (System32\drivers)`,
				`E:\OS`:                                "a folder that holds the Windows folder",
				`E:\OS\Windows\SoftwareDistribution`:   "",
			},
		},
		"SystemDrive": {
			env:  map[string]string{"SystemDrive": "Z:"},
			want: map[string]string{`Z:\Users\bob`: "a user profile root", `Z:\ProgramData`: "the folder of program data"},
		},
		"SystemDrive malformed": {env: map[string]string{"SystemDrive": "Z"}},
		"ProgramData elsewhere": {
			env:  map[string]string{"ProgramData": `D:/Data/`, "ALLUSERSPROFILE": `D:\Data`},
			want: map[string]string{`D:\Data`: "the folder of program data", `D:\Data\Microsoft\Crypto`: "inside Windows' own program data", `D:\Data\Microsoft\Network\Downloader\qmgr*.dat`: "", `C:\ProgramData`: "the folder of program data"},
		},
		"ProgramData a drive root": {env: map[string]string{"ProgramData": `D:\`}, want: map[string]string{`D:\x`: ""}},
		"ProgramFiles": {
			env:  map[string]string{"ProgramFiles": `D:\Apps`, "ProgramFiles(x86)": ``},
			want: map[string]string{`D:\Apps\x`: "inside a folder of installed programs"},
		},
		"USERPROFILE elsewhere": {
			env:  map[string]string{"USERPROFILE": `D:/Homes/bob/`},
			want: map[string]string{`D:\Homes\bob`: "a user profile root", `D:\Homes`: "the folder of user profiles", `D:\Homes\alice`: "a user profile root", `D:\Homes\bob\Downloads`: ""},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			h := simWith(t, tt.env)
			want := map[string]string{
				hives:                             `inside the folder of registry hives (System32\config)`,
				`C:\Windows`:                      "the Windows folder",
				`C:\Windows\SoftwareDistribution`: "",
				`C:\Program Files\x`:              "inside a folder of installed programs",
				`C:\Users\alice`:                  "a user profile root",
			}
			for p, r := range tt.want {
				want[p] = r
			}
			for p, r := range want {
				if got := h.Protected(p); got != r {
					t.Errorf("Protected(%s) = %q, want %q", p, got, r)
				}
			}
		})
	}
}

func TestWindowsProtectedDevicePaths(t *testing.T) {
	// The local host on Windows keeps these prefixes through its PathKey.
	key := func(p string) (string, error) { return strings.ToLower(p), nil }
	env := func(string) (string, bool) { return "", false }
	for p, want := range map[string]string{
		`\\?\c:\windows\system32\config`: `the folder of registry hives (System32\config)`,
		`\\.\c:\windows`:                 "the Windows folder",
		`\\server\share`:                 "a drive root",
		`\\?\unc\server\share\`:          "a drive root",
		`\\server\share\folder`:          "",
	} {
		if got := windowsProtected(p, env, key); got != want {
			t.Errorf("windowsProtected(%s) = %q, want %q", p, got, want)
		}
	}
}

// TestUnixProtected: the system's trees on Linux, and the places outside
// them that a procedure may clear (the test suite's temporary folders
// among them).
func TestUnixProtected(t *testing.T) {
	tests := map[string]string{
		"/":                         "the root folder",
		"/usr":                      "a system folder",
		"/usr/sbin":                 "inside a system folder",
		"/usr/sbin/sshd":            "inside a system folder",
		"/usr/local/bin/tool":       "inside a system folder",
		"/etc/ssl":                  "inside a system folder",
		"/etc/ssl/certs/ca.pem":     "inside a system folder",
		"/var/lib/dpkg":             "inside a system folder",
		"/var/lib/dpkg/status":      "inside a system folder",
		"/boot/vmlinuz":             "inside a system folder",
		"/lib/x86_64-linux-gnu":     "inside a system folder",
		"/opt/app":                  "inside a system folder",
		"/proc/1":                   "inside a system folder",
		"/var":                      "a system folder",
		"/var/log":                  "a system folder",
		"/var/log/syslog.1":         "",
		"/var/cache/apt/x.deb":      "",
		"/tmp":                      "a system folder",
		"/tmp/wuplay-test":          "",
		"/var/tmp/x":                "",
		"/home":                     "a system folder",
		"/home/alice":               "a home folder",
		"/home/alice/.cache/x":      "",
		"/root":                     "a system folder",
		"/srv/www/cache":            "",
		"/data/users/bob":           "the home folder",
		"/data":                     "a folder that holds the home folder",
		"/data/users/bob/Downloads": "",
		"/*":                        "a pattern that matches a system folder",
		"/home/*":                   "a home folder",
	}
	for p, want := range tests {
		if got := unixProtected(p, "/data/users/bob"); got != want {
			t.Errorf("unixProtected(%s) = %q, want %q", p, got, want)
		}
	}
}

// TestLocalProtected: this machine's paths are judged as PathKey spells
// them, and a bad $HOME protects no less.
func TestLocalProtected(t *testing.T) {
	if filepath.Separator != '/' {
		t.Skip("Unix paths")
	}
	for _, home := range []string{"", "relative", "/", "/usr/../"} {
		t.Setenv("HOME", home)
		for p, want := range map[string]string{
			"/etc/":             "a system folder",
			"/etc/.":            "a system folder",
			"//usr//sbin/":      "inside a system folder",
			"/usr/sbin/../lib":  "inside a system folder",
			"/home/alice/":      "a home folder",
			t.TempDir():         "",
			os.TempDir() + "/x": "",
		} {
			if got := Local().Protected(p); got != want {
				t.Errorf("HOME=%q: Protected(%s) = %q, want %q", home, p, got, want)
			}
		}
	}
}

// Review of issue 11 (protected trees, at their seam with Windows' own
// reading of names): Win32 drops the trailing dots and spaces of a name
// and reads a colon as the start of a stream, so each spelling below is
// the folder it names, and is judged as it. Before, the simulated host let
// a plan delete C:\Windows. or C:\Program Files. without allow_protected.
func TestWindowsProtectedWin32Spellings(t *testing.T) {
	h := simWith(t, map[string]string{"windir": `C:\Windows`})
	for p, want := range map[string]string{
		`C:\Windows.`:                               "the Windows folder",
		`C:\Windows  `:                              "the Windows folder",
		`C:\Windows. .`:                             "the Windows folder",
		`C:\ `:                                      "a drive root",
		`C:\...`:                                    "a drive root",
		`C:\Windows:$I30:$INDEX_ALLOCATION`:         "the Windows folder",
		`C:\Windows\System32::$INDEX_ALLOCATION`:    "a Windows system folder",
		`C:\Windows\System32.\config`:               `the folder of registry hives (System32\config)`,
		`C:\Program Files.`:                         "a folder of installed programs",
		`C:\Windows\SoftwareDistribution.`:          "",
		`C:\Windows\System32\catroot2 `:             "",
		`C:\Windows\System32\spool\PRINTERS.\x.SPL`: "",
	} {
		if got := h.Protected(p); got != want {
			t.Errorf("Protected(%s) = %q, want %q", p, got, want)
		}
	}
	// A host value spelled so is the folder it names too.
	odd := simWith(t, map[string]string{"windir": `D:\WinNT.`})
	if got := odd.Protected(`D:\WinNT\System32`); got != "a Windows system folder" {
		t.Errorf(`with windir D:\WinNT., Protected(D:\WinNT\System32) = %q`, got)
	}
}
