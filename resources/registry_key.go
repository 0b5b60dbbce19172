package resources

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// RegistryKey keeps a registry key present or absent. Deleting it deletes
// everything under it, so it is guarded like a folder (protected keys need
// allow_protected), and Backup exports it first, once, to a .reg file that
// regedit or reg import can restore.
//
// A file already at the backup path is never overwritten, nor taken for
// this run's backup unless it holds exactly what the export would write
// now: then it is the backup of a run that stopped before the delete, and
// the delete goes ahead. Any other file is refused, at plan time and again
// before the delete, so that no key is deleted without a backup of it as
// it is, and no file is lost.
//
// Restore is the way back: a present key that is missing is made by
// importing that .reg file (a backout's step), and verified by exporting
// it again, which must give the file's bytes.
type RegistryKey struct {
	Key, State     string
	Backup         string
	Restore        string
	AllowProtected bool
}

func init() {
	register(&Type{
		Name: "registry_key",
		Doc:  "Keeps a registry key present or absent; deleting it deletes everything under it.",
		Schema: Schema{
			regKeyAttr,
			{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Allowed: []string{"present", "absent"}, Doc: "`absent` deletes the key and everything under it."},
			{Name: "backup", Type: cty.String,
				Doc: "A path: before the delete, export the key once to a `.reg` file that `reg import` restores (needs `state = \"absent\"`)."},
			{Name: "restore", Type: cty.String,
				Doc: "A `.reg` file from `backup`: a missing key is imported from it and verified by exporting it again (needs `state = \"present\"`); the way a backout gives a key back."},
			{Name: "allow_protected", Type: cty.Bool, Doc: "Keys Windows needs, such as `HKLM\\SOFTWARE\\Microsoft`, are refused without it."},
		},
		Decode: func(a *Attrs) Resource {
			r := &RegistryKey{
				Key:            a.String("key"),
				State:          a.String("state"),
				Backup:         a.String("backup"),
				Restore:        a.String("restore"),
				AllowProtected: a.Bool("allow_protected"),
			}
			if a.Has("backup") && a.Known("state") && r.State != "absent" {
				a.Errorf("backup", "backup is taken before a key is deleted, so it needs state = \"absent\"")
			}
			if a.Has("restore") && a.Known("state") && r.State != "present" {
				a.Errorf("restore", "restore imports a .reg file to make a missing key, so it needs state = \"present\"")
			}
			return r
		},
	})
}

func (r *RegistryKey) Objects(h host.Host) ([]Object, error) {
	id, err := host.RegKeyID(r.Key)
	if err != nil {
		return nil, err
	}
	objs := []Object{{Key: Key{KindRegistryKey, id}, Name: r.Key}}
	if file := r.Backup + r.Restore; file != "" {
		b, err := pathObject(h, file, false)
		if err != nil {
			return nil, err
		}
		objs = append(objs, b, Object{Key: Key{KindRegistryExport, id}, Name: r.Key})
	}
	return objs, nil
}

func readRegistryExport(h host.Host, key string) (State, error) {
	ok, err := h.RegistryKeyExists(key)
	if err != nil || !ok {
		return State{"exists": "false"}, err
	}
	data, err := ExportReg(h, key)
	if err != nil {
		return nil, err
	}
	return State{"exists": "true", "sha256": digest(data)}, nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// backupHeld says why what is at the backup path (state b; same: it holds
// exactly the key's export now) cannot stand for this run's backup, or ""
// if it can, or nothing is there.
func (r *RegistryKey) backupHeld(b State, same bool) string {
	switch {
	case b["exists"] != "true":
		return ""
	case b["type"] != "file":
		return fmt.Sprintf("the backup path %s is a %s, not a file", r.Backup, b["type"])
	case !same:
		return fmt.Sprintf("the backup file %s already exists and does not hold this key as it is now (move it away, or name another backup path)", r.Backup)
	}
	return ""
}

func readRegistryKey(h host.Host, key string) (State, error) {
	ok, err := h.RegistryKeyExists(key)
	if err != nil {
		return nil, err
	}
	s := State{"exists": strconv.FormatBool(ok)}
	if reason := host.ProtectedKey(key); reason != "" {
		s["protected"] = reason
	}
	return s, nil
}

func (r *RegistryKey) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	after := maps.Clone(before)
	switch {
	case r.State == "present" && before["exists"] == "true":
		return NoChange("%s already exists", r.Key), nil
	case r.State == "present" && r.Restore != "":
		return r.diffRestore(cur)
	case r.State == "present":
		after["exists"] = "true"
		return Change{Action: Create, Before: cur, After: []State{after}}, nil
	case before["exists"] == "false":
		return NoChange("%s is already absent", r.Key), nil
	case before["protected"] != "" && !r.AllowProtected:
		return Change{}, fmt.Errorf("refusing to delete %s: it is %s (set allow_protected = true on the step if you mean it)", r.Key, before["protected"])
	}
	after["exists"] = "false"
	c := Change{Action: Delete, Before: cur, After: []State{after}}
	if r.Backup != "" {
		if why := r.backupHeld(cur[1], cur[1]["sha256"] == cur[2]["sha256"]); why != "" {
			return Change{}, fmt.Errorf("refusing to delete %s: %s", r.Key, why)
		}
		c.After = append(c.After, nil, nil)
		if cur[1]["exists"] == "false" {
			c.After[1] = State{"exists": "true", "type": "file"}
		}
	}
	return c, nil
}

