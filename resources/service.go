package resources

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/resources/host"
)

// Service keeps a Windows (or simulated) service in a state.
type Service struct {
	Name      string
	State     string // running, stopped, previous, or "" to leave it
	StartType string // automatic, manual, disabled, or "" to leave it
	Timeout   time.Duration
	// StopDependents stops the running services that depend on this one
	// before stopping it; without it, they make the plan fail.
	StopDependents bool
}

func init() {
	register(&Type{
		Name:    "service",
		Trigger: "restart_on",
		Doc:     "Keeps a Windows (or systemd, or simulated) service in a state.",
		Schema: Schema{
			{Name: "name", Type: cty.String, Required: true, Doc: "The service's name (`wuauserv`), not its display name."},
			{Name: "state", Type: cty.String, Allowed: []string{host.Running, host.Stopped, previous},
				Doc: "`previous` is the state it had when the plan read it, for a service stopped only for the steps that need it. Left out, the state is left as it is."},
			{Name: "start_type", Type: cty.String, Allowed: []string{host.Automatic, host.Manual, host.Disabled, previous},
				Doc: "`previous` is the one it had when the plan read it. Left out, it is left as it is."},
			{Name: "timeout", Type: cty.String, Default: cty.StringVal("60s"), Check: positiveDuration,
				Doc: "How long a start or stop may take, a duration such as `90s`."},
			{Name: "stop_dependents", Type: cty.Bool,
				Doc: "Stop the running services that depend on it first; without it they fail the plan."},
		},
		Decode: func(a *Attrs) Resource {
			s := &Service{
				Name:           a.String("name"),
				State:          a.String("state"),
				StartType:      a.String("start_type"),
				Timeout:        a.Duration("timeout"),
				StopDependents: a.Bool("stop_dependents"),
			}
			switch {
			case !a.Has("state") && !a.Has("start_type"):
				a.Errorf("", "a service step sets state, start_type or both")
			case s.State == host.Running && s.StartType == host.Disabled:
				a.Errorf("start_type", "service %s cannot run with start_type = \"disabled\"", s.Name)
			}
			return s
		},
	})
}

func (s *Service) MaxWait() time.Duration { return s.Timeout }

func (s *Service) Objects(host.Host) ([]Object, error) {
	return []Object{ServiceObject(s.Name)}, nil
}

func readService(ctx context.Context, h host.Host, name string) (State, error) {
	st, err := h.Service(ctx, name)
	if errors.Is(err, host.ErrServiceNotFound) {
		return State{"exists": "false"}, nil
	}
	if err != nil {
		return nil, err
	}
	return State{"state": st.State, "start_type": st.StartType, "dependents": strings.Join(st.Dependents, ", "),
		"state_read": st.State, "start_type_read": st.StartType}, nil
}

func (s *Service) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if before["exists"] == "false" {
		return Change{}, fmt.Errorf("service %s is not installed on this host", s.Name)
	}
	after := maps.Clone(before)
	if s.State != "" {
		state, err := s.state(before)
		if err != nil {
			return Change{}, err
		}
		after["state"] = state
	}
	if s.StartType != "" {
		after["start_type"] = s.startType(before)
	}
	if after["state"] == host.Running && before["state"] != host.Running && after["start_type"] == host.Disabled {
		return Change{}, fmt.Errorf("service %s is disabled and cannot be started: set start_type in this step or an earlier one", s.Name)
	}
	c := Change{Before: cur, After: []State{after}}
	switch {
	case after["state"] != before["state"] && after["state"] == host.Running:
		c.Action = Start
	case after["state"] != before["state"]:
		c.Action = Stop
	case after["start_type"] != before["start_type"]:
		c.Action = Update
	case force && after["state"] == host.Running:
		c.Action = Restart
	default:
		var set []string
		if s.State != "" {
			set = append(set, after["state"])
		}
		if s.StartType != "" {
			set = append(set, after["start_type"])
		}
		return NoChange("%s is already %s", s.Name, strings.Join(set, ", ")), nil
	}
	return c, nil
}

// previous, as a state or start type, is the one the service had when the
// plan read it: a playbook that stops or disables a service for the steps
// that need it gives it back as it found it, rather than forcing it to run
// (Windows stops an idle trigger-start service by itself; a fix that
// started it would find it stopped again and start it every time).
const previous = "previous"

func (s *Service) state(cur State) (string, error) {
	if s.State != previous {
		return s.State, nil
	}
	switch read := cur["state_read"]; read {
	case host.Running, host.StartPending:
		return host.Running, nil
	case host.Stopped, host.StopPending:
		return host.Stopped, nil
	default:
		return "", fmt.Errorf("service %s was %s when read: state = \"previous\" returns a service to running or stopped only", s.Name, read)
	}
}

// Excursion says how the step returns the service: left in the state away
// for the steps during, then back to the state it was read in.
func (s *Service) Excursion(away State, during []string) string {
	if s.State != previous {
		return ""
	}
	back, err := s.state(away)
	if err != nil || away["state"] == back {
		return ""
	}
	return fmt.Sprintf("%s: %s for %s, then back to %s", s.Name, away["state"], strings.Join(during, ", "), back)
}

func (s *Service) startType(cur State) string {
	if s.StartType == previous {
		return cur["start_type_read"]
	}
	return s.StartType
}

// CheckTrigger refuses restart_on on a step that stops the service: a
// restart is of a service that runs, as Puppet's refresh events and
// Ansible's handlers restart it.
func (s *Service) CheckTrigger() error {
	if s.State == host.Stopped {
		return fmt.Errorf("restart_on restarts service %s when it runs, and this step stops it", s.Name)
	}
	return nil
}

// Dependents are the running services that the step stops first.
func (s *Service) Dependents(cur State) []string {
	if !s.StopDependents || cur["dependents"] == "" {
		return nil
	}
	return strings.Split(cur["dependents"], ", ")
}

func (s *Service) Apply(ctx context.Context, h host.Host, c Change) error {
	if c.Action == Stop {
		for _, d := range s.Dependents(c.Before[0]) {
			if err := h.StopService(ctx, d, s.Timeout); err != nil {
				return fmt.Errorf("stopping dependent service first: %w", err)
			}
		}
	}
	if s.StartType != "" {
		if err := h.SetStartType(ctx, s.Name, s.startType(c.Before[0])); err != nil {
			return err
		}
	}
	switch c.Action {
	case Start:
		return h.StartService(ctx, s.Name, s.Timeout)
	case Stop:
		return h.StopService(ctx, s.Name, s.Timeout)
	case Restart:
		if err := h.StopService(ctx, s.Name, s.Timeout); err != nil {
			return err
		}
		return h.StartService(ctx, s.Name, s.Timeout)
	}
	return nil
}
