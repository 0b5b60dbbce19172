package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources/host"
)

// args are a parsed command line.
type args struct {
	command  string
	playbook string
	vars     []string // NAME=VALUE
	// varValues are set by the Ansible module's vars, before -var-file
	// and -var.
	varValues engine.Vars
	varFiles  []string
	host      string
	// hostGiven says that -host was given: a saved plan is applied to
	// its own host, which an explicit -host must then name.
	hostGiven bool
	noColor   bool
	json      bool
	replace   []string
	target    []string

	detailedExitcode bool          // plan
	detect           console       // plan
	out              string        // plan
	autoApprove      bool          // apply
	report           string        // apply
	lockTimeout      time.Duration // apply
	markdown         bool          // show, report
	dryRun           bool          // backout
	runExpr, junit   string        // test
	content          bool          // capture
	check, diff      bool          // fmt
	// operands are the arguments after the flags of commands that take
	// several (report, fmt) or none of a playbook's (help).
	operands []string
}

// console is the endpoint manager that plan -detect answers: "" (not
// detecting), intune or configmgr. A bare -detect is intune, whose exit
// codes suit any caller.
type console string

const (
	intune    console = "intune"
	configMgr console = "configmgr"
)

func (c *console) String() string   { return string(*c) }
func (c *console) IsBoolFlag() bool { return true }
func (c *console) Set(v string) error {
	switch strings.ToLower(v) {
	case "true", "intune":
		*c = intune
	case "configmgr":
		*c = configMgr
	case "false":
		*c = ""
	default:
		return fmt.Errorf("want -detect (Intune's exit codes) or -detect=configmgr")
	}
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// flagSet is the command's flags, bound to a. It prints nothing: the
// caller reports a mistake once, in its own words.
func flagSet(cmd *command, a *args) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	cmd.flags(fs, a)
	return fs
}

func jsonFlag(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.json, "json", false, "machine-readable output")
}

func outputFlags(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "machine-readable output: one JSON object per line")
}

func varFlags(fs *flag.FlagSet, a *args) {
	fs.Var((*listFlag)(&a.vars), "var", "set a variable: `NAME=VALUE` (repeatable)")
	fs.Var((*listFlag)(&a.varFiles), "var-file", "read variables from `FILE` (.hcl or .yaml; repeatable)")
}

func playbookFlags(fs *flag.FlagSet, a *args) {
	outputFlags(fs, a)
	varFlags(fs, a)
	fs.StringVar(&a.host, "host", "local", "target `HOST`: local, or sim:DIR for a simulated Windows host")
}

func changeFlags(fs *flag.FlagSet, a *args) {
	playbookFlags(fs, a)
	fs.Var((*listFlag)(&a.replace), "replace", "carry out the step at `ADDRESS` even if it looks done (repeatable)")
	fs.Var((*listFlag)(&a.target), "target", "plan only the step at `ADDRESS` and the steps it depends on (repeatable)")
}

func planFlags(fs *flag.FlagSet, a *args) {
	changeFlags(fs, a)
	fs.BoolVar(&a.detailedExitcode, "detailed-exitcode", false, "exit 0 for no changes, 1 for an error, 2 for changes")
	fs.StringVar(&a.out, "out", "", "save the plan to `FILE` for review and for apply")
	fs.Var(&a.detect, "detect", "answer an endpoint manager's detection: exit 0 compliant, 1 needs the fix, 3 error\n(-detect=configmgr: print Compliant or NonCompliant and exit 0, or 3 on error)")
}

func applyFlags(fs *flag.FlagSet, a *args) {
	changeFlags(fs, a)
	fs.BoolVar(&a.autoApprove, "auto-approve", false, "apply without asking (-json needs it, unless PLANFILE is a saved plan)")
	fs.StringVar(&a.report, "report", "", "write an audit record of the run to `FILE` (JSON)")
	fs.DurationVar(&a.lockTimeout, "lock-timeout", 0, "wait up to `DURATION` for another wuplay changing the same host")
}

func backoutFlags(fs *flag.FlagSet, a *args) {
	outputFlags(fs, a)
	fs.StringVar(&a.host, "host", "local", "the `HOST` the apply changed, if the report's is not reachable by its name (sim:DIR moved)")
	fs.BoolVar(&a.dryRun, "dry-run", false, "plan the backout and show it; change nothing")
	fs.BoolVar(&a.detailedExitcode, "detailed-exitcode", false, "with -dry-run: exit 0 for nothing to undo, 1 for an error, 2 for changes")
	fs.BoolVar(&a.autoApprove, "auto-approve", false, "back out without asking")
	fs.StringVar(&a.report, "report", "", "write an audit record of the backout to `FILE` (JSON)")
	fs.DurationVar(&a.lockTimeout, "lock-timeout", 0, "wait up to `DURATION` for another wuplay changing the same host")
}

func testFlags(fs *flag.FlagSet, a *args) {
	outputFlags(fs, a)
	fs.StringVar(&a.runExpr, "run", "", "run only the tests whose names match `REGEXP`")
	fs.StringVar(&a.junit, "junit", "", "also write a JUnit XML report to `FILE` (for Azure DevOps, GitLab, Jenkins)")
}