// diffRestore plans the import of the .reg file: the key exported again
// afterwards must be the file, byte for byte.
func (r *RegistryKey) diffRestore(cur []State) (Change, error) {
	file := cur[1]
	switch {
	case file["exists"] != "true":
		return Change{}, fmt.Errorf("cannot restore %s: its backup %s does not exist", r.Key, r.Restore)
	case file["type"] != "file":
		return Change{}, fmt.Errorf("cannot restore %s: its backup %s is a %s, not a file", r.Key, r.Restore, file["type"])
	}
	after := maps.Clone(cur[0])
	after["exists"] = "true"
	return Change{Action: Create, Before: cur, After: []State{after, nil, {"exists": "true", "sha256": file["sha256"]}},
		Reason: fmt.Sprintf("imported from %s", r.Restore)}, nil
}

func (r *RegistryKey) Apply(_ context.Context, h host.Host, c Change) error {
	if c.Action == Create && r.Restore != "" {
		data, err := h.ReadFile(r.Restore)
		if err != nil {
			return err
		}
		if err := ImportReg(h, r.Key, data); err != nil {
			return fmt.Errorf("import %s: %w", r.Restore, err)
		}
		return nil
	}
	if c.Action == Create {
		return h.CreateRegistryKey(r.Key)
	}
	if r.Backup != "" {
		if err := r.backup(h); err != nil {
			return err
		}
	}
	return h.DeleteRegistryKey(r.Key)
}

// backup exports the key to the backup file, unless that file holds the
// export already; any other file there stops the delete (the host may
// have changed since the plan).
func (r *RegistryKey) backup(h host.Host) error {
	data, err := ExportReg(h, r.Key)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	b, err := readPath(h, r.Backup, false)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if b["exists"] == "true" {
		if why := r.backupHeld(b, b["sha256"] == digest(data)); why != "" {
			return fmt.Errorf("refusing to delete %s: %s", r.Key, why)
		}
		return nil
	}
	if err := h.MkdirAll(parentDir(r.Backup)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := h.WriteFile(r.Backup, data); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

var longRoots = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG",
}

// ExportReg writes key and everything under it as regedit does: "Windows
// Registry Editor Version 5.00", UTF-16 with a byte-order mark, CRLF.
func ExportReg(h host.Host, key string) ([]byte, error) {
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n")
	if err := exportKey(&b, h, key); err != nil {
		return nil, err
	}
	u := utf16.Encode([]rune(b.String()))
	out := []byte{0xff, 0xfe}
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out, nil
}

func exportKey(b *strings.Builder, h host.Host, key string) error {
	root, path, err := host.SplitRegKey(key)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\r\n[%s\\%s]\r\n", longRoots[root], path)
	vals, err := h.RegistryValues(key)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		v := vals[name]
		n := `"` + regEscape(name) + `"`
		if name == "" {
			n = "@"
		}
		fmt.Fprintf(b, "%s=%s\r\n", n, regFileData(v))
	}
	subs, err := h.RegistrySubkeys(key)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if err := exportKey(b, h, key+`\`+s); err != nil {
			return err
		}
	}
	return nil
}

func regEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// regFileData is a value's data in .reg syntax.
func regFileData(v host.RegValue) string {
	utf16z := func(items ...string) []byte {
		var out []byte
		for _, it := range items {
			for _, c := range utf16.Encode([]rune(it)) {
				out = binary.LittleEndian.AppendUint16(out, c)
			}
			out = append(out, 0, 0)
		}
		return out
	}
	hexList := func(prefix string, data []byte) string {
		parts := make([]string, len(data))
		for i, c := range data {
			parts[i] = fmt.Sprintf("%02x", c)
		}
		return prefix + strings.Join(parts, ",")
	}
	switch v.Type {
	case "string":
		return `"` + regEscape(v.Data) + `"`
	case "dword":
		n, _ := strconv.ParseUint(v.Data, 10, 32)
		return fmt.Sprintf("dword:%08x", n)
	case "qword":
		n, _ := strconv.ParseUint(v.Data, 10, 64)
		return hexList("hex(b):", binary.LittleEndian.AppendUint64(nil, n))
	case "expand_string":
		return hexList("hex(2):", utf16z(v.Data))
	case "multi_string":
		return hexList("hex(7):", append(utf16z(strings.Split(v.Data, "\n")...), 0, 0))
	}
	data := make([]byte, len(v.Data)/2)
	for i := range data {
		c, _ := strconv.ParseUint(v.Data[2*i:2*i+2], 16, 8)
		data[i] = byte(c)
	}
	return hexList("hex:", data)
}
