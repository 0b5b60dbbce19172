package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// args are the parsed command line of validate, plan and apply.
type args struct {
	command  string
	playbook string
	vars     []string // NAME=VALUE
	varFiles []string
	host     string
	noColor  bool
	json     bool
	replace  []string

	detailedExitcode bool // plan
	autoApprove      bool // apply
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
	fs.Var((*listFlag)(&a.vars), "var", "set a variable: `NAME=VALUE` (repeatable)")
	fs.Var((*listFlag)(&a.varFiles), "var-file", "read variables from `FILE` (.hcl or .yaml; repeatable)")
	fs.StringVar(&a.host, "host", "local", "target `HOST`: local, or sim:DIR for a simulated Windows host")
	fs.BoolVar(&a.noColor, "no-color", false, "no colour in output")
	fs.BoolVar(&a.json, "json", false, "machine-readable output: one JSON object per line")
	if command == "plan" || command == "apply" {
		fs.Var((*listFlag)(&a.replace), "replace", "carry out the step at `ADDRESS` even if it looks done (repeatable)")
	}
	if command == "plan" {
		fs.BoolVar(&a.detailedExitcode, "detailed-exitcode", false, "exit 0 for no changes, 1 for an error, 2 for changes")
	}
	if command == "apply" {
		fs.BoolVar(&a.autoApprove, "auto-approve", false, "apply without asking")
	}
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: wuplay %s [flags] PLAYBOOK\n\n%s\n\nFlags:\n", command, commands[command].help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	switch fs.NArg() {
	case 0:
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
	return a, nil
}
