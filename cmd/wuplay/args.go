package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wuplay/wuplay/engine"
)

// args are the parsed command line of validate, plan and apply.
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
	markdown         bool          // show
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

var errHelp = errors.New("help requested")

// parseArgs parses the arguments after the command name. It never exits:
// usage goes to usage and an error comes back.
func parseArgs(command string, argv []string, usage io.Writer) (*args, error) {
	a := &args{command: command}
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "machine-readable output: one JSON object per line")
	if command != "show" {
		fs.Var((*listFlag)(&a.vars), "var", "set a variable: `NAME=VALUE` (repeatable)")
		fs.Var((*listFlag)(&a.varFiles), "var-file", "read variables from `FILE` (.hcl or .yaml; repeatable)")
	}
	if command != "show" && command != "graph" {
		fs.StringVar(&a.host, "host", "local", "target `HOST`: local, or sim:DIR for a simulated Windows host")
	}
	if command == "plan" || command == "apply" {
		fs.Var((*listFlag)(&a.replace), "replace", "carry out the step at `ADDRESS` even if it looks done (repeatable)")
		fs.Var((*listFlag)(&a.target), "target", "plan only the step at `ADDRESS` and the steps it depends on (repeatable)")
	}
	switch command {
	case "plan":
		fs.BoolVar(&a.detailedExitcode, "detailed-exitcode", false, "exit 0 for no changes, 1 for an error, 2 for changes")
		fs.StringVar(&a.out, "out", "", "save the plan to `FILE` for review and for apply")
		fs.Var(&a.detect, "detect", "answer an endpoint manager's detection: exit 0 compliant, 1 needs the fix, 3 error\n(-detect=configmgr: print Compliant or NonCompliant and exit 0, or 3 on error)")
	case "apply":
		fs.BoolVar(&a.autoApprove, "auto-approve", false, "apply without asking")
		fs.StringVar(&a.report, "report", "", "write an audit record of the run to `FILE` (JSON)")
		fs.DurationVar(&a.lockTimeout, "lock-timeout", 0, "wait up to `DURATION` for another wuplay changing the same host")
	case "show":
		fs.BoolVar(&a.markdown, "markdown", false, "a Markdown summary for a change ticket")
	}
	what := "PLAYBOOK"
	switch command {
	case "apply":
		what = "PLAYBOOK|PLANFILE"
	case "show":
		what = "PLANFILE"
	}
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: wuplay %s [flags] %s\n\n%s\n\nFlags:\n", command, what, commands[command].help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { a.hostGiven = a.hostGiven || f.Name == "host" })
	switch fs.NArg() {
	case 0:
		if command == "show" {
			return nil, fmt.Errorf("show needs a plan file, made by wuplay plan -out FILE")
		}
		return nil, fmt.Errorf("%s needs a playbook: a file, or a shipped one such as kb910336 (wuplay list)", command)
	case 1:
		a.playbook = fs.Arg(0)
	default:
		return nil, fmt.Errorf("unexpected arguments after the playbook: %s (flags come before the playbook)", strings.Join(fs.Args()[1:], " "))
	}
	for _, v := range a.vars {
		if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
			return nil, fmt.Errorf("-var %q: want NAME=VALUE", v)
		}
	}
	if a.json && a.markdown {
		return nil, fmt.Errorf("-json and -markdown: pick one")
	}
	if a.detect != "" && (a.json || a.out != "" || a.detailedExitcode) {
		return nil, fmt.Errorf("-detect prints what the endpoint manager reads and sets the exit code: it takes no -json, -out or -detailed-exitcode")
	}
	return a, nil
}
