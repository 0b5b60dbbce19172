package host

import (
	"context"
	"time"

	"gopkg.in/yaml.v3"
)

// What happens to a simulated host between runs of wuplay, as Windows
// makes it happen to a machine: wuplay test plays these out.

// AddEvent writes e to the host's event log, as the newest event.
func (s *Sim) AddEvent(e Event) error {
	s.cfg.Events = append(s.cfg.Events, e)
	if len(s.doc.Content) == 0 {
		s.doc.Content = []*yaml.Node{{Kind: yaml.MappingNode}}
	}
	var n yaml.Node
	if err := n.Encode(e); err != nil {
		return err
	}
	events := mapValue(s.doc.Content[0], "events", yaml.SequenceNode)
	events.Content = append(events.Content, &n)
	return s.save()
}

// Reboot restarts the host: every service stops, then the automatic ones
// start (with what they depend on), creating their folders as they do.
func (s *Sim) Reboot(ctx context.Context) error {
	for _, svc := range s.cfg.Services {
		svc.State = Stopped
	}
	for _, name := range s.names() {
		if s.cfg.Services[name].StartType == Automatic {
			if err := s.StartService(ctx, name, time.Minute); err != nil {
				return err
			}
		}
	}
	return s.save()
}
