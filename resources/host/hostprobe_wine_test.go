//go:build !windows

package host_test

// The Windows registry backend (registry_windows.go) and the recursive
// delete (remove_windows.go) run for real under Wine: a Windows build of
// testdata/wine/hostprobe calls host.Local() in a Wine prefix and prints
// what it got, and Wine's own reg and the prefix's drive_c, read from
// Linux, check the result from outside.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/resources/host/winetest"
)

func TestLocalRegistryUnderWine(t *testing.T) {
	probe := newProbe(t, "hostprobe")
	w := probe.w
	const key = `HKLM\SOFTWARE\WuplayTest`
	t.Cleanup(func() { w.Run(t, "reg", "delete", key, "/f") })
	op := func(parts ...string) string { return strings.Join(parts, "|") }

	t.Run("each type written, read back, and as reg sees it", func(t *testing.T) {
		values := []struct{ name, typ, arg, data, regType, regData string }{
			{"s", "string", "hello world", "hello world", "REG_SZ", "hello world"},
			{"e", "expand_string", `%windir%\\x`, `%windir%\x`, "REG_EXPAND_SZ", `%windir%\x`},
			{"d", "dword", "4294967295", "4294967295", "REG_DWORD", "0xffffffff"},
			{"d0", "dword", "0", "0", "REG_DWORD", "0x0"},
			{"q", "qword", "18446744073709551615", "18446744073709551615", "REG_QWORD", ""},
			{"m", "multi_string", `a\nb c\nd`, "a\nb c\nd", "REG_MULTI_SZ", `a\0b c\0d`},
			{"m0", "multi_string", "", "", "REG_MULTI_SZ", ""},
			{"b", "binary", "00ff10AB", "00ff10ab", "REG_BINARY", "00FF10AB"},
			{"", "string", "the default", "the default", "REG_SZ", "the default"},
		}
		var ops, wantLines []string
		for _, v := range values {
			o := op("set", key, v.name, v.typ, v.arg)
			ops, wantLines = append(ops, o), append(wantLines, o+" ok")
		}
		for _, v := range values {
			o := op("get", key, v.name)
			ops = append(ops, o)
			wantLines = append(wantLines, o+" exists=true type="+v.typ+` data=`+quote(v.data))
		}
		want(t, probe.run(t, ops...), wantLines...)

		for _, v := range values {
			if v.typ == "qword" {
				continue // Wine's reg query prints a qword as "(null)": see the export below
			}
			typ, data := regQuery(t, w, key, v.name)
			if typ != v.regType || data != v.regData {
				t.Errorf("reg query %s /v %q: %s %q, want %s %q", key, v.name, typ, data, v.regType, v.regData)
			}
		}
		if got := regExport(t, w, key); !strings.Contains(got, `"q"=hex(b):ff,ff,ff,ff,ff,ff,ff,ff`+"\n") {
			t.Errorf("reg export %s has no q of hex(b):ff,ff,ff,ff,ff,ff,ff,ff:\n%s", key, got)
		}
	})

	t.Run("values written by reg", func(t *testing.T) {
		sub := key + `\ByReg`
		for _, a := range [][]string{
			{"/v", "s", "/t", "REG_SZ", "/d", "from reg"},
			{"/v", "d", "/t", "REG_DWORD", "/d", "42"},
			{"/v", "m", "/t", "REG_MULTI_SZ", "/d", `one\0two`},
			{"/v", "b", "/t", "REG_BINARY", "/d", "0A0b"},
			{"/v", "e", "/t", "REG_EXPAND_SZ", "/d", `%SystemRoot%\x`},
			{"/v", "n", "/t", "REG_NONE", "/d", ""},
		} {
			if out, exit := w.Run(t, append([]string{"reg", "add", sub}, append(a, "/f")...)...); exit != 0 {
				t.Fatalf("reg add %s %s: exit code %d\n%s", sub, strings.Join(a, " "), exit, out)
			}
		}
		got := probe.run(t, op("get", sub, "s"), op("get", sub, "d"), op("get", sub, "m"), op("get", sub, "b"), op("get", sub, "e"), op("get", sub, "n"))
		want(t, got,
			op("get", sub, "s")+` exists=true type=string data="from reg"`,
			op("get", sub, "d")+` exists=true type=dword data="42"`,
			op("get", sub, "m")+` exists=true type=multi_string data="one\ntwo"`,
			op("get", sub, "b")+` exists=true type=binary data="0a0b"`,
			op("get", sub, "e")+` exists=true type=expand_string data="%SystemRoot%\\x"`,
			// A type playbooks do not write reads as what it is. (Wine's reg
			// stores REG_NONE with an empty /d as two zero bytes.)
			op("get", sub, "n")+` exists=true type=none data="0000"`)
	})

	t.Run("missing keys and values", func(t *testing.T) {
		got := probe.run(t,
			op("get", key, "nothing"),
			op("get", key+`\NoSuchKey`, "x"),
			op("keyexists", key+`\NoSuchKey`),
			op("delete", key, "nothing"),
			op("delete", key+`\NoSuchKey`, "x"),
			op("deletekey", key+`\NoSuchKey`))
		want(t, got,
			op("get", key, "nothing")+` exists=false type= data=""`,
			op("get", key+`\NoSuchKey`, "x")+` exists=false type= data=""`,
			op("keyexists", key+`\NoSuchKey`)+" exists=false",
			op("delete", key, "nothing")+" ok",
			op("delete", key+`\NoSuchKey`, "x")+" ok",
			op("deletekey", key+`\NoSuchKey`)+" ok")
	})

	t.Run("a value deleted", func(t *testing.T) {
		got := probe.run(t, op("set", key, "gone", "dword", "1"), op("delete", key, "gone"), op("get", key, "gone"))
		want(t, got,
			op("set", key, "gone", "dword", "1")+" ok",
			op("delete", key, "gone")+" ok",
			op("get", key, "gone")+` exists=false type= data=""`)
		if out, exit := w.Run(t, "reg", "query", key, "/v", "gone"); exit == 0 {
			t.Errorf("reg query %s /v gone: exit 0 after the delete:\n%s", key, out)
		}
	})

	t.Run("data that does not fit its type", func(t *testing.T) {
		cases := map[string]string{
			op("set", key, "bad", "dword", "-1"):                   `dword "-1": want a decimal number from 0 to 4294967295`,
			op("set", key, "bad", "dword", "4294967296"):           `dword "4294967296": want a decimal number from 0 to 4294967295`,
			op("set", key, "bad", "dword", "0x10"):                 `dword "0x10": want a decimal number from 0 to 4294967295`,
			op("set", key, "bad", "binary", "abc"):                 `binary "abc": want hexadecimal digits, two a byte`,
			op("set", key, "bad", "multi_string", `a\n\nb`):        `a multi_string cannot hold an empty line`,
			op("set", key, "bad", "reg_sz", "x"):                   `unknown type "reg_sz": want one of string, expand_string, dword, qword, multi_string, binary`,
			op("set", `HKXX\SOFTWARE`, "bad", "string", "x"):       "",
			op("deletekey", `HKLM`):                                `registry key HKLM: refusing to delete a root of the registry`,
			op("set", key, "bad", "qword", "18446744073709551616"): `qword "18446744073709551616": want a decimal number from 0 to 18446744073709551615`,
		}
		var ops []string
		for o := range cases {
			ops = append(ops, o)
		}
		for i, line := range probe.run(t, append(ops, op("get", key, "bad"))...) {
			if i == len(ops) {
				if line != op("get", key, "bad")+` exists=false type= data=""` {
					t.Errorf("after the refused writes: %s", line)
				}
				continue
			}
			msg := cases[ops[i]]
			if msg == "" {
				msg = `registry key "HKXX\\SOFTWARE": it starts with HKLM`
			} else if strings.HasPrefix(ops[i], "set|") {
				msg = `registry value ` + key + `\bad: set: ` + msg
			}
			if !strings.HasPrefix(line, ops[i]+" error [] ") || !strings.Contains(line, msg) {
				t.Errorf("got  %s\nwant %s error [] ...%s...", line, ops[i], msg)
			}
		}
	})

	t.Run("access denied", func(t *testing.T) {
		// A key that lets everyone read and no one write, as HKLM\SOFTWARE
		// is to an administrator whose prompt is not elevated.
		locked := key + `\Locked`
		got := probe.run(t,
			op("readonlykey", locked),
			op("get", locked, "v"),
			op("set", locked, "v", "string", "x"),
			op("delete", locked, "v"))
		// (Creating a subkey under it would be refused on Windows, which
		// asks KEY_CREATE_SUB_KEY of the parent; Wine 8 does not check.)
		const elevate = "access is denied (ERROR_ACCESS_DENIED, 5): run wuplay from an elevated prompt (Run as administrator)"
		want(t, got,
			op("readonlykey", locked)+" ok",
			op("get", locked, "v")+` exists=false type= data=""`,
			op("set", locked, "v", "string", "x")+" error [ErrPermission,errno=5] registry key "+locked+": open for writing: "+elevate,
			op("delete", locked, "v")+" error [ErrPermission,errno=5] registry key "+locked+": open: "+elevate)
	})

	t.Run("keys created with their parents, deleted with their subkeys", func(t *testing.T) {
		deep := key + `\Tree\A\B\C`
		got := probe.run(t,
			op("createkey", deep),
			op("keyexists", deep),
			// Either spelling of a key is the same key.
			op("keyexists", `hkey_local_machine\software\wuplaytest\TREE\a`),
			op("set", key+`\Tree\A`, "v", "string", "x"),
			op("set", key+`\Tree\Other`, "w", "dword", "7"))
		want(t, got,
			op("createkey", deep)+" ok",
			op("keyexists", deep)+" exists=true",
			op("keyexists", `hkey_local_machine\software\wuplaytest\TREE\a`)+" exists=true",
			op("set", key+`\Tree\A`, "v", "string", "x")+" ok",
			op("set", key+`\Tree\Other`, "w", "dword", "7")+" ok")
		if out, exit := w.Run(t, "reg", "query", deep); exit != 0 {
			t.Fatalf("reg query %s: exit code %d after createkey\n%s", deep, exit, out)
		}

		got = probe.run(t, op("deletekey", key+`\Tree`), op("keyexists", key+`\Tree`), op("keyexists", deep), op("keyexists", key))
		want(t, got,
			op("deletekey", key+`\Tree`)+" ok",
			op("keyexists", key+`\Tree`)+" exists=false",
			op("keyexists", deep)+" exists=false",
			op("keyexists", key)+" exists=true")
		if out, exit := w.Run(t, "reg", "query", key+`\Tree`); exit == 0 {
			t.Errorf("reg query %s: exit 0 after deletekey:\n%s", key+`\Tree`, out)
		}

		want(t, probe.run(t, op("deletekey", key), op("keyexists", key)), op("deletekey", key)+" ok", op("keyexists", key)+" exists=false")
		if out, exit := w.Run(t, "reg", "query", key); exit == 0 {
			t.Errorf("reg query %s: exit 0 after deletekey:\n%s", key, out)
		}
	})
}

