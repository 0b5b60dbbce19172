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
	"slices"
	"strings"
	"syscall"

	"github.com/wuplay/wuplay/engine"
)

func main() { os.Exit(Main()) }

// Exit codes, as terraform has them.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan -detailed-exitcode

	// plan -detect answers as Intune's detection scripts do: 1 says the
	// fix is needed, so an error must be another code. 3 is the one the
	// endpoint scripts have used for "could not tell".
	exitNeedsFix    = 1
	exitDetectError = 3
)

// cli is one run of the command line, with its streams.
type cli struct {
	stdin  *bufio.Reader
	stdout io.Writer
	stderr io.Writer
	// terminal says whether stdin and stdout are a terminal: only then does
	// apply ask, and does output get colour.
	terminal bool
}

type command struct {
	help string
	run  func(c *cli, ctx context.Context, argv []string) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"validate": {"Check a playbook without reading any host.", (*cli).validate},
		"plan":     {"Show what apply would change on the host. Changes nothing.", (*cli).plan},
		"apply":    {"Change the host to match the playbook, then verify each change.", (*cli).apply},
		"list":     {"List the playbooks shipped in this binary.", (*cli).list},
		"show":     {"Show a saved plan: as on screen, as JSON, or as Markdown for a change ticket.", (*cli).show},
		"graph":    {"Print the order of a playbook's steps and their dependencies as DOT.", (*cli).graph},
		"report":   {reportHelp, (*cli).report},
	}
}

// Main runs wuplay with the process's arguments and returns its exit code.
// It is the only place that decides one.
func Main() int {
	// A terminal that hangs up (a dropped ssh session) and a service
	// manager or endpoint agent that stops wuplay end a run as Ctrl-C
	// does (Go gives SIGTERM for a console closed on Windows too). A
	// closed output ends nothing: its writes fail, and an apply goes on to
	// its end, its report and its record.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	signal.Ignore(syscall.SIGPIPE)
	c := &cli{
		stdin:    bufio.NewReader(os.Stdin),
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		terminal: isTerminal(os.Stdin) && isTerminal(os.Stdout),
	}
	return c.main(ctx, os.Args[1:])
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (c *cli) main(ctx context.Context, argv []string) int {
	if len(argv) == 0 || slices.Contains([]string{"help", "-h", "-help", "--help"}, argv[0]) {
		c.usage(c.stdout)
		return exitOK
	}
	cmd, ok := commands[argv[0]]
	if !ok && len(argv) == 1 {
		if data, ok := ansibleArgsFile(argv[0]); ok {
			return c.ansible(ctx, data)
		}
	}
	if !ok {
		fmt.Fprintf(c.stderr, "wuplay: unknown command %q\n\n", argv[0])
		c.usage(c.stderr)
		return exitError
	}
	return cmd.run(c, ctx, argv[1:])
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, `Usage: wuplay COMMAND [flags] PLAYBOOK

wuplay turns a Microsoft KB fix procedure into a playbook of desired states
and reconciles a Windows machine to it.

Commands:
`)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands[name].help)
	}
	fmt.Fprint(w, `
PLAYBOOK is a .hcl or .yaml file, or the name of a shipped playbook such as
kb910336. "wuplay COMMAND -h" lists a command's flags.
`)
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
		lines[i] = engine.EscapeText(l)
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
