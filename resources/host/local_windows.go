package host

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
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
	deps, err := s.ListDependentServices(svc.Active)
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

// service is an open service and the service control manager it came from.
type service struct {
	*mgr.Service
	scm windows.Handle
}

func openService(name string, access uint32) (*service, error) {
	fail := func(err error) error { return serviceError(name, "open", err) }
	wname, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fail(err)
	}
	scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT|windows.SC_MANAGER_ENUMERATE_SERVICE)
	if err != nil {
		return nil, fail(err)
	}
	h, err := windows.OpenService(scm, wname, access)
	if err != nil {
		windows.CloseServiceHandle(scm)
		return nil, fail(err)
	}
	return &service{Service: &mgr.Service{Name: name, Handle: h}, scm: scm}, nil
}

func (s *service) close() {
	s.Close()
	windows.CloseServiceHandle(s.scm)
}

func (s *service) status() (windows.SERVICE_STATUS_PROCESS, error) {
	var st windows.SERVICE_STATUS_PROCESS
	var n uint32
	err := windows.QueryServiceStatusEx(s.Handle, windows.SC_STATUS_PROCESS_INFO, (*byte)(unsafe.Pointer(&st)), uint32(unsafe.Sizeof(st)), &n)
	return st, err
}

// startType reads the start type with QueryServiceConfig alone, not
// mgr.Service.Config, which also asks QueryServiceConfig2 for levels that
// Wine lacks ("Invalid level").
func (s *service) startType() (string, error) {
	n := uint32(1024)
	for {
		buf := make([]uint64, (n+7)/8) // QUERY_SERVICE_CONFIG holds pointers: keep it aligned
		cfg := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
		err := windows.QueryServiceConfig(s.Handle, cfg, uint32(8*len(buf)), &n)
		if err == windows.ERROR_INSUFFICIENT_BUFFER && n > uint32(8*len(buf)) {
			continue
		}
		if err != nil {
			return "", err
		}
		switch cfg.StartType {
		case windows.SERVICE_DEMAND_START:
			return Manual, nil
		case windows.SERVICE_DISABLED:
			return Disabled, nil
		}
		// Boot and system start are for drivers, which start with Windows:
		// to a playbook they are automatic.
		return Automatic, nil
	}
}

// keyName is the service's name as the service control manager spells it,
// whatever case the playbook used. Falls back to the given name if the list
// cannot be read.
func (s *service) keyName() string {
	names, err := (&mgr.Mgr{Handle: s.scm}).ListServices()
	if err != nil {
		return s.Name
	}
	for _, n := range names {
		if strings.EqualFold(n, s.Name) {
			return n
		}
	}
	return s.Name
}

// dependentsRunning reports the running services that depend on s as
// ErrDependentServicesRunning, naming them; nil if there are none and cause
// is nil.
func (s *service) dependentsRunning(cause error) error {
	deps, err := s.ListDependentServices(svc.Active)
	if err != nil {
		return s.fail("list dependent services", err)
	}
	if len(deps) == 0 && cause == nil {
		return nil
	}
	if cause == nil {
		cause = windows.ERROR_DEPENDENT_SERVICES_RUNNING
	}
	return fmt.Errorf("service %s: %w (running: %s)", s.Name, sysError{ErrDependentServicesRunning, cause}, strings.Join(deps, ", "))
}

// Polling: the first polls come quickly, since most services settle in
// moments; later ones follow the service's own wait hint, as Microsoft's
// examples do (a tenth of it, between 1 and 10 seconds).
const firstPoll = 50 * time.Millisecond

func pollLimit(st windows.SERVICE_STATUS_PROCESS) time.Duration {
	return min(max(time.Duration(st.WaitHint)*time.Millisecond/10, time.Second), 10*time.Second)
}

var errTimedOut = errors.New("timed out")

