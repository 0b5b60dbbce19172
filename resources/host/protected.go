package host

import (
	"path"
	"strings"
)

// A guard is a folder whose loss would harm the host. Deleting, emptying or
// renaming it, or a folder that holds it, is refused; in a tree, so is
// anything inside it, except the few places that KB procedures change.
type guard struct {
	root   string // a PathKey
	reason string // what it is, as in "it is the Windows folder"
	tree   bool
	// allow are the places inside a tree that KB procedures delete or move
	// aside, relative to root: path.Match patterns of names joined by "/".
	// Each covers what is inside it too.
	allow []string
}

// windowsAllow are the places inside the Windows folder that KB procedures
// change; each is tested in TestWindowsProtected.
var windowsAllow = []string{
	"softwaredistribution",        // KB910336, KB971058, KB822798: moved aside or emptied
	"softwaredistribution.*",      // where Microsoft's reset articles move it (.bak, .old)
	"sdtemp",                      // where KB910336 moves it
	"temp",                        // temporary files
	"system32/catroot2",           // KB822798, KB971058: moved aside; Windows recreates it
	"system32/catroot2.*",         // where KB971058 and the reset articles move it
	"system32/oldcatroot2",        // where KB822798 moves it
	"system32/catroot/*/tmp*.cat", // KB822798: temporary catalogs, never CatRoot itself
	"system32/spool/printers",     // KB2793718: the spool files of a stuck print queue
}

// windowsFolders name the folders inside the Windows folder that a refusal
// names more precisely than "inside the Windows folder".
var windowsFolders = []struct{ rel, reason string }{
	{"system32", "a Windows system folder"},
	{"syswow64", "a Windows system folder"},
	{"winsxs", "a Windows system folder"},
	{"servicing", "a Windows system folder"},
	{"system32/config", "the folder of registry hives (System32\\config)"},
	{"system32/drivers", "the folder of device drivers (System32\\drivers)"},
	{"system32/catroot", "CatRoot, which Windows does not recreate (KB822798)"},
}