func captureFlags(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	varFlags(fs, a)
	fs.StringVar(&a.out, "out", "", "write the simulated host to the new folder `DIR`")
	fs.BoolVar(&a.content, "content", false, fmt.Sprintf("put in the content of the files of up to %d KiB under the folders steps move, empty or delete (default: names and sizes)", host.MaxCaptureContent>>10))
	fs.StringVar(&a.host, "host", "local", "the `HOST` to read: local (a Windows machine), or sim:DIR")
}

func showFlags(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "the saved plan as its JSON document")
	fs.BoolVar(&a.markdown, "markdown", false, "a Markdown summary of the saved plan for a change ticket")
}

func graphFlags(fs *flag.FlagSet, a *args) {
	varFlags(fs, a)
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "the graph as one JSON document instead of DOT")
}

func reportFlags(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "the summary as one JSON document")
	fs.BoolVar(&a.markdown, "markdown", false, "a Markdown summary for a change ticket")
}

func fmtFlags(fs *flag.FlagSet, a *args) {
	fs.BoolVar(&a.check, "check", false, "change nothing: list the files that are not formatted, and exit 1 if there are any")
	fs.BoolVar(&a.diff, "diff", false, "print the changes as a unified diff")
}

func onePlaybook(a *args, rest []string) error {
	switch len(rest) {
	case 0:
		switch a.command {
		case "show":
			return fmt.Errorf("show needs a plan file, made by wuplay plan -out FILE, or a shipped playbook (wuplay list)")
		case "backout":
			return fmt.Errorf("backout needs the report of an apply, made by wuplay apply -report FILE")
		}
		return fmt.Errorf("%s needs a playbook: a file, or a shipped one such as kb910336 (wuplay list)", a.command)
	case 1:
		a.playbook = rest[0]
		return nil
	}
	return fmt.Errorf("unexpected arguments after the playbook: %s (flags come before the playbook)", strings.Join(rest[1:], " "))
}

func noOperands(a *args, rest []string) error {
	if len(rest) > 0 {
		return fmt.Errorf("%s takes no arguments, only flags: %s", a.command, strings.Join(rest, " "))
	}
	return nil
}

func atMostOne(a *args, rest []string) error {
	if len(rest) > 1 {
		return fmt.Errorf("%s takes one command: %s", a.command, strings.Join(rest, " "))
	}
	a.operands = rest
	return nil
}

func anyFiles(a *args, rest []string) error {
	for _, arg := range rest {
		if strings.HasPrefix(arg, "-") && arg != "-" {
			return fmt.Errorf("unexpected %s after the files (flags come before the files)", arg)
		}
	}
	a.operands = rest
	return nil
}

func someFiles(a *args, rest []string) error {
	if len(rest) == 0 {
		return errors.New("report needs the hosts' dry runs: files (saved plans, plan -json output, Ansible results) or folders of them")
	}
	return anyFiles(a, rest)
}

// parseArgs parses the arguments after the command name. It is pure: it
// prints nothing, and a mistake comes back as one error, which for -h is
// flag.ErrHelp.
func parseArgs(command string, argv []string) (*args, error) {
	cmd := lookup(command)
	a := &args{command: command}
	fs := flagSet(cmd, a)
	if err := fs.Parse(argv); err != nil {
		return nil, flagError(cmd, fs, err)
	}
	fs.Visit(func(f *flag.Flag) { a.hostGiven = a.hostGiven || f.Name == "host" })
	if err := cmd.operands(a, fs.Args()); err != nil {
		return nil, err
	}
	for _, v := range a.vars {
		if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
			return nil, fmt.Errorf("-var %q: want NAME=VALUE", v)
		}
	}
	if a.json && a.markdown {
		return nil, fmt.Errorf("-json and -markdown: pick one")
	}
	if a.detailedExitcode && a.command == "backout" && !a.dryRun {
		return nil, fmt.Errorf("-detailed-exitcode goes with -dry-run")
	}
	if a.detect != "" && (a.json || a.out != "" || a.detailedExitcode) {
		return nil, fmt.Errorf("-detect prints what the endpoint manager reads and sets the exit code: it takes no -json, -out or -detailed-exitcode")
	}
	return a, nil
}

// flagError words the flag package's error for an unknown flag as one
// line with a hint: the commands that have it, or a near name among this
// command's flags.
func flagError(cmd *command, fs *flag.FlagSet, err error) error {
	name, unknown := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !unknown {
		return err
	}
	var others []string
	for _, other := range commands {
		if other != cmd && flagSet(other, &args{}).Lookup(name) != nil {
			others = append(others, other.name)
		}
	}
	if len(others) > 0 {
		return fmt.Errorf("%s has no flag -%s; it is a flag of %s", cmd.name, name, strings.Join(others, ", "))
	}
	var own []string
	fs.VisitAll(func(f *flag.Flag) { own = append(own, f.Name) })
	if s := suggest(name, own); s != "" {
		return fmt.Errorf("%s has no flag -%s; did you mean -%s?", cmd.name, name, s)
	}
	return fmt.Errorf("%s has no flag -%s", cmd.name, name)
}
