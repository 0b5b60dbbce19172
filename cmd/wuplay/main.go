// Command wuplay reconciles a machine to a KB playbook: it reads the
// machine, plans the smallest set of changes, shows them, applies them in
// order and verifies each.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wuplay/wuplay/engine/views"
)

func main() { os.Exit(Main()) }

// Exit codes, as terraform has them.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2 // a command line that wuplay cannot take, as cmd/go
	exitChanges = 2 // plan -detailed-exitcode

	// plan -detect answers as Intune's detection scripts do: 1 says the
	// fix is needed, so an error must be another code. 3 is the one the
	// endpoint scripts have used for "could not tell".
	exitNeedsFix    = 1
	exitDetectError = 3
)

// cli is one run of the command line, with its streams.
type cli struct {
	// program is the name wuplay was run by (os.Args[0]): Ansible runs a
	// binary module by a name of its own.
	program string
	stdin   *bufio.Reader
	stdout  io.Writer
	stderr  io.Writer
	// terminal says whether stdin and stdout are a terminal: only then does
	// apply ask.
	terminal bool
	// screen is what stdout shows: progress in place, colour.
	screen screen
	// interrupts gives Ctrl-C its meaning; nil where no signal comes.
	interrupts *interrupts
}

// Main runs wuplay with the process's arguments and returns its exit code.
// It is the only place that decides one.
func Main() int {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ask, screen, restore := detectTerminal(os.Stdin, os.Stdout, os.Getenv)
	defer restore()
	c := &cli{
		program:    os.Args[0],
		stdin:      bufio.NewReader(os.Stdin),
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		terminal:   ask,
		screen:     screen,
		interrupts: newInterrupts(stop, os.Stderr),
	}
	// A terminal that hangs up (a dropped ssh session) and a service
	// manager or endpoint agent that stops wuplay end a run as Ctrl-C
	// does (Go gives SIGTERM for a console closed on Windows too). A
	// closed output ends nothing: its writes fail, and an apply goes on to
	// its end, its report and its record.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		for range sigs {
			c.interrupts.interrupt()
		}
	}()
	return c.main(ctx, os.Args[1:])
}

// fail reports an error that has no place in a playbook.
func (c *cli) fail(err error) int {
	fmt.Fprintf(c.stderr, "Error: %s\n", escapeLines(err.Error()))
	return exitError
}

// escapeLines escapes a message of several lines (errors.Join, a stale
// plan's differences) for a terminal, and indents each line after the
// first: a newline in a name or in a host's output must not start a line
// that passes for wuplay's own ("Apply complete!").
func escapeLines(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = views.EscapeText(l)
	}
	return strings.Join(lines, "\n  ")
}

// confirm asks the question on the terminal; only "yes" approves, and
// Ctrl-C (ctx) ends the wait as a no.
func (c *cli) confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(c.stdout, "%s\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", question)
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := c.stdin.ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(c.stdout)
		return false, nil
	case a := <-got:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return false, a.err
		}
		fmt.Fprintln(c.stdout)
		return strings.TrimSpace(a.line) == "yes", nil
	}
}