// windowsProtected says why a path (a PathKey: lower case, backslashes)
// is not to be deleted or renamed on Windows, or "". getenv reads the
// target's environment and pathKey normalises what it returns, as the
// host normalises playbook paths. A value that is missing, malformed or a
// bare drive root adds nothing; the defaults on C: hold regardless, so a
// host value can only protect more.
func windowsProtected(key string, getenv func(string) (string, bool), pathKey func(string) (string, error)) string {
	// \\?\C:\Windows and \\.\C:\Windows name C:\Windows.
	for _, prefix := range []string{`\\?\unc\`, `\\.\unc\`} {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			key = `\\` + rest
		}
	}
	for _, prefix := range []string{`\\?\`, `\\.\`} {
		key = strings.TrimPrefix(key, prefix)
	}
	key = win32Name(key)
	if isWindowsRoot(key) {
		return "a drive root"
	}
	folders := func(defaults []string, names ...string) []string {
		out := defaults
		for _, n := range names {
			v, ok := getenv(n)
			if !ok {
				continue
			}
			if k, err := pathKey(v); err == nil && !isWindowsRoot(win32Name(k)) {
				out = append(out, win32Name(k))
			}
		}
		return out
	}
	windirs := folders([]string{`c:\windows`}, "windir", "SystemRoot")
	drives := []string{"c:"}
	for _, w := range windirs {
		if w[1] == ':' {
			drives = append(drives, w[:2])
		}
	}
	if v, ok := getenv("SystemDrive"); ok {
		if k, err := pathKey(v + `\`); err == nil && isWindowsRoot(k) && !strings.HasPrefix(k, `\\`) {
			drives = append(drives, strings.TrimSuffix(k, `\`))
		}
	}
	var progFiles, progData, profiles, profileRoots []string
	for _, d := range drives {
		progFiles = append(progFiles, d+`\program files`, d+`\program files (x86)`)
		progData = append(progData, d+`\programdata`)
		profiles = append(profiles, d+`\users`)
	}
	progFiles = folders(progFiles, "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")
	progData = folders(progData, "ProgramData", "ALLUSERSPROFILE")
	profileRoots = folders(nil, "USERPROFILE", "PUBLIC")
	for _, p := range profileRoots {
		if parent := p[:strings.LastIndex(p, `\`)]; !isWindowsRoot(parent + `\`) {
			profiles = append(profiles, parent)
		}
	}

	var guards []guard
	for _, w := range windirs {
		guards = append(guards, guard{root: w, reason: "the Windows folder", tree: true, allow: windowsAllow})
		for _, f := range windowsFolders {
			rel := strings.ReplaceAll(f.rel, "/", `\`)
			guards = append(guards, guard{root: w + `\` + rel, reason: f.reason, tree: true, allow: under(windowsAllow, f.rel)})
		}
	}
	for _, d := range drives {
		for _, name := range []string{"boot", "efi", "recovery", "system volume information", "bootmgr"} {
			guards = append(guards, guard{root: d + `\` + name, reason: "a folder or file Windows boots from", tree: true})
		}
	}
	for _, p := range progFiles {
		guards = append(guards, guard{root: p, reason: "a folder of installed programs", tree: true})
	}
	for _, p := range progData {
		guards = append(guards, guard{root: p, reason: "the folder of program data"},
			// The BITS queue (qmgr*.dat, KB971058) is the one place of
			// Windows' own program data that KB procedures clear.
			guard{root: p + `\microsoft`, reason: "Windows' own program data", tree: true, allow: []string{"network/downloader"}})
	}
	for _, p := range profiles {
		guards = append(guards, guard{root: p, reason: "the folder of user profiles"})
	}
	for _, p := range profileRoots {
		guards = append(guards, guard{root: p, reason: "a user profile root"})
	}
	if reason := check(key, `\`, guards); reason != "" {
		return reason
	}
	if i := strings.LastIndex(key, `\`); i > 0 {
		for _, p := range profiles {
			if key[:i] == p {
				return "a user profile root"
			}
		}
	}
	return ""
}

// win32Name is key as Win32 reads it when it opens a file: each name
// without its trailing dots and spaces and without a stream after a colon
// (C:\Windows. and C:\Windows:$I30:$INDEX_ALLOCATION are C:\Windows, and
// C:\  is C:\), so that no such spelling gets round a guard. Win32 strips
// the spaces of the last name only; stripping them everywhere protects
// more, never less.
func win32Name(key string) string {
	lead := ""
	if rest, ok := strings.CutPrefix(key, `\\`); ok {
		lead, key = `\\`, rest
	} else if len(key) >= 2 && key[1] == ':' {
		lead, key = key[:2]+`\`, key[2:]
	}
	var names []string
	for _, name := range strings.Split(key, `\`) {
		name, _, _ = strings.Cut(name, ":")
		if name = strings.TrimRight(name, ". "); name != "" {
			names = append(names, name)
		}
	}
	return lead + strings.Join(names, `\`)
}

// isWindowsRoot reports whether key is a drive root (c:\) or a share root
// (\\server\share), or too short to be anything else.
func isWindowsRoot(key string) bool {
	if rest, ok := strings.CutPrefix(key, `\\`); ok {
		return len(strings.FieldsFunc(rest, func(r rune) bool { return r == '\\' })) <= 2
	}
	return len(strings.TrimRight(key, `\`)) <= 2
}

// under is the patterns of allow inside folder rel, relative to it.
func under(allow []string, rel string) []string {
	var out []string
	for _, a := range allow {
		if rest, ok := strings.CutPrefix(a, rel+"/"); ok {
			out = append(out, rest)
		}
	}
	return out
}

// check says why key is protected by guards, or "": the deepest guard that
// is key or holds key in its tree, else a guard that key holds, else a
// guard that key's last name matches as a pattern (a files step's).
func check(key, sep string, guards []guard) string {
	reason, depth := "", -1
	for _, g := range guards {
		rel, ok := inside(key, g.root, sep)
		switch {
		case !ok || rel != "" && (!g.tree || allowed(rel, sep, g.allow)):
			continue
		case len(g.root) <= depth:
			continue
		case rel == "":
			reason, depth = g.reason, len(g.root)
		default:
			reason, depth = "inside "+g.reason, len(g.root)
		}
	}
	if reason != "" {
		return reason
	}
	for _, g := range guards {
		if _, ok := inside(g.root, key, sep); ok {
			return "a folder that holds " + g.reason
		}
	}
	dir, pattern := splitLast(key, sep)
	for _, g := range guards {
		if gdir, name := splitLast(g.root, sep); gdir == dir {
			if ok, _ := path.Match(pattern, name); ok {
				return "a pattern that matches " + g.reason
			}
		}
	}
	return ""
}

// splitLast splits key before its last name.
func splitLast(key, sep string) (dir, name string) {
	i := strings.LastIndex(key, sep)
	return key[:max(i, 0)], key[i+1:]
}

// inside reports whether key is root or lies under it, and the rest of
// key after root.
func inside(key, root, sep string) (string, bool) {
	if key == root {
		return "", true
	}
	rest, ok := strings.CutPrefix(key, strings.TrimSuffix(root, sep)+sep)
	return rest, ok && rest != ""
}

// allowed reports whether rel (names joined by sep) is one of the allow
// patterns or lies inside one.
func allowed(rel, sep string, allow []string) bool {
	names := strings.Split(rel, sep)
	for _, a := range allow {
		n := strings.Count(a, "/") + 1
		if len(names) < n {
			continue
		}
		if ok, _ := path.Match(a, strings.Join(names[:n], "/")); ok {
			return true
		}
	}
	return false
}

// unixGuards are the folders of a Linux system. The trees hold the system
// itself; the others hold data whose folder a service expects, but whose
// contents a procedure may clear (/tmp, /var/log, /var/cache).
var unixGuards = func() []guard {
	var gs []guard
	for _, p := range []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt",
		"/proc", "/run", "/sbin", "/snap", "/sys", "/usr", "/var/lib"} {
		gs = append(gs, guard{root: p, reason: "a system folder", tree: true})
	}
	for _, p := range []string{"/home", "/media", "/mnt", "/root", "/srv", "/tmp", "/var", "/var/cache", "/var/log",
		"/var/mail", "/var/spool", "/var/tmp"} {
		gs = append(gs, guard{root: p, reason: "a system folder"})
	}
	return gs
}()

// unixProtected says why a path (a PathKey: clean and absolute) is not to
// be deleted or renamed on Linux and other Unix systems, or "". home is
// the user's home folder as given by the host, normalised the same way;
// "" when it is unset or malformed.
func unixProtected(key, home string) string {
	if key == "/" {
		return "the root folder"
	}
	guards := unixGuards
	if home != "" && home != "/" {
		guards = append(guards[:len(guards):len(guards)], guard{root: home, reason: "the home folder"})
	}
	if reason := check(key, "/", guards); reason != "" {
		return reason
	}
	if strings.HasPrefix(key, "/home/") && !strings.Contains(key[len("/home/"):], "/") {
		return "a home folder"
	}
	return ""
}
