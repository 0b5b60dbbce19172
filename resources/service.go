package resources

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/resources/host"
)

// Service keeps a Windows (or simulated) service in a state.
type Service struct {
	Name      string
	State     string // running, stopped, or "" to leave it
	StartType string // automatic, manual, disabled, or "" to leave it
	Timeout   time.Duration
}

func init() {
	register(&Type{
		Name: "service",
		Schema: &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
			{Name: "name", Required: true},
			{Name: "state"},
			{Name: "start_type"},
			{Name: "timeout"},
		}},
		Decode: func(a *Attrs) Resource {
			s := &Service{
				Name:      a.String("name", ""),
				State:     a.Enum("state", "", host.Running, host.Stopped),
				StartType: a.Enum("start_type", "", host.Automatic, host.Manual, host.Disabled),
				Timeout:   a.Duration("timeout", 60*time.Second),
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
	return State{"state": st.State, "start_type": st.StartType}, nil
}

func (s *Service) Diff(cur []State, force bool) (Change, error) {
	before := cur[0]
	if before["exists"] == "false" {
		return Change{}, fmt.Errorf("service %s is not installed on this host", s.Name)
	}
	after := maps.Clone(before)
	if s.State != "" {
		after["state"] = s.State
	}
	if s.StartType != "" {
		after["start_type"] = s.StartType
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
		return NoChange("%s is already %s", s.Name, strings.Join(nonEmpty(s.State, s.StartType), ", ")), nil
	}
	return c, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *Service) Apply(ctx context.Context, h host.Host, c Change) error {
	if s.StartType != "" {
		if err := h.SetStartType(ctx, s.Name, s.StartType); err != nil {
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
