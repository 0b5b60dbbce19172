package host

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf16"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// localRegistry is the Windows registry, through
// golang.org/x/sys/windows/registry.
//
// Each call opens its key with only the access it needs, so that reading
// (plan) works from an ordinary prompt; changing HKLM needs an
// administrator, and an access denied says so. Keys are seen as the build's
// own architecture sees them: a 64-bit wuplay sees the 64-bit view.
type localRegistry struct{}

var regRootKeys = map[string]registry.Key{
	"HKLM": registry.LOCAL_MACHINE,
	"HKCU": registry.CURRENT_USER,
	"HKCR": registry.CLASSES_ROOT,
	"HKU":  registry.USERS,
	"HKCC": registry.CURRENT_CONFIG,
}

// openRegKey opens key with access; a missing key is registry.ErrNotExist.
// The root alone (HKLM) opens as itself.
func openRegKey(key string, access uint32) (registry.Key, error) {
	root, path, err := SplitRegKey(key)
	if err != nil {
		return 0, err
	}
	return registry.OpenKey(regRootKeys[root], path, access)
}

func (localRegistry) RegistryValue(key, name string) (RegValue, error) {
	k, err := openRegKey(key, registry.QUERY_VALUE)
	if err == registry.ErrNotExist {
		return RegValue{}, nil
	}
	if err != nil {
		return RegValue{}, regKeyError(key, "open", err)
	}
	defer k.Close()
	data, typ, err := readRegValue(k, name)
	if err == registry.ErrNotExist {
		return RegValue{}, nil
	}
	if err != nil {
		return RegValue{}, regValueError(key, name, "read", err)
	}
	v, err := decodeRegValue(typ, data)
	if err != nil {
		return RegValue{}, regValueError(key, name, "read", err)
	}
	return v, nil
}

// readRegValue reads a value's raw bytes and type, whatever its size.
func readRegValue(k registry.Key, name string) ([]byte, uint32, error) {
	buf := make([]byte, 256)
	for {
		n, typ, err := k.GetValue(name, buf)
		switch {
		case err == nil:
			return buf[:n], typ, nil
		case err == registry.ErrShortBuffer && n > len(buf):
			buf = make([]byte, n)
		default:
			return nil, 0, err
		}
	}
}

// regTypeNames name the types that playbooks do not write, so that a value
// of one still reads as what it is.
var regTypeNames = map[uint32]string{
	registry.NONE:                       "none",
	registry.DWORD_BIG_ENDIAN:           "dword_big_endian",
	registry.LINK:                       "link",
	registry.RESOURCE_LIST:              "resource_list",
	registry.FULL_RESOURCE_DESCRIPTOR:   "full_resource_descriptor",
	registry.RESOURCE_REQUIREMENTS_LIST: "resource_requirements_list",
}

// decodeRegValue gives a value's data as RegValue's canonical text.
func decodeRegValue(typ uint32, data []byte) (RegValue, error) {
	v := RegValue{Exists: true}
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		v.Type = "string"
		if typ == registry.EXPAND_SZ {
			v.Type = "expand_string" // kept as written: %windir% is not expanded
		}
		v.Data, _, _ = strings.Cut(utf16String(data), "\x00")
	case registry.MULTI_SZ:
		v.Type = "multi_string"
		// Items end with a NUL each, and the list with one more.
		s := strings.TrimSuffix(utf16String(data), "\x00")
		s = strings.TrimSuffix(s, "\x00")
		v.Data = strings.ReplaceAll(s, "\x00", "\n")
	case registry.DWORD:
		if len(data) != 4 {
			return RegValue{}, fmt.Errorf("a dword of %d bytes, not 4", len(data))
		}
		v.Type, v.Data = "dword", strconv.FormatUint(uint64(binary.LittleEndian.Uint32(data)), 10)
	case registry.QWORD:
		if len(data) != 8 {
			return RegValue{}, fmt.Errorf("a qword of %d bytes, not 8", len(data))
		}
		v.Type, v.Data = "qword", strconv.FormatUint(binary.LittleEndian.Uint64(data), 10)
	case registry.BINARY:
		v.Type, v.Data = "binary", hex.EncodeToString(data)
	default:
		v.Type, v.Data = regTypeNames[typ], hex.EncodeToString(data)
		if v.Type == "" {
			v.Type = fmt.Sprintf("type_%d", typ)
		}
	}
	return v, nil
}

func utf16String(data []byte) string {
	u := make([]uint16, len(data)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(data[2*i:])
	}
	return string(utf16.Decode(u))
}

func (localRegistry) SetRegistryValue(key, name string, v RegValue) error {
	set, err := regSetter(v)
	if err != nil {
		return regValueError(key, name, "set", err)
	}
	root, path, err := SplitRegKey(key)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(regRootKeys[root], path, registry.SET_VALUE)
	if err != nil {
		return regKeyError(key, "open for writing", err)
	}
	defer k.Close()
	if err := set(k, name); err != nil {
		return regValueError(key, name, "set", err)
	}
	return nil
}

