package resources

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// probeTimeout bounds a guard command run at plan time, or the step's
// timeout if that is shorter: a plan must not wait on a guard longer than
// on the command it guards.
const probeTimeout = time.Minute

// Command runs a program that has no state to compare, such as netsh
// winsock reset. Its guards say when it is done or not needed: creates (a
// path whose existence means done), removes (a path whose absence means
// not needed), unless (a command whose success means done) and only_if (a
// command whose failure means not needed). Without a guard it always runs,
// and the plan says so: it is the only step a second run may repeat.
type Command struct {
	Run            []string
	Shell          bool
	Creates        string
	Removes        string
	Unless, OnlyIf []string
	Timeout        time.Duration
	ExitCodes      []int
	RebootRequired bool
}

func init() {
	// A command is a list of the program and its arguments, or with
	// shell = true one command line.
	command := func(name, doc string) Attribute {
		return Attribute{Name: name, Type: cty.List(cty.String), Lone: true, Doc: doc}
	}
	run := command("run", "The program and its arguments, as a list; a command line only with `shell = true`.")
	run.Required = true
	register(&Type{
		Name:    "command",
		Trigger: "run_on",
		Doc:     "Runs a program that has no state to compare; its guards say when it is done or not needed. Guard commands run at plan time and must change nothing.",
		Schema: Schema{
			run,
			{Name: "shell", Type: cty.Bool, Doc: "Run `run`, `unless` and `only_if` through the shell (`cmd /c`, `sh -c`)."},
			{Name: "creates", Type: cty.String, Doc: "A path whose existence means done."},
			{Name: "removes", Type: cty.String, Doc: "A path whose absence means not needed."},
			command("unless", "A command whose success means done."),
			command("only_if", "A command whose failure means not needed."),
			{Name: "timeout", Type: cty.String, Default: cty.StringVal("5m"), Check: positiveDuration, Doc: "How long it may run, a duration."},
			{Name: "exit_codes", Type: cty.List(cty.Number), Default: cty.ListVal([]cty.Value{cty.Zero}),
				Check: each(wholeNumber(0, 1<<32-1)), Doc: "The exit codes that mean success."},
			{Name: "reboot_required", Type: cty.Bool,
				Doc: "Once it has run, the host needs a restart: the apply summary, the `-json` apply summary, the `-report` record and the Ansible result say so."},
		},
		Decode: func(a *Attrs) Resource {
			c := &Command{
				Run:            a.Strings("run"),
				Shell:          a.Bool("shell"),
				Creates:        a.String("creates"),
				Removes:        a.String("removes"),
				Unless:         a.Strings("unless"),
				OnlyIf:         a.Strings("only_if"),
				Timeout:        a.Duration("timeout"),
				ExitCodes:      a.Ints("exit_codes"),
				RebootRequired: a.Bool("reboot_required"),
			}
			if a.Known("run") && !a.Value("run").IsNull() && len(c.Run) == 0 {
				a.Errorf("run", "run is a program and its arguments, such as [\"netsh\", \"winsock\", \"reset\"]")
			}
			if a.Known("run") && a.Known("shell") && !c.Shell && len(c.Run) == 1 && strings.Contains(c.Run[0], " ") {
				a.Errorf("run", "run is a list of the program and each argument (%q is one program name); write it as a list, or set shell = true", c.Run[0])
			}
			return c
		},
	})
}

// Objects are the command's guards: the paths of creates and removes,
// the commands of unless and only_if.
func (c *Command) Objects(h host.Host) ([]Object, error) {
	var objs []Object
	for _, p := range []string{c.Creates, c.Removes} {
		if p != "" {
			o, err := pathObject(h, p, false)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
	}
	for _, g := range [][]string{c.Unless, c.OnlyIf} {
		if len(g) > 0 {
			objs = append(objs, Object{Key: Key{KindProbe, strings.Join(g, "\x00")}, Name: strings.Join(g, " "), Probe: g, Shell: c.Shell,
				Timeout: min(c.Timeout, probeTimeout)})
		}
	}
	return objs, nil
}

func (c *Command) Diff(cur []State, force bool) (Change, error) {
	i := 0
	next := func() State { i++; return cur[i-1] }
	line := strings.Join(c.Run, " ")
	var guarded bool
	if c.Creates != "" {
		guarded = true
		if next()["exists"] == "true" && !force {
			return NoChange("%s exists (creates)", c.Creates), nil
		}
	}
	if c.Removes != "" {
		guarded = true
		if next()["exists"] == "false" && !force {
			return NoChange("%s does not exist (removes)", c.Removes), nil
		}
	}
	if len(c.Unless) > 0 {
		guarded = true
		if next()["exit"] == "0" && !force {
			return NoChange("unless %q succeeded", strings.Join(c.Unless, " ")), nil
		}
	}
	if len(c.OnlyIf) > 0 {
		guarded = true
		if next()["exit"] != "0" && !force {
			return NoChange("only_if %q failed", strings.Join(c.OnlyIf, " ")), nil
		}
	}
	reason := "run " + line
	if !guarded && !force {
		reason += " (always runs: no creates, removes, unless or only_if)"
	}
	if c.RebootRequired {
		reason += "; the host needs a restart afterwards"
	}
	return Change{Action: Run, Before: cur, After: make([]State, len(cur)), Reason: reason}, nil
}

func (c *Command) NeedsReboot() bool { return c.RebootRequired }

func (c *Command) Apply(ctx context.Context, h host.Host, ch Change) error {
	exit, out, err := h.Run(ctx, c.Run, c.Shell, c.Timeout)
	if err != nil {
		return err
	}
	if !slices.Contains(c.ExitCodes, exit) {
		return fmt.Errorf("%s exited %d (accepted: %v): %s", strings.Join(c.Run, " "), exit, c.ExitCodes, strings.TrimSpace(out))
	}
	return nil
}
