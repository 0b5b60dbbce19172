package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// command is one of wuplay's commands, in the manner of cmd/go's
// base.Command: its usage, its flags and what it runs.
type command struct {
	name string
	// usage is what follows the name in the usage line.
	usage string
	// short is the command's line in wuplay's usage; long, if any, is what
	// "wuplay help NAME" says after it.
	short, long string
	// flags declares the command's flags on fs, to be parsed into a.
	flags func(fs *flag.FlagSet, a *args)
	// operands checks and keeps what follows the flags.
	operands func(a *args, rest []string) error
	run      func(c *cli, ctx context.Context, a *args) int
}

// commands is wuplay's command table, in the order the usage lists it.
var commands []*command

func init() {
	commands = []*command{
		{name: "validate", usage: "[flags] PLAYBOOK", short: "Check a playbook without reading any host.",
			flags: playbookFlags, operands: onePlaybook, run: (*cli).validate},
		{name: "plan", usage: "[flags] PLAYBOOK", short: "Show what apply would change on the host. Changes nothing.",
			flags: planFlags, operands: onePlaybook, run: (*cli).plan},
		{name: "apply", usage: "[flags] PLAYBOOK|PLANFILE", short: "Change the host to match the playbook, then verify each change.",
			long:  "A saved plan (wuplay plan -out FILE) is applied as it was made, without asking again, if the host\nstill matches it. Otherwise apply shows the plan and asks on a terminal; -auto-approve does not ask.",
			flags: applyFlags, operands: onePlaybook, run: (*cli).apply},
		{name: "backout", usage: "[flags] REPORT", short: backoutHelp, long: backoutLong,
			flags: backoutFlags, operands: onePlaybook, run: (*cli).backout},
		{name: "show", usage: "[flags] PLANFILE|PLAYBOOK", short: "Show a saved plan, or the source of a shipped playbook.",
			long:  "A saved plan is shown as on screen, as JSON (-json), or as Markdown for a change ticket (-markdown).\nThe name of a shipped playbook (wuplay list) prints its source: wuplay show kb910336.yaml > my-kb.yaml.",
			flags: showFlags, operands: onePlaybook, run: (*cli).show},
		{name: "graph", usage: "[flags] PLAYBOOK", short: "Print the order of a playbook's steps and their dependencies, as DOT or JSON.",
			flags: graphFlags, operands: onePlaybook, run: (*cli).graph},
		{name: "fmt", usage: "[flags] [FILE|FOLDER...]", short: "Rewrite HCL playbooks in the canonical format.",
			long:  fmtHelp,
			flags: fmtFlags, operands: anyFiles, run: (*cli).fmt},
		{name: "test", usage: "[flags] [TESTFILE|PLAYBOOK|FOLDER...]", short: testHelp,
			long:  "With no argument, the test files of the current folder. A shipped playbook's name (kb910336) runs its\nshipped tests.",
			flags: testFlags, operands: anyFiles, run: (*cli).test},
		{name: "capture", usage: "-out DIR [flags] PLAYBOOK", short: captureHelp,
			flags: captureFlags, operands: onePlaybook, run: (*cli).capture},
		{name: "list", usage: "[flags]", short: "List the playbooks shipped in this binary.",
			flags: jsonFlag, operands: noOperands, run: (*cli).list},
		{name: "report", usage: "[flags] FILE|FOLDER...", short: reportHelp, long: reportLong,
			flags: reportFlags, operands: someFiles, run: (*cli).report},
		{name: "version", usage: "[flags]", short: "Print wuplay's version.",
			flags: jsonFlag, operands: noOperands, run: (*cli).version},
		{name: "help", usage: "[COMMAND]", short: "Show the help of a command.",
			flags: func(*flag.FlagSet, *args) {}, operands: atMostOne, run: (*cli).help},
	}
}

func lookup(name string) *command {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name })
	if i < 0 {
		return nil
	}
	return commands[i]
}

