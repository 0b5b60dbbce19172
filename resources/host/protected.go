package host

import (
	"strings"
)

// windowsProtected says why a path (a PathKey: lower case, backslashes)
// is not to be deleted or renamed on Windows, or "". getenv reads the
// target's environment.
func windowsProtected(key string, getenv func(string) (string, bool)) string {
	windir := `c:\windows`
	if v, ok := getenv("windir"); ok {
		windir = strings.ToLower(strings.TrimRight(v, `\/`))
	}
	drive := windir[:2]
	if len(key) <= 3 {
		return "a drive root"
	}
	switch key {
	case windir:
		return "the Windows folder"
	case windir + `\system32`, windir + `\syswow64`, windir + `\winsxs`, windir + `\servicing`:
		return "a Windows system folder"
	case windir + `\system32\catroot`:
		return "CatRoot, which Windows does not recreate (KB822798)"
	case drive + `\users`:
		return "the folder of user profiles"
	case drive + `\program files`, drive + `\program files (x86)`, drive + `\programdata`:
		return "a folder of installed programs"
	}
	if parent, _, ok := strings.Cut(key, `\`); ok && parent == drive {
		if rest, ok := strings.CutPrefix(key, drive+`\users\`); ok && !strings.Contains(rest, `\`) {
			return "a user profile root"
		}
	}
	return ""
}

// unixProtected says why a clean absolute path is not to be deleted or
// renamed on Linux and other Unix systems, or "".
func unixProtected(p, home string) string {
	switch p {
	case "/":
		return "the root folder"
	case "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc",
		"/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/usr/bin", "/usr/lib", "/usr/local", "/var/lib":
		return "a system folder"
	case home:
		return "the home folder"
	}
	return ""
}