// regSetter checks v's type and data before anything is written, and
// returns what writes it.
func regSetter(v RegValue) (func(k registry.Key, name string) error, error) {
	noNUL := func(s string) error {
		if strings.Contains(s, "\x00") {
			return errors.New("the data holds a NUL character, which a registry string cannot")
		}
		return nil
	}
	switch v.Type {
	case "string":
		return func(k registry.Key, name string) error { return k.SetStringValue(name, v.Data) }, noNUL(v.Data)
	case "expand_string":
		return func(k registry.Key, name string) error { return k.SetExpandStringValue(name, v.Data) }, noNUL(v.Data)
	case "multi_string":
		var items []string
		if v.Data != "" {
			items = strings.Split(v.Data, "\n")
		}
		for _, item := range items {
			if item == "" {
				// Windows reads a multi-string only up to its first empty item.
				return nil, errors.New("a multi_string cannot hold an empty line")
			}
		}
		return func(k registry.Key, name string) error { return k.SetStringsValue(name, items) }, noNUL(v.Data)
	case "dword":
		n, err := strconv.ParseUint(v.Data, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("dword %q: want a decimal number from 0 to 4294967295", v.Data)
		}
		return func(k registry.Key, name string) error { return k.SetDWordValue(name, uint32(n)) }, nil
	case "qword":
		n, err := strconv.ParseUint(v.Data, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("qword %q: want a decimal number from 0 to 18446744073709551615", v.Data)
		}
		return func(k registry.Key, name string) error { return k.SetQWordValue(name, n) }, nil
	case "binary":
		b, err := hex.DecodeString(v.Data)
		if err != nil {
			return nil, fmt.Errorf("binary %q: want hexadecimal digits, two a byte", v.Data)
		}
		return func(k registry.Key, name string) error { return k.SetBinaryValue(name, b) }, nil
	}
	return nil, fmt.Errorf("unknown type %q: want one of %s", v.Type, strings.Join(RegTypes, ", "))
}

func (localRegistry) DeleteRegistryValue(key, name string) error {
	k, err := openRegKey(key, registry.SET_VALUE)
	if err == registry.ErrNotExist {
		return nil
	}
	if err != nil {
		return regKeyError(key, "open", err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && err != registry.ErrNotExist {
		return regValueError(key, name, "delete", err)
	}
	return nil
}

func (localRegistry) RegistryKeyExists(key string) (bool, error) {
	k, err := openRegKey(key, registry.QUERY_VALUE)
	switch err {
	case nil:
		k.Close()
		return true, nil
	case registry.ErrNotExist:
		return false, nil
	case windows.ERROR_ACCESS_DENIED:
		return true, nil // only a key that exists can refuse us
	}
	return false, regKeyError(key, "open", err)
}

func (localRegistry) CreateRegistryKey(key string) error {
	root, path, err := SplitRegKey(key)
	if err != nil {
		return err
	}
	if path == "" {
		return nil // a root always exists
	}
	// RegCreateKeyEx makes the missing keys above it too.
	k, _, err := registry.CreateKey(regRootKeys[root], path, registry.QUERY_VALUE)
	if err != nil {
		return regKeyError(key, "create", err)
	}
	return k.Close()
}

func (localRegistry) DeleteRegistryKey(key string) error {
	root, path, err := SplitRegKey(key)
	if err != nil {
		return err
	}
	if path == "" {
		return fmt.Errorf("registry key %s: refusing to delete a root of the registry", key)
	}
	failed, err := deleteRegTree(regRootKeys[root], path)
	switch {
	case err == nil || err == registry.ErrNotExist && failed == path:
		return nil
	case failed != path:
		return regKeyError(key, `delete subkey `+strings.TrimPrefix(failed, path+`\`), err)
	}
	return regKeyError(key, "delete", err)
}

// deleteRegTree deletes path under root, its subkeys first (RegDeleteKey
// deletes only a key without subkeys), and names the key it failed on. A
// subkey that another program deletes meanwhile is no error.
func deleteRegTree(root registry.Key, path string) (failed string, err error) {
	k, err := registry.OpenKey(root, path, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return path, err
	}
	names, err := k.ReadSubKeyNames(-1)
	k.Close()
	if err != nil {
		return path, err
	}
	for _, n := range names {
		sub := path + `\` + n
		if failed, err := deleteRegTree(root, sub); err != nil && !(err == registry.ErrNotExist && failed == sub) {
			return failed, err
		}
	}
	return path, registry.DeleteKey(root, path)
}

func regKeyError(key, op string, err error) error {
	return fmt.Errorf("registry key %s: %s: %w", key, op, regCause(err))
}

func regValueError(key, name, op string, err error) error {
	if name == "" {
		name = "(Default)" // as regedit names it
	}
	return fmt.Errorf("registry value %s\\%s: %s: %w", strings.TrimRight(key, `\`), name, op, regCause(err))
}

// regCause tells an administrator what to do about an access denied, and
// gives other Windows errors their code.
func regCause(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if errno == windows.ERROR_ACCESS_DENIED {
			return sysError{errElevate, err}
		}
		return fmt.Errorf("%w (error %d)", err, uint32(errno))
	}
	return err
}
