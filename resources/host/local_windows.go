package host

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// foldPath gives the key under which Windows' case-insensitive file system
// takes two spellings of a path to be one.
func foldPath(p string) string { return strings.ToLower(p) }

// localServices drives the Windows service control manager.
//
// Each call opens the service with only the access rights it needs, rather
// than mgr.Connect's SC_MANAGER_ALL_ACCESS: reading a service (plan) then
// works from an ordinary prompt, and only changes need an administrator.
// The service control manager compares names without regard to case.
type localServices struct{}

const (
	accessRead   = windows.SERVICE_QUERY_STATUS | windows.SERVICE_QUERY_CONFIG | windows.SERVICE_ENUMERATE_DEPENDENTS
	accessStart  = windows.SERVICE_QUERY_STATUS | windows.SERVICE_START | windows.SERVICE_PAUSE_CONTINUE
	accessStop   = windows.SERVICE_QUERY_STATUS | windows.SERVICE_STOP | windows.SERVICE_ENUMERATE_DEPENDENTS
	accessConfig = windows.SERVICE_CHANGE_CONFIG
)

func (localServices) Service(_ context.Context, name string) (ServiceStatus, error) {
	s, err := openService(name, accessRead)
	if err != nil {
		return ServiceStatus{}, err
	}
	defer s.close()
	st, err := s.status()
	if err != nil {
		return ServiceStatus{}, s.fail("query", err)
	}
	start, err := s.startType()
	if err != nil {
		return ServiceStatus{}, s.fail("query configuration", err)
	}
	deps, err := s.runningDependents()
	if err != nil {
		return ServiceStatus{}, s.fail("list dependent services", err)
	}
	return ServiceStatus{Name: s.keyName(), State: stateName(st.CurrentState), StartType: start, Dependents: deps}, nil
}

func (localServices) StartService(ctx context.Context, name string, timeout time.Duration) error {
	s, err := openService(name, accessStart)
	if err != nil {
		return err
	}
	defer s.close()
	return s.drive(ctx, "start", windows.SERVICE_RUNNING, timeout, func(st windows.SERVICE_STATUS_PROCESS, asked bool) (bool, error) {
		switch st.CurrentState {
		case windows.SERVICE_STOPPED:
			if asked {
				return true, fmt.Errorf("service %s: start: it stopped while starting: %w", s.Name, exitError(st))
			}
			err := windows.StartService(s.Handle, 0, nil)
			switch err {
			case nil, windows.ERROR_SERVICE_ALREADY_RUNNING:
				return true, nil
			case windows.ERROR_SERVICE_DATABASE_LOCKED:
				return false, nil // another program is changing the service database; Windows says to try again
			}
			return false, s.fail("start", err)
		case windows.SERVICE_PAUSED:
			_, err := s.Control(svc.Continue)
			if err != nil {
				return false, s.fail("continue", err)
			}
			return true, nil
		}
		return asked, nil // pending: it will settle
	})
}

func (localServices) StopService(ctx context.Context, name string, timeout time.Duration) error {
	s, err := openService(name, accessStop)
	if err != nil {
		return err
	}
	defer s.close()
	return s.drive(ctx, "stop", windows.SERVICE_STOPPED, timeout, func(st windows.SERVICE_STATUS_PROCESS, asked bool) (bool, error) {
		if asked || st.CurrentState == windows.SERVICE_STOPPED || st.CurrentState == windows.SERVICE_STOP_PENDING {
			return asked, nil
		}
		// Windows refuses to stop a service that running services depend on;
		// Wine does not, and would stop it under them. Ask first on both.
		if err := s.dependentsRunning(nil); err != nil {
			return false, err
		}
		_, err := s.Control(svc.Stop)
		switch err {
		case nil, windows.ERROR_SERVICE_NOT_ACTIVE:
			return true, nil
		case windows.ERROR_DEPENDENT_SERVICES_RUNNING:
			return false, s.dependentsRunning(err)
		case windows.ERROR_SERVICE_CANNOT_ACCEPT_CTRL, windows.ERROR_SERVICE_DATABASE_LOCKED:
			return false, nil // busy, often still starting: ask again once it settles
		case windows.ERROR_INVALID_SERVICE_CONTROL:
			if st.CurrentState != windows.SERVICE_RUNNING {
				return false, nil // accepts no stop until it has started
			}
		}
		return false, s.fail("stop", err)
	})
}

func (localServices) SetStartType(ctx context.Context, name, startType string) error {
	code, ok := map[string]uint32{
		Automatic: windows.SERVICE_AUTO_START,
		Manual:    windows.SERVICE_DEMAND_START,
		Disabled:  windows.SERVICE_DISABLED,
	}[startType]
	if !ok {
		return fmt.Errorf("service %s: start type %q: want automatic, manual or disabled", name, startType)
	}
	s, err := openService(name, accessConfig)
	if err != nil {
		return err
	}
	defer s.close()
	// The service database is locked for moments at a time (Wine after
	// wineboot, older Windows while another program changes it).
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	const keep = windows.SERVICE_NO_CHANGE
	for delay := firstPoll; ; delay = min(2*delay, 2*time.Second) {
		err := windows.ChangeServiceConfig(s.Handle, keep, code, keep, nil, nil, nil, nil, nil, nil, nil)
		if err != windows.ERROR_SERVICE_DATABASE_LOCKED {
			if err != nil {
				return s.fail("set start type", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s: set start type: %w (still %w)", name, ctx.Err(), err)
		case <-time.After(delay):
		}
	}
}
