package main

// These tests run wuplay (the test binary, as testscript.Main sets it up)
// on a real pseudo-terminal: the child is the leader of a session whose
// controlling terminal is the pty, as a shell would start it, so that
// terminal detection, what the terminal shows, and Ctrl-C typed on it
// (a byte 3 that the line discipline turns into SIGINT for the foreground
// process group) are the kernel's, not a test's stand-in.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// onTerminal is wuplay running with a pty as its controlling terminal.
type onTerminal struct {
	t      *testing.T
	master *os.File
	done   chan struct{}
	exit   int

	mu  sync.Mutex
	out strings.Builder
}

// runOnTerminal starts wuplay with args, its stdout and stderr on a new
// pty, and its stdin on the pty too unless stdin is given.
func runOnTerminal(t *testing.T, stdin *os.File, env []string, args ...string) *onTerminal {
	t.Helper()
	wuplay, err := exec.LookPath("wuplay")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wuplay, args...)
	cmd.Env = append(os.Environ(), env...)
	return startOnTerminal(t, cmd, stdin)
}

// startOnTerminal starts cmd as runOnTerminal does.
func startOnTerminal(t *testing.T, cmd *exec.Cmd, stdin *os.File) *onTerminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 200}); err != nil {
		t.Fatal(err)
	}
	if stdin == nil {
		stdin = slave
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 1}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &onTerminal{t: t, master: master, done: make(chan struct{})}
	var reading sync.WaitGroup
	reading.Go(func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil { // EIO once the child and our copy of the slave are closed
				return
			}
		}
	})
	go func() {
		cmd.Wait()
		r.exit = cmd.ProcessState.ExitCode()
		reading.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *onTerminal) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// expect waits until the terminal shows text, and fails the test if
// wuplay ends first.
func (r *onTerminal) expect(text string) {
	r.t.Helper()
	deadline := time.After(time.Minute)
	for !strings.Contains(r.output(), text) {
		select {
		case <-r.done:
			if strings.Contains(r.output(), text) {
				return
			}
			r.t.Fatalf("wuplay ended (exit %d) without showing %q:\n%q", r.exit, text, r.output())
		case <-deadline:
			r.t.Fatalf("the terminal does not show %q after a minute:\n%q", text, r.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wait waits for wuplay to end and returns its exit code and all it showed.
func (r *onTerminal) wait() (int, string) {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(2 * time.Minute):
		r.t.Fatalf("wuplay runs on after two minutes:\n%q", r.output())
	}
	return r.exit, r.output()
}

// typeOn types s on the terminal's keyboard.
func (r *onTerminal) typeOn(s string) {
	r.t.Helper()
	if _, err := r.master.WriteString(s); err != nil {
		r.t.Fatal(err)
	}
}

var colour = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// What a terminal is, and what it shows: colour only on a terminal that
// takes it, and never when NO_COLOR or TERM=dumb says no.
func TestTerminalDetection(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for name, tt := range map[string]struct {
		stdin    *os.File
		env      []string
		args     []string
		exit     int
		want     string
		colour   bool
		noEscape bool
	}{
		"stdin from /dev/null is no terminal: apply does not ask": {
			stdin: devNull, args: []string{"apply"}, exit: 1,
			want: "apply asks for approval on a terminal, and this is not one",
		},
		"a terminal gets colour": {
			args: []string{"plan"}, want: "Plan: 3 to change", colour: true,
		},
		"NO_COLOR": {
			env: []string{"NO_COLOR=1"}, args: []string{"plan"}, want: "Plan: 3 to change",
		},
		"TERM=dumb": {
			env: []string{"TERM=dumb"}, args: []string{"plan"}, want: "Plan: 3 to change", noEscape: true,
		},
		"-no-color": {
			args: []string{"plan", "-no-color"}, want: "Plan: 3 to change",
		},
	} {
		t.Run(name, func(t *testing.T) {
			args := append(tt.args, "-host", "sim:"+brokenHost(t), "kb910336")
			env := append([]string{"TERM=xterm", "NO_COLOR="}, tt.env...)
			exit, out := runOnTerminal(t, tt.stdin, env, args...).wait()
			if exit != tt.exit || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want %d and %q in:\n%s", exit, tt.exit, tt.want, out)
			}
			if got := colour.MatchString(out); got != tt.colour {
				t.Errorf("colour %v, want %v:\n%q", got, tt.colour, out)
			}
			if tt.noEscape && strings.Contains(out, "\x1b") {
				t.Errorf("escape codes on a dumb terminal:\n%q", out)
			}
		})
	}
}

// On a terminal, apply asks, and goes ahead on "yes" typed there.
func TestApplyAsksOnARealTerminal(t *testing.T) {
	dir := brokenHost(t)
	term := runOnTerminal(t, nil, nil, "apply", "-host", "sim:"+dir, "kb910336")
	term.expect("Enter a value: ")
	term.typeOn("yes\r")
	if exit, out := term.wait(); exit != 0 || !strings.Contains(out, "Apply complete! 3 changed") {
		t.Fatalf("exit %d:\n%s", exit, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "drive", "c", "Windows", "SDTemp")); err != nil {
		t.Error(err)
	}
}

// A long wait shows its progress on one line, rewritten in place each
// second, and cleared for the line that says how the step ended.
func TestProgressInPlaceOnTerminal(t *testing.T) {
	for name, tt := range map[string]struct {
		term, clear string
	}{
		"xterm":     {"TERM=xterm", "\r\x1b[K"},
		"TERM=dumb": {"TERM=dumb", "   \r"}, // blanks over what was there
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"drive/c/.keep": "",
				"host.yaml":     "services:\n  wuauserv: {state: running, hangs_on_stop: true}\n",
				"stop.hcl":      "playbook \"stop\" {}\nservice \"stop\" {\n  name    = \"wuauserv\"\n  state   = \"stopped\"\n  timeout = \"3s\"\n}\n",
			})
			_, out := runOnTerminal(t, nil, []string{tt.term}, "apply", "-auto-approve", "-host", "sim:"+dir, filepath.Join(dir, "stop.hcl")).wait()
			start := strings.Index(out, "service.stop: stop...\r\n")
			end := strings.Index(out, "service.stop: stop failed after")
			if start < 0 || end < start {
				t.Fatalf("no start and end of the step:\n%q", out)
			}
			progress := out[start+len("service.stop: stop...\r\n") : end]
			if strings.Contains(progress, "\n") {
				t.Errorf("progress takes more than one line:\n%q", progress)
			}
			// A tick is due each second of the 3 s wait; a busy machine may
			// deliver one late, so only the first is pinned.
			if !strings.HasPrefix(progress, "\rservice.stop: still stopping... [1s elapsed, STOP_PENDING]") {
				t.Errorf("progress does not start with the first tick:\n%q", progress)
			}
			if strings.Count(progress, "\rservice.stop: still stopping...") < 2 {
				t.Errorf("progress shown fewer than twice in 3 s:\n%q", progress)
			}
			if !strings.HasSuffix(progress, tt.clear) {
				t.Errorf("the progress line is not cleared with %q:\n%q", tt.clear, progress)
			}
		})
	}
}

