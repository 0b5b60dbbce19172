// Package winetest runs wuplay's Windows code for real under Wine, in tests
// on Linux: a Wine prefix (a fresh C: drive and registry with a running
// service control manager), Go packages cross-compiled for Windows, and
// wine commands in that prefix.
//
// A prefix takes some 15 s and 700 MB to make, so one serves a whole test
// binary: the first SharedPrefix call makes it, and Main removes it, and
// stops its wineserver, when the tests end. A package that uses it says
//
//	func TestMain(m *testing.M) { winetest.Main(m) }
//
// or, where TestMain hands m to another framework (testscript), gives it m
// wrapped so that its Run does the same:
//
//	testscript.Main(winetest.Wrap(m), commands)
//
// A package with a single test that needs Wine may instead make a prefix
// of that test's own with NewPrefix, removed when the test ends, and needs
// no TestMain.
//
// Tests share the prefix in the order they run: each leaves it as it found
// it (stops what it started, deletes the services it created) and gives the
// objects it makes names of its own.
//
// With WUPLAY_SKIP_WINE=1 the tests that need Wine skip. Otherwise a missing
// wine or mingw is installed with apt-get when the tests run as root (a
// newcomer's first `go test ./...` on a fresh Debian machine), and fails
// them, naming the command, when they do not: CI must never pass by
// skipping.
//
// Everything Wine writes goes into one temporary folder, wuplay-wine-*
// under $TMPDIR, never the user's home or ~/.wine: Wine runs with a home
// and a TMPDIR of its own inside it. If a test binary is killed before Main
// ends, that folder stays behind; its wineserver exits by itself after five
// idle minutes.
package winetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Prefix is a Wine prefix with its wineserver running persistently, as a
// Windows machine's service control manager would: services started by one
// wine command keep running after it exits (Wine otherwise stops them some
// seconds after its last ordinary program ends).
type Prefix struct {
	root   string // temporary folder: the prefix, Wine's home and TMPDIR, the shim
	dir    string // WINEPREFIX
	env    []string
	unlock func() // the machine's Wine lock
}

var shared struct {
	sync.Mutex
	inMain bool
	once   sync.Once
	p      *Prefix
	err    error
}

// TestingM runs tests: *testing.M, and what testscript.Main takes.
type TestingM interface{ Run() int }

// Main runs the tests, then stops and removes the prefix if one was made.
// Call it from TestMain; the test binary exits with the tests' result.
func Main(m *testing.M) { Wrap(m).Run() }

// Wrap returns m with a Run that runs the tests, then stops and removes
// the prefix if one was made, for a TestMain that passes m on to another
// framework rather than calling Main.
func Wrap(m TestingM) TestingM { return wrapped{m} }

type wrapped struct{ m TestingM }

func (w wrapped) Run() int {
	shared.Lock()
	shared.inMain = true
	shared.Unlock()
	defer func() {
		shared.Lock()
		defer shared.Unlock()
		if shared.p != nil {
			if err := shared.p.close(); err != nil {
				fmt.Fprintln(os.Stderr, "winetest:", err)
			}
			shared.p = nil
		}
	}()
	return w.m.Run()
}

