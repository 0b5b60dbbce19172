package host

import (
	"fmt"
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

// protectedKeys are keys whose deletion would break Windows.
var protectedKeys = map[string]bool{
	`hklm\software`: true, `hklm\system`: true, `hklm\system\currentcontrolset`: true,
	`hklm\system\currentcontrolset\services`: true, `hklm\system\currentcontrolset\control`: true,
	`hklm\software\microsoft`: true, `hklm\software\microsoft\windows`: true,
	`hklm\software\microsoft\windows\currentversion`: true, `hklm\software\microsoft\windows nt`: true,
	`hklm\software\microsoft\windows nt\currentversion`: true, `hklm\software\policies`: true,
	`hklm\software\classes`: true, `hklm\sam`: true, `hklm\security`: true,
}

// ProtectedKey says why a registry key is not to be deleted, or "".
func ProtectedKey(key string) string {
	id, err := RegKeyID(key)
	switch {
	case err != nil:
		return ""
	case !strings.Contains(id, `\`) || strings.HasSuffix(id, `\`):
		return "a registry root"
	case protectedKeys[id]:
		return "a key Windows needs"
	case strings.HasPrefix(id, `hklm\system\currentcontrolset\services\`) && strings.Count(id, `\`) == 4:
		return "a service's registration"
	}
	return ""
}
