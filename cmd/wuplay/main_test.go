package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/term"

	"github.com/wuplay/wuplay/resources/host"
)

func TestMain(m *testing.M) {
	main := func() {
		crashAt(os.Getenv("WUPLAY_SIM_KILL_AFTER"))
		os.Exit(schemaChecked(Main))
	}
	// AnsiballZ_wuplay is the name Ansible runs the module by.
	testscript.Main(m, map[string]func(){"wuplay": main, "AnsiballZ_wuplay": main})
}

// schemaChecked runs main and, when it writes JSON (-json, or as the
// Ansible module) to what is not a terminal, validates what it wrote
// against wuplay's schema: every story's JSON is checked, and a value the
// schema refuses fails the story with exit code 97.
func schemaChecked(main func() int) int {
	module := strings.HasPrefix(filepath.Base(os.Args[0]), "AnsiballZ_")
	if !module && !slices.ContainsFunc(os.Args[1:], flagIs("json")) || term.IsTerminal(int(os.Stdout.Fd())) {
		return main()
	}
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	copied := make(chan []byte)
	go func() {
		var out bytes.Buffer
		io.Copy(io.MultiWriter(stdout, &out), r)
		copied <- out.Bytes()
	}()
	code := main()
	w.Close()
	if err := checkJSON(<-copied); err != nil {
		fmt.Fprintf(os.Stderr, "wuplay wrote JSON that %s refuses: %v\n", schemaPath, err)
		return 97
	}
	return code
}

// crashAt makes the wuplay that the tests run die at the nth change of a
// simulated host (counting from 1), as kill -9 would: no deferred calls,
// no exit handlers. Only the test binary has it (TestCrashAtEveryChange).
func crashAt(n string) {
	if n == "" {
		return
	}
	at, err := strconv.Atoi(n)
	if err != nil {
		panic("WUPLAY_SIM_KILL_AFTER=" + n + ": want a number")
	}
	changes := 0
	host.BeforeSimChange = func() {
		if changes++; changes == at {
			self, _ := os.FindProcess(os.Getpid())
			self.Kill()
			select {} // Kill does not wait for the end
		}
	}
}

// TestScripts runs the command-line stories in testdata/script. Set
// WUPLAY_UPDATE=1 to rewrite their expected output.
func TestScripts(t *testing.T) {
	hosts, err := filepath.Abs("../../testdata/hosts")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: os.Getenv("WUPLAY_UPDATE") == "1",
		// A story that applies to the local host keeps its lock and its
		// records in its own folder, not in this machine's /var/lib/wuplay.
		Setup: func(env *testscript.Env) error {
			env.Setenv("WUPLAY_STATE_DIR", filepath.Join(env.WorkDir, ".wuplay-state"))
			env.Setenv("WUPLAY_TEST_SCHEMA", schema)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"host":       hostCmd(hosts),
			"hoststate":  hoststateCmd,
			"exits":      exitsCmd,
			"service":    serviceCmd,
			"event":      eventCmd,
			"lockhost":   lockhostCmd,
			"unlockhost": unlockhostCmd,
			"regfile":    regfileCmd,
			"module":     moduleCmd,
		},
	})
}

// host NAME DIR copies the simulated host testdata/hosts/NAME to DIR.
func hostCmd(hosts string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: host NAME DIR")
		}
		src := filepath.Join(hosts, args[0])
		dst := ts.MkAbs(args[1])
		ts.Check(os.CopyFS(dst, os.DirFS(src)))
	}
}

// hoststate DIR prints every folder and file of a simulated host with a
// digest of each file's bytes, host.yaml included, so that cmp can prove
// that a command changed nothing.
func hoststateCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hoststate DIR")
	}
	root := ts.MkAbs(args[0])
	ts.Check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			fmt.Fprintf(ts.Stdout(), "%s/\n", filepath.ToSlash(rel))
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(ts.Stdout(), "%s %x\n", filepath.ToSlash(rel), sha256.Sum256(data))
		return nil
	}))
}

// service DIR NAME start|stop changes a service of a simulated host by
// hand, as an administrator (or Windows itself) would between a plan and
// its apply.
func serviceCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: service DIR NAME start|stop")
	}
	h, err := host.OpenSim(ts.MkAbs(args[0]))
	ts.Check(err)
	switch args[2] {
	case "start":
		ts.Check(h.StartService(context.Background(), args[1], time.Minute))
	case "stop":
		ts.Check(h.StopService(context.Background(), args[1], time.Minute))
	default:
		ts.Fatalf("service: %q is neither start nor stop", args[2])
	}
}

// event DIR ID MESSAGE adds a Windows Update event to a simulated host's
// System log, at this moment, as Windows would log an installation.
func eventCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: event DIR ID MESSAGE")
	}
	id, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(addEvent(ts.MkAbs(args[0]), id, args[2]))
}

// lockhost DIR takes the lock of a simulated host for the rest of the
// script, or until unlockhost, as a wuplay still running would hold it.
func lockhostCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lockhost DIR")
	}
	dir := ts.MkAbs(args[0])
	h, err := host.OpenSim(dir)
	ts.Check(err)
	release, err := host.Lock(context.Background(), h, "held by a test", 0, nil)
	ts.Check(err)
	var once sync.Once
	unlock := func() { once.Do(func() { ts.Check(release()) }) }
	heldLocks.Store(dir, unlock)
	ts.Defer(unlock)
}

// heldLocks maps a simulated host's folder to what releases the lock that
// lockhost took of it.
var heldLocks sync.Map

// unlockhost DIR releases the lock that lockhost took.
func unlockhostCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unlockhost DIR")
	}
	unlock, ok := heldLocks.LoadAndDelete(ts.MkAbs(args[0]))
	if !ok {
		ts.Fatalf("unlockhost: %s is not locked by lockhost", args[0])
	}
	unlock.(func())()
}

// module DIR makes DIR an Ansible library holding the wuplay module: the
// binary that runs the scripts' wuplay, and its documentation.
func moduleCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: module DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	exe, err := os.Executable()
	ts.Check(err)
	bin, err := os.ReadFile(exe)
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "wuplay"), bin, 0o755))
	doc, err := os.ReadFile("../../ansible/library/wuplay.yml")
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "wuplay.yml"), doc, 0o644))
}

// regfile FILE prints a .reg file (UTF-16 with a byte-order mark, CRLF)
// as plain lines.
func regfileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: regfile FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xfe {
		ts.Fatalf("%s has no UTF-16 byte-order mark", args[0])
	}
	u := make([]uint16, (len(data)-2)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(data[2+2*i:])
	}
	fmt.Fprint(ts.Stdout(), strings.ReplaceAll(string(utf16.Decode(u)), "\r\n", "\n"))
}

// exits CODE PROGRAM ARGS... runs a program and checks its exit code, which
// exec cannot tell apart beyond zero and non-zero; stdout and stderr are
// kept for the assertions that follow.
func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	// The script's PATH, not the test's, holds wuplay.
	path := args[1]
	for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, args[1])); err == nil {
			path = filepath.Join(d, args[1])
			break
		}
	}
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"), "HOME="+ts.Getenv("HOME"), "WUPLAY_TEST_SCHEMA="+ts.Getenv("WUPLAY_TEST_SCHEMA"))
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	cmd.Run()
	if got := cmd.ProcessState.ExitCode(); got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}