func (c *cli) main(ctx context.Context, argv []string) int {
	if data, ok, err := c.ansibleCall(argv); ok {
		return c.ansible(ctx, data, err)
	}
	if len(argv) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	switch argv[0] {
	case "-h", "-help", "--help":
		c.usage(c.stdout)
		return exitOK
	case "-version", "--version":
		argv = []string{"version"}
	}
	cmd := lookup(argv[0])
	if cmd == nil {
		return c.unknownCommand(argv[0])
	}
	a, err := parseArgs(cmd.name, argv[1:])
	if errors.Is(err, flag.ErrHelp) {
		c.commandHelp(c.stdout, cmd)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: %s\nRun \"wuplay help %s\" for its flags.\n", escapeLines(err.Error()), cmd.name)
		return usageExit(cmd.name, argv[1:])
	}
	return cmd.run(c, ctx, a)
}

// usageExit is the exit code of a command line that cannot be taken. It
// must not read as an answer: plan -detect's 1 is "needs the fix", and
// plan -detailed-exitcode's 2 is "has changes".
func usageExit(command string, argv []string) int {
	switch {
	case command == "plan" && slices.ContainsFunc(argv, flagIs("detect")):
		return exitDetectError
	case command == "plan" && slices.ContainsFunc(argv, flagIs("detailed-exitcode")):
		return exitError
	}
	return exitUsage
}

// flagIs matches an argument that is the flag name, in any of the flag
// package's spellings (-name, --name, -name=value).
func flagIs(name string) func(string) bool {
	return func(arg string) bool {
		n, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		return strings.HasPrefix(arg, "-") && n == name
	}
}

func (c *cli) unknownCommand(name string) int {
	msg := fmt.Sprintf("unknown command %q", name)
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if head, ok := fileHead(name); ok {
		first := "plan"
		if isPlanFile(head) {
			first = "show"
		}
		msg += fmt.Sprintf(`; name a command first, such as "wuplay %s %s" or "wuplay apply %s"`, first, name, name)
	} else if strings.HasPrefix(name, "-") {
		msg += "; a command comes first, then its flags"
	}
	fmt.Fprintf(c.stderr, "Error: %s\nRun \"wuplay help\" for the commands.\n", escapeLines(msg))
	return exitUsage
}

// fileHead returns the start of a regular file, enough to tell a saved
// plan from a playbook.
func fileHead(name string) ([]byte, bool) {
	// Stat first: opening a named pipe would wait for a writer.
	if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return head[:n], true
}

// suggest returns the candidate nearest to name, if one is near enough to
// be a slip of the keyboard: a third of its letters, at least one, where
// swapping two neighbours counts once.
func suggest(name string, candidates []string) string {
	best, bestDist := "", max(1, len(name)/3)+1
	for _, c := range candidates {
		d := levenshtein.Distance(name, c, nil)
		if swapped(name, c) {
			d = 1
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// swapped reports whether a and b differ only by two neighbours swapped.
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, `Usage: wuplay COMMAND [flags] PLAYBOOK

wuplay turns a Microsoft KB fix procedure into a playbook of desired states
and reconciles a Windows machine to it.

Commands:
`)
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.short)
	}
	fmt.Fprint(w, `
PLAYBOOK is a .hcl or .yaml file, or the name of a shipped playbook such as
kb910336. "wuplay help COMMAND" shows a command's flags.
`)
}

// commandHelp prints a command's usage, what it does and its flags.
func (c *cli) commandHelp(w io.Writer, cmd *command) {
	fmt.Fprintf(w, "Usage: wuplay %s %s\n\n%s\n", cmd.name, cmd.usage, cmd.short)
	if cmd.long != "" {
		fmt.Fprintf(w, "\n%s\n", cmd.long)
	}
	fs := flagSet(cmd, &args{})
	if hasFlags(fs) {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func (c *cli) help(_ context.Context, a *args) int {
	if len(a.operands) == 0 {
		c.usage(c.stdout)
		return exitOK
	}
	cmd := lookup(a.operands[0])
	if cmd == nil {
		return c.unknownCommand(a.operands[0])
	}
	c.commandHelp(c.stdout, cmd)
	return exitOK
}