// drive brings s to the state want. step is called on every poll with the
// service's status and whether the change has been asked for; it asks for
// the change when the state allows it, and returns whether it has been.
// Nothing but want ends the wait early: an error, ctx, or timeout.
func (s *service) drive(ctx context.Context, op string, want uint32, timeout time.Duration,
	step func(st windows.SERVICE_STATUS_PROCESS, asked bool) (bool, error)) error {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	asked := false
	for delay := firstPoll; ; delay *= 2 {
		st, err := s.status()
		if err != nil {
			return s.fail(op, err)
		}
		if st.CurrentState == want {
			return nil
		}
		if asked, err = step(st, asked); err != nil {
			return err
		}
		delay = min(delay, pollLimit(st))
		select {
		case <-ctx.Done():
			if context.Cause(ctx) == errTimedOut {
				if st, err := s.status(); err == nil {
					return fmt.Errorf("service %s: %s timed out after %s (still %s)", s.Name, op, seconds(timeout), strings.ToUpper(stateName(st.CurrentState)))
				}
				return fmt.Errorf("service %s: %s timed out after %s", s.Name, op, seconds(timeout))
			}
			return fmt.Errorf("service %s: %s: %w", s.Name, op, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// seconds writes whole seconds as "60s", which reads better than "1m0s".
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

func stateName(state uint32) string {
	switch state {
	case windows.SERVICE_STOPPED:
		return Stopped
	case windows.SERVICE_START_PENDING:
		return StartPending
	case windows.SERVICE_STOP_PENDING:
		return StopPending
	case windows.SERVICE_RUNNING:
		return Running
	case windows.SERVICE_CONTINUE_PENDING:
		return "continue_pending"
	case windows.SERVICE_PAUSE_PENDING:
		return "pause_pending"
	case windows.SERVICE_PAUSED:
		return "paused"
	}
	return fmt.Sprintf("state_%d", state)
}

// exitError is why a service stopped, as the service reported it.
func exitError(st windows.SERVICE_STATUS_PROCESS) error {
	switch st.Win32ExitCode {
	case 0:
		return errors.New("it gave no exit code")
	case uint32(windows.ERROR_SERVICE_SPECIFIC_ERROR):
		return fmt.Errorf("service-specific exit code %d", st.ServiceSpecificExitCode)
	}
	return syscall.Errno(st.Win32ExitCode)
}

func (s *service) fail(op string, err error) error { return serviceError(s.Name, op, err) }

// serviceError names the service and turns the Windows errors that
// playbooks and the engine tell apart into host's errors.
func serviceError(name, op string, err error) error {
	switch err {
	case windows.ERROR_SERVICE_DOES_NOT_EXIST:
		return fmt.Errorf("service %s: %w", name, sysError{ErrServiceNotFound, err})
	case windows.ERROR_SERVICE_DISABLED:
		return fmt.Errorf("service %s: %w", name, sysError{ErrServiceDisabled, err})
	case windows.ERROR_DEPENDENT_SERVICES_RUNNING:
		return fmt.Errorf("service %s: %w", name, sysError{ErrDependentServicesRunning, err})
	case windows.ERROR_ACCESS_DENIED:
		return fmt.Errorf("service %s: %s: %w", name, op, sysError{errElevate, err})
	}
	if errno, ok := err.(syscall.Errno); ok {
		return fmt.Errorf("service %s: %s: %w (error %d)", name, op, err, uint32(errno))
	}
	return fmt.Errorf("service %s: %s: %w", name, op, err)
}

var errElevate = errors.New("access is denied (ERROR_ACCESS_DENIED, 5): run wuplay from an elevated prompt (Run as administrator)")

// sysError is a host error together with the Windows error behind it, so
// that errors.Is finds either. It reads as the host error alone, which
// already carries Windows' wording and code.
type sysError struct{ kind, errno error }

func (e sysError) Error() string   { return e.kind.Error() }
func (e sysError) Unwrap() []error { return []error{e.kind, e.errno} }