// SharedPrefix returns the test binary's Wine prefix, making it on first
// use. It skips t if WUPLAY_SKIP_WINE=1 and fails it if Wine cannot be run.
func SharedPrefix(t testing.TB) *Prefix {
	t.Helper()
	if os.Getenv("WUPLAY_SKIP_WINE") == "1" {
		t.Skip("WUPLAY_SKIP_WINE=1: not running Windows tests under Wine")
	}
	shared.Lock()
	inMain := shared.inMain
	shared.Unlock()
	if !inMain {
		t.Fatal("winetest: the package's TestMain must call winetest.Main(m) or run winetest.Wrap(m), which remove the prefix after the tests")
	}
	shared.once.Do(func() {
		start := time.Now()
		shared.p, shared.err = newPrefix()
		if shared.err == nil {
			t.Logf("winetest: Wine prefix %s ready in %s", shared.p.dir, time.Since(start).Round(100*time.Millisecond))
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.p
}

// NewPrefix makes a Wine prefix of t's own, and stops and removes it when
// t ends: for a package with one test that needs Wine, which then needs no
// TestMain. It skips t if WUPLAY_SKIP_WINE=1 and fails it if Wine cannot
// be run.
func NewPrefix(t testing.TB) *Prefix {
	t.Helper()
	if os.Getenv("WUPLAY_SKIP_WINE") == "1" {
		t.Skip("WUPLAY_SKIP_WINE=1: not running Windows tests under Wine")
	}
	start := time.Now()
	p, err := newPrefix()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("winetest: Wine prefix %s ready in %s", p.dir, time.Since(start).Round(100*time.Millisecond))
	t.Cleanup(func() {
		if err := p.close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func newPrefix() (_ *Prefix, err error) {
	if err := requireTools(); err != nil {
		return nil, err
	}
	// One prefix at a time on a machine: go test runs packages in
	// parallel, and on two cores two wineservers starting services at once
	// slow each other past the services' own timeouts.
	unlock, err := lockFile(filepath.Join(os.TempDir(), "wuplay-winetest-run.lock"))
	if err != nil {
		return nil, fmt.Errorf("winetest: %w", err)
	}
	root, err := os.MkdirTemp("", "wuplay-wine-")
	if err != nil {
		unlock()
		return nil, fmt.Errorf("winetest: %w", err)
	}
	p := &Prefix{root: root, dir: filepath.Join(root, "prefix"), unlock: unlock}
	shim, err := moduleFile("testdata/wine/bcryptprimitives.c")
	if err != nil {
		return nil, errors.Join(err, p.close())
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, p.close())
		}
	}()
	home, tmp := filepath.Join(root, "home"), filepath.Join(root, "tmp")
	for _, dir := range []string{home, tmp} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, fmt.Errorf("winetest: %w", err)
		}
	}
	p.env = append(withoutEnv(os.Environ(), "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "WINEARCH", "DISPLAY", "WAYLAND_DISPLAY",
		"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "TMPDIR"),
		"WINEPREFIX="+p.dir,
		"WINEARCH=win64",
		"WINEDEBUG=-all",
		// No Mono or Gecko installers (they would download), and no menu
		// entries or file associations written into the home.
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		// Wine links the Windows user's Documents, Desktop and the like to
		// folders in $HOME: give it a home of its own.
		"HOME="+home,
		// wineserver's socket folder (wine-XXXXXX), which it leaves behind.
		"TMPDIR="+tmp,
	)
	dll := filepath.Join(root, "bcryptprimitives.dll")
	steps := [][]string{
		{"x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", dll, shim, "-ladvapi32"},
		{"wine", "wineboot", "--init"},
		// Restart the server in persistent mode (for at most five idle
		// minutes, in case Main never runs) and start the services under it.
		{"wineserver", "-w"},
		{"wineserver", "-p300"},
		{"wine", "wineboot"},
	}
	for _, args := range steps {
		if err := p.command(args...); err != nil {
			return nil, err
		}
	}
	// Go 1.24 and later need ProcessPrng from bcryptprimitives.dll, which
	// Wine 8 lacks: without the shim every Go program dies at start.
	data, err := os.ReadFile(dll)
	if err == nil {
		err = os.WriteFile(filepath.Join(p.Drive(), "windows", "system32", "bcryptprimitives.dll"), data, 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("winetest: installing the ProcessPrng shim: %w", err)
	}
	return p, nil
}

// command runs a setup command in the prefix's environment.
func (p *Prefix) command(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = p.env
	cmd.Dir = p.root
	out, errOut, err := run(cmd)
	if err != nil {
		return fmt.Errorf("winetest: %s: %w\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return nil
}

// run runs cmd with its output going to files, not pipes: wine leaves
// wineserver and Windows processes behind that inherit them, and a pipe
// would stay open, and cmd unfinished, until they exit.
func run(cmd *exec.Cmd) (stdout, stderr []byte, err error) {
	var files [2]*os.File
	for i := range files {
		f, err := os.CreateTemp("", "winetest-*.out")
		if err != nil {
			return nil, nil, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		files[i] = f
	}
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	err = cmd.Run()
	stdout, _ = os.ReadFile(files[0].Name())
	stderr, _ = os.ReadFile(files[1].Name())
	return stdout, stderr, err
}

// close stops the prefix's wineserver, and with it every Windows process and
// service in it, and removes the prefix.
func (p *Prefix) close() error {
	var errs []error
	if p.dir != "" {
		if _, err := os.Stat(p.dir); err == nil {
			errs = append(errs, p.command("wineserver", "-k"))
			// -k signals; -w waits until the server has gone, so that nothing
			// writes into the folder while it is removed.
			p.command("wineserver", "-w")
		}
	}
	errs = append(errs, os.RemoveAll(p.root))
	if p.unlock != nil {
		p.unlock()
		p.unlock = nil
	}
	return errors.Join(errs...)
}

// Drive is the Linux path of drive C: ($WINEPREFIX/drive_c). %windir% is
// Drive()/windows.
func (p *Prefix) Drive() string { return filepath.Join(p.dir, "drive_c") }

// Run runs `wine args...` in the prefix (args[0] is a Windows program: a
// Linux path to an .exe, or a name such as sc, reg or cmd) and returns its
// standard output with Windows line ends made Unix ones, and its exit code.
// Standard error, if any, is logged when the command fails. Run fails t if
// wine cannot be started or runs for over two minutes.
//
// The command runs in C:\ (Drive()), not in the test's folder, so that
// nothing a Windows program writes lands in the source tree.
func (p *Prefix) Run(t testing.TB, args ...string) (stdout string, exit int) {
	t.Helper()
	stdout, stderr, exit := p.Output(t, args...)
	if exit != 0 && stderr != "" {
		t.Logf("wine %s: exit code %d; stderr:\n%s", strings.Join(args, " "), exit, stderr)
	}
	return stdout, exit
}

// Output runs `wine args...` as Run does, and returns its standard error
// too (also with Unix line ends), logging nothing.
func (p *Prefix) Output(t testing.TB, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, errOut, err := run(p.Command(ctx, args...))
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("wine %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), ctx.Err(), out, errOut)
	case errors.As(err, &exitErr):
		exit = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("wine %s: %v", strings.Join(args, " "), err)
	}
	unix := func(b []byte) string { return strings.ReplaceAll(string(b), "\r", "") }
	return unix(out), unix(errOut), exit
}

// Command is `wine args...` in the prefix, as Output runs it, for a test
// that runs Windows programs side by side. Give it files, not pipes, for
// its output (see run).
func (p *Prefix) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Env = p.env
	cmd.Dir = p.Drive()
	return cmd
}

// BuildExe cross-compiles the Go package pkg (an import path, or a
// directory relative to the test's) for 64-bit Windows and returns the
// path of the .exe, in a folder removed after t.
func BuildExe(t testing.TB, pkg string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), filepath.Base(pkg)+".exe")
	cmd := exec.Command("go", "build", "-o", exe, pkg)
	cmd.Env = append(withoutEnv(os.Environ(), "GOOS", "GOARCH", "CGO_ENABLED"), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go build %s: %v\n%s", pkg, err, out)
	}
	return exe
}

// moduleFile finds a file by its path in the module that holds the test's
// working directory.
func moduleFile(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("winetest: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(rel)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("winetest: no go.mod above the working directory, so no %s", rel)
		}
		dir = parent
	}
}

// withoutEnv drops the named variables from env.
func withoutEnv(env []string, names ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
