package resources

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
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
	register(&Type{
		Name:    "command",
		Trigger: "run_on",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "run", Required: true},
			{Name: "shell"},
			{Name: "creates"},
			{Name: "removes"},
			{Name: "unless"},
			{Name: "only_if"},
			{Name: "timeout"},
			{Name: "exit_codes"},
			{Name: "reboot_required"},
		}},
		Decode: func(a *Attrs) Resource {
			c := &Command{
				Run:            a.Strings("run"),
				Shell:          a.Bool("shell", false),
				Creates:        a.String("creates", ""),
				Removes:        a.String("removes", ""),
				Unless:         a.Strings("unless"),
				OnlyIf:         a.Strings("only_if"),
				Timeout:        a.Duration("timeout", 5*time.Minute),
				RebootRequired: a.Bool("reboot_required", false),
				ExitCodes:      []int{0},
			}
			if codes := a.Strings("exit_codes"); len(codes) > 0 {
				c.ExitCodes = nil
				for _, s := range codes {
					n, err := strconv.Atoi(s)
					if err != nil {
						a.Errorf("exit_codes", "exit_codes is a list of whole numbers")
					}
					c.ExitCodes = append(c.ExitCodes, n)
				}
			}
			if a.Known("run") && len(c.Run) == 0 {
				a.Errorf("run", "run is a program and its arguments, such as [\"netsh\", \"winsock\", \"reset\"]")
			}
			if a.Known("run") && !c.Shell && len(c.Run) == 1 && strings.Contains(c.Run[0], " ") {
				a.Errorf("run", "run is a list of the program and each argument (%q is one program name); write it as a list, or set shell = true", c.Run[0])
			}
			return c
		},
	})
}

// Strings returns a list of strings (a lone string is a list of one).
func (a *Attrs) Strings(name string) []string {
	v, ok := a.values[name]
	if !ok || v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	if v.Type() == cty.String || v.Type() == cty.Number {
		return []string{a.String(name, "")}
	}
	if !v.CanIterateElements() {
		a.Errorf(name, "%s is a list of strings", name)
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		switch {
		case e.Type() == cty.String:
			out = append(out, e.AsString())
		case e.Type() == cty.Number:
			out = append(out, e.AsBigFloat().Text('f', -1))
		default:
			a.Errorf(name, "%s is a list of strings", name)
			return nil
		}
	}
	return out
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