// quote writes data as hostprobe does (Go's %q).
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

var regValueLine = regexp.MustCompile(`^    (.*?)    (REG_\w+)    (.*)$`)

// regQuery is a value's type and data as `reg query KEY /v NAME` prints
// them (`/ve` for the default value).
func regQuery(t *testing.T, w *winetest.Prefix, key, name string) (typ, data string) {
	t.Helper()
	args := []string{"reg", "query", key, "/v", name}
	if name == "" {
		args = []string{"reg", "query", key, "/ve"}
	}
	out, exit := w.Run(t, args...)
	for _, line := range strings.Split(out, "\n") {
		if m := regValueLine.FindStringSubmatch(line); m != nil {
			return m[2], m[3]
		}
	}
	t.Fatalf("%s: exit code %d, no value in\n%s", strings.Join(args, " "), exit, out)
	return "", ""
}

// regExport is `reg export KEY` as text.
func regExport(t *testing.T, w *winetest.Prefix, key string) string {
	t.Helper()
	file := filepath.Join(w.Drive(), "wuplay-export.reg")
	defer os.Remove(file)
	if out, exit := w.Run(t, "reg", "export", key, `C:\wuplay-export.reg`, "/y"); exit != 0 {
		t.Fatalf("reg export %s: exit code %d\n%s", key, exit, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// UTF-16 little-endian with a byte order mark, CRLF line ends.
	var b strings.Builder
	for i := 2; i+1 < len(data); i += 2 {
		if c := rune(data[i]) | rune(data[i+1])<<8; c != '\r' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func TestRemoveAllUnderWine(t *testing.T) {
	probe := newProbe(t, "hostprobe")
	drive := probe.w.Drive()
	tree, outside := filepath.Join(drive, "wuplay-remove"), filepath.Join(drive, "wuplay-outside")
	t.Cleanup(func() {
		// From Linux: os.RemoveAll removes a Linux symbolic link itself.
		os.RemoveAll(tree)
		os.RemoveAll(outside)
	})
	// build makes the tree afresh: folders, files, a read-only file (Wine
	// shows a file without write permission as FILE_ATTRIBUTE_READONLY),
	// and, outside it, a folder and a file that links may lead to.
	build := func(t *testing.T) {
		t.Helper()
		os.RemoveAll(tree)
		os.RemoveAll(outside)
		files := map[string]string{
			"wuplay-remove/Download/5a1b/update.mum":  "update",
			"wuplay-remove/Download/5a1b/kb.cab":      "cab",
			"wuplay-remove/DataStore/DataStore.edb":   "edb",
			"wuplay-remove/ReadOnly.txt":              "read-only",
			"wuplay-outside/Keep/precious.txt":        "precious",
			"wuplay-outside/precious-file.txt":        "precious too",
			"wuplay-remove/Download/Empty/.placehold": "",
		}
		for rel, content := range files {
			p := filepath.Join(drive, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(filepath.Join(tree, "ReadOnly.txt"), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	outsideFiles := func(t *testing.T) {
		t.Helper()
		for rel, want := range map[string]string{"Keep/precious.txt": "precious", "precious-file.txt": "precious too"} {
			if got, err := os.ReadFile(filepath.Join(outside, filepath.FromSlash(rel))); err != nil || string(got) != want {
				t.Errorf("%s outside the tree: %q, %v; want %q untouched", rel, got, err, want)
			}
		}
	}
	const win = `C:\wuplay-remove`

	t.Run("a tree with a read-only file", func(t *testing.T) {
		build(t)
		// attrib prints "A    R       C:\wuplay-remove\ReadOnly.txt".
		if out, _ := probe.w.Run(t, "cmd", "/c", `attrib C:\wuplay-remove\ReadOnly.txt`); !strings.Contains(strings.SplitN(out, `C:\`, 2)[0], "R") {
			t.Fatalf("attrib: ReadOnly.txt is not read-only under Wine:\n%s", out)
		}
		got := probe.run(t, "removeall|"+win, "stat|"+win, "removeall|"+win)
		want(t, got,
			"removeall|"+win+" ok",
			"stat|"+win+" exists=false dir=false link=false",
			"removeall|"+win+" ok") // a missing path is no error
		if _, err := os.Lstat(tree); !os.IsNotExist(err) {
			t.Errorf("after removeall, Lstat %s: %v; want it gone", tree, err)
		}
		outsideFiles(t)
	})

	// Wine shows a Linux symbolic link to a folder as a reparse point, but
	// only to path queries (GetFileAttributes): a handle opened on it,
	// even with FILE_FLAG_OPEN_REPARSE_POINT, is the target's, and every
	// Win32 delete of it acts on the target (RemoveDirectory deletes an
	// empty target folder and leaves the link; DeleteFile deletes a linked
	// file's target). So under Wine a link cannot be removed at all, and
	// the delete must refuse, before it deletes anything, rather than
	// descend into the link or delete through it. On Windows the same
	// code removes the link itself.
	t.Run("a link to a folder outside the tree", func(t *testing.T) {
		build(t)
		if err := os.Symlink(outside, filepath.Join(tree, "Download", "Linked")); err != nil {
			t.Fatal(err)
		}
		want(t, probe.run(t, "removeall|"+win),
			"removeall|"+win+` error [] refusing to delete C:\wuplay-remove\Download\Linked: it is a symbolic link or junction that this system opens as its target (C:\wuplay-outside), so it cannot be removed without harming the target; remove the link by hand`)
		outsideFiles(t)
		untouched(t, tree, "DataStore/DataStore.edb", "Download/5a1b/update.mum", "ReadOnly.txt")
	})

	t.Run("a link to a file outside the tree", func(t *testing.T) {
		build(t)
		if err := os.Symlink(filepath.Join(outside, "precious-file.txt"), filepath.Join(tree, "DataStore", "linked.txt")); err != nil {
			t.Fatal(err)
		}
		// Wine shows no reparse point here at all; the handle's final path
		// gives the link away.
		want(t, probe.run(t, "removeall|"+win),
			"removeall|"+win+` error [] refusing to delete C:\wuplay-remove\DataStore\linked.txt: it leads through a link to C:\wuplay-outside\precious-file.txt, not to C:\wuplay-remove\DataStore\linked.txt`)
		outsideFiles(t)
		untouched(t, tree, "DataStore/DataStore.edb", "Download/5a1b/update.mum", "ReadOnly.txt")
	})

	t.Run("the path itself a link", func(t *testing.T) {
		build(t)
		dirLink, fileLink := filepath.Join(drive, "wuplay-dirlink"), filepath.Join(drive, "wuplay-filelink")
		t.Cleanup(func() { os.Remove(dirLink); os.Remove(fileLink) })
		if err := os.Symlink(outside, dirLink); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(outside, "precious-file.txt"), fileLink); err != nil {
			t.Fatal(err)
		}
		want(t, probe.run(t, `removeall|C:\wuplay-dirlink`, `removeall|C:\wuplay-filelink`),
			`removeall|C:\wuplay-dirlink error [] refusing to delete C:\wuplay-dirlink: it is a symbolic link or junction that this system opens as its target (C:\wuplay-outside), so it cannot be removed without harming the target; remove the link by hand`,
			`removeall|C:\wuplay-filelink error [] refusing to delete C:\wuplay-filelink: it leads through a link to C:\wuplay-outside\precious-file.txt, not to C:\wuplay-filelink`)
		outsideFiles(t)
	})

	// The plan read C:\wuplay-remove\Download as a folder; by the delete
	// it leads elsewhere, and the delete there is refused.
	t.Run("a folder above swapped for a link", func(t *testing.T) {
		build(t)
		download := filepath.Join(tree, "Download")
		if err := os.Rename(download, download+".old"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, download); err != nil {
			t.Fatal(err)
		}
		want(t, probe.run(t, `removeall|C:\wuplay-remove\Download\Keep`),
			`removeall|C:\wuplay-remove\Download\Keep error [] refusing to delete C:\wuplay-remove\Download\Keep: the folder above it leads to C:\wuplay-outside now; wuplay never deletes through a link`)
		outsideFiles(t)
	})

	t.Run("a file in use", func(t *testing.T) {
		build(t)
		// hostprobe holds update.mum open as most programs do (no
		// FILE_SHARE_DELETE) while it deletes: nothing is deleted, not
		// even what comes before it in the walk.
		want(t, probe.run(t, `hold|C:\wuplay-remove\Download\5a1b\update.mum`, "removeall|"+win),
			`hold|C:\wuplay-remove\Download\5a1b\update.mum ok`,
			"removeall|"+win+` error [ErrSharingViolation,errno=32] open for deletion C:\wuplay-remove\Download\5a1b\update.mum: the process cannot access the file because it is being used by another process (ERROR_SHARING_VIOLATION, 32)`)
		untouched(t, tree, "DataStore/DataStore.edb", "Download/5a1b/update.mum", "Download/5a1b/kb.cab", "ReadOnly.txt")
	})
}

// untouched fails t unless the files under root are still there.
func untouched(t *testing.T, root string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
			t.Errorf("%s: %v; want it left alone by a refused delete", rel, err)
		}
	}
}
