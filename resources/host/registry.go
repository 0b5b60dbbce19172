package host

import (
	"fmt"
	"regexp"
	"strings"
)

// Registry is a host's registry (Windows, or the simulated host's).
type Registry interface {
	// RegistryValue reads a value; a missing key or value is Exists false.
	RegistryValue(key, name string) (RegValue, error)
	// SetRegistryValue writes a value, creating its key as needed.
	SetRegistryValue(key, name string, v RegValue) error
	// DeleteRegistryValue deletes a value; a missing one is no error.
	DeleteRegistryValue(key, name string) error
	// RegistryKeyExists reports whether a key exists.
	RegistryKeyExists(key string) (bool, error)
	// CreateRegistryKey creates a key and its parents.
	CreateRegistryKey(key string) error
	// DeleteRegistryKey deletes a key with all its subkeys and values; a
	// missing one is no error.
	DeleteRegistryKey(key string) error
	// RegistryValues lists a key's values by name.
	RegistryValues(key string) (map[string]RegValue, error)
	// RegistrySubkeys lists the names of a key's subkeys, sorted.
	RegistrySubkeys(key string) ([]string, error)
}

// RegValue is a registry value in the words playbooks use. Data is
// canonical text: decimal for dword and qword, one line per item for
// multi_string, lower-case hex for binary.
type RegValue struct {
	Exists bool
	Type   string // string, expand_string, dword, qword, multi_string, binary
	Data   string
}

// RegTypes are the registry value types playbooks name.
var RegTypes = []string{"string", "expand_string", "dword", "qword", "multi_string", "binary"}

var regRoots = map[string]string{
	"HKLM": "HKLM", "HKEY_LOCAL_MACHINE": "HKLM",
	"HKCU": "HKCU", "HKEY_CURRENT_USER": "HKCU",
	"HKCR": "HKCR", "HKEY_CLASSES_ROOT": "HKCR",
	"HKU": "HKU", "HKEY_USERS": "HKU",
	"HKCC": "HKCC", "HKEY_CURRENT_CONFIG": "HKCC",
}

// SplitRegKey splits a key such as HKLM\SOFTWARE\Microsoft into its root
// (HKLM, HKCU, HKCR, HKU or HKCC) and the path under it.
func SplitRegKey(key string) (root, path string, err error) {
	// Only \ separates: key names may hold / (SCHANNEL\Ciphers\RC4 128/128).
	first, rest, _ := strings.Cut(key, `\`)
	root, ok := regRoots[strings.ToUpper(first)]
	if !ok {
		return "", "", fmt.Errorf("registry key %q: it starts with HKLM, HKCU, HKCR, HKU or HKCC (or their long names)", key)
	}
	var parts []string
	for _, p := range strings.Split(rest, `\`) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return root, strings.Join(parts, `\`), nil
}

// RegKeyID is the form under which two spellings of a key compare equal.
func RegKeyID(key string) (string, error) {
	root, path, err := SplitRegKey(key)
	if err != nil {
		return "", err
	}
	return strings.ToLower(root + `\` + path), nil
}

// protectedKeys are keys whose deletion would break Windows, as
// canonicalKey spells them; a tree protects every key under it too.
var protectedKeys = map[string]struct {
	reason string
	tree   bool
}{
	`hklm\software`: {"a key Windows needs", false}, `hklm\software\classes`: {"a key Windows needs", false},
	`hklm\software\microsoft`: {"a key Windows needs", false}, `hklm\software\microsoft\windows`: {"a key Windows needs", false},
	`hklm\software\microsoft\windows\currentversion`:    {"a key Windows needs", false},
	`hklm\software\microsoft\windows nt`:                {"a key Windows needs", false},
	`hklm\software\microsoft\windows nt\currentversion`: {"a key Windows needs", false},
	`hklm\software\policies`:                            {"a key Windows needs", false},
	`hklm\system`:                                       {"the system hive", true},
	`hklm\system\currentcontrolset`:                     {"the control set Windows boots from", true},
	`hklm\sam`:                                          {"the accounts database", true},
	`hklm\security`:                                     {"the security database", true},
	`hklm\hardware`:                                     {"a key Windows needs", true},
	`hklm\bcd00000000`:                                  {"the boot configuration", true},
	`hku\.default`:                                      {"a key Windows needs", true},
}

// controlSet matches ControlSet001 to ControlSet999, which CurrentControlSet
// is one of.
var controlSet = regexp.MustCompile(`^hklm\\system\\controlset\d{3}(\\|$)`)

// canonicalKey spells a key ID (RegKeyID) the way protectedKeys does: a
// numbered control set as CurrentControlSet, the 32-bit view
// (WOW6432Node) as the 64-bit one, HKCR and HKCC as the keys they show.
func canonicalKey(id string) string {
	if m := controlSet.FindString(id); m != "" {
		id = `hklm\system\currentcontrolset` + id[len(strings.TrimSuffix(m, `\`)):]
	}
	for _, alias := range []struct{ from, to string }{
		{`hkcr`, `hklm\software\classes`},
		{`hkcc`, `hklm\system\currentcontrolset\hardware profiles\current`},
		{`hklm\software\wow6432node`, `hklm\software`},
		{`hklm\software\classes\wow6432node`, `hklm\software\classes`},
	} {
		if id == alias.from || strings.HasPrefix(id, alias.from+`\`) {
			id = alias.to + id[len(alias.from):]
		}
	}
	return id
}

// ProtectedKey says why a registry key is not to be deleted, or "".
func ProtectedKey(key string) string {
	id, err := RegKeyID(key)
	if err != nil {
		return ""
	}
	if strings.HasSuffix(id, `\`) {
		return "a registry root"
	}
	id = canonicalKey(id)
	var reason string
	for k := id; ; {
		if p, ok := protectedKeys[k]; ok && (k == id || p.tree) {
			reason = p.reason
			if k != id {
				reason = "inside " + reason
			}
			break
		}
		i := strings.LastIndex(k, `\`)
		if i < 0 {
			break
		}
		k = k[:i]
	}
	// A service's registration (Services\wuauserv) and what it holds.
	if rest, ok := strings.CutPrefix(id, `hklm\system\currentcontrolset\services\`); ok {
		if strings.Contains(rest, `\`) {
			return "inside a service's registration"
		}
		return "a service's registration"
	}
	return reason
}
