package host

import (
	"errors"
	"strings"
	"time"
)

// Facts is what a host tells about itself beyond its objects: the system
// and its event log.
type Facts interface {
	OS() (OSInfo, error)
	// Events returns the newest events of a channel (System) from a
	// provider, with one of ids (any if none), newest first, at most max.
	Events(channel, provider string, ids []int, max int) ([]Event, error)
}

// OSInfo names the system.
type OSInfo struct {
	Family  string // windows, linux, ...
	Version string // 10.0, 12
	Build   string // 19045, a kernel release
}

// Event is an event log entry.
type Event struct {
	Time     time.Time `yaml:"time"`
	Channel  string    `yaml:"channel"`
	Provider string    `yaml:"provider"`
	ID       int       `yaml:"id"`
	Message  string    `yaml:"message"`
}

// ErrNoEventLog is the answer of a host without an event log.
var ErrNoEventLog = errors.New("this host has no Windows event log")

func (s *Sim) OS() (OSInfo, error) {
	if s.cfg.OS.Family == "" {
		return OSInfo{Family: "windows", Version: "10.0", Build: "19045"}, nil
	}
	return s.cfg.OS, nil
}

func (s *Sim) Events(channel, provider string, ids []int, max int) ([]Event, error) {
	var out []Event
	for i := len(s.cfg.Events) - 1; i >= 0 && len(out) < max; i-- {
		if e := s.cfg.Events[i]; matchEvent(e, channel, provider, ids) {
			out = append(out, e)
		}
	}
	return out, nil
}

func matchEvent(e Event, channel, provider string, ids []int) bool {
	if !strings.EqualFold(e.Channel, channel) || (provider != "" && !strings.EqualFold(e.Provider, provider)) {
		return false
	}
	if len(ids) == 0 {
		return true
	}
	for _, id := range ids {
		if id == e.ID {
			return true
		}
	}
	return false
}