// Ctrl-C typed on the terminal while a command step runs: wuplay says
// what it waits for, the command (in a process group of its own) is not
// interrupted and finishes, and no further step starts. A second Ctrl-C
// cuts the command short.
func TestCtrlCOnTerminal(t *testing.T) {
	for _, presses := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d presses", presses), func(t *testing.T) {
			dir := t.TempDir()
			p := func(name string) string { return filepath.Join(dir, name) }
			writeFiles(t, dir, map[string]string{"ctrlc.hcl": `playbook "ctrlc" {}

command "wait" {
  run   = "touch ` + p("started") + `; while [ ! -e ` + p("go") + ` ]; do sleep 0.05; done; touch ` + p("finished") + `"
  shell = true
}

file "after" {
  path    = "` + p("after") + `"
  content = "x"
}
`})
			term := runOnTerminal(t, nil, []string{"WUPLAY_STATE_DIR=" + dir}, "apply", "-auto-approve", "-host", "local", p("ctrlc.hcl"))
			term.expect("command.wait: run...")
			for { // the shell runs the command
				if _, err := os.Stat(p("started")); err == nil {
					break
				}
				select {
				case <-term.done:
					t.Fatalf("wuplay ended before the command started:\n%s", term.output())
				case <-time.After(20 * time.Millisecond):
				}
			}
			term.typeOn("\x03")
			term.expect("Interrupt received: the step in flight (command.wait) finishes, then what was changed is put back. Press Ctrl-C again to cut that step short; what was changed is put back all the same.")
			if presses == 1 {
				if err := os.WriteFile(p("go"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				term.typeOn("\x03")
				term.expect("Interrupt received again: cutting the step in flight (command.wait) short, then what was changed is put back.")
			}
			exit, out := term.wait()
			if exit != 1 || !strings.Contains(out, "Apply interrupted") {
				t.Errorf("exit %d, want 1 and an interrupted apply:\n%s", exit, out)
			}
			_, err := os.Stat(p("finished"))
			if finished := err == nil; finished != (presses == 1) {
				t.Errorf("the command finished: %v, want %v\n%s", finished, presses == 1, out)
			}
			if _, err := os.Stat(p("after")); err == nil {
				t.Error("the step after the interrupt ran")
			}
		})
	}
}
