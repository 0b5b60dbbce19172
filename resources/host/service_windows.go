package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

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

// config reads the service's configuration with QueryServiceConfig alone,
// not mgr.Service.Config, which also asks QueryServiceConfig2 for levels that
// Wine lacks ("Invalid level").
func config(h windows.Handle) (*windows.QUERY_SERVICE_CONFIG, error) {
	n := uint32(1024)
	for {
		buf := make([]uint64, (n+7)/8) // the struct holds pointers: keep it aligned
		cfg := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
		err := windows.QueryServiceConfig(h, cfg, uint32(8*len(buf)), &n)
		if err == windows.ERROR_INSUFFICIENT_BUFFER && n > uint32(8*len(buf)) {
			continue
		}
		return cfg, err
	}
}

func (s *service) startType() (string, error) {
	cfg, err := config(s.Handle)
	if err != nil {
		return "", err
	}
	switch cfg.StartType {
	case windows.SERVICE_DEMAND_START:
		return Manual, nil
	case windows.SERVICE_DISABLED:
		return Disabled, nil
	}
	// Boot and system start are for drivers, which start with Windows: to a
	// playbook they are automatic.
	return Automatic, nil
}

// keyName is the service's name as the service control manager spells it,
// whatever case the playbook used; the given name if the list cannot be
// read.
func (s *service) keyName() string {
	names, err := enumServices(s.scm, windows.SERVICE_STATE_ALL)
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

// enumServices lists the Win32 services in state (SERVICE_ACTIVE,
// SERVICE_STATE_ALL).
func enumServices(scm windows.Handle, state uint32) ([]string, error) {
	var needed, count uint32
	var buf []uint64 // ENUM_SERVICE_STATUS_PROCESS holds pointers: keep it aligned
	for {
		var p *byte
		if len(buf) > 0 {
			p = (*byte)(unsafe.Pointer(&buf[0]))
		}
		err := windows.EnumServicesStatusEx(scm, windows.SC_ENUM_PROCESS_INFO, windows.SERVICE_WIN32, state,
			p, uint32(8*len(buf)), &needed, &count, nil, nil)
		if err == nil {
			break
		}
		if err != windows.ERROR_MORE_DATA || needed <= uint32(8*len(buf)) {
			return nil, err
		}
		buf = make([]uint64, (needed+7)/8)
	}
	if count == 0 {
		return nil, nil
	}
	names := make([]string, count)
	for i, e := range unsafe.Slice((*windows.ENUM_SERVICE_STATUS_PROCESS)(unsafe.Pointer(&buf[0])), count) {
		names[i] = windows.UTF16PtrToString(e.ServiceName)
	}
	return names, nil
}

// runningDependents lists the running services that depend on s, directly
// or through others.
//
// EnumDependentServices answers this on Windows. Wine 8 keeps dependencies
// only in the registry: its EnumDependentServices is a stub that always
// answers none, its QueryServiceConfig leaves them out, and it stops a
// service under its dependents. So when EnumDependentServices answers none,
// the running services' registry entries, where Windows keeps dependencies
// too, are searched as well; on Windows that finds none either.
func (s *service) runningDependents() ([]string, error) {
	deps, err := s.ListDependentServices(svc.Active)
	if err != nil || len(deps) > 0 {
		return deps, err
	}
	active, err := enumServices(s.scm, windows.SERVICE_ACTIVE)
	if err != nil {
		return nil, err
	}
	// found grows by every running service that needs s or one found
	// before it (by name, or by load order group), until a pass adds none.
	found := []dependency{readDependency(s.Name)}
	needsFound := func(d dependency) bool {
		return slices.ContainsFunc(found, func(f dependency) bool {
			return slices.ContainsFunc(d.services, func(n string) bool { return strings.EqualFold(n, f.name) }) ||
				f.group != "" && slices.ContainsFunc(d.groups, func(g string) bool { return strings.EqualFold(g, f.group) })
		})
	}
	isFound := func(name string) bool {
		return slices.ContainsFunc(found, func(f dependency) bool { return strings.EqualFold(f.name, name) })
	}
	running := make([]dependency, len(active))
	for i, name := range active {
		running[i] = readDependency(name)
	}
	for more := true; more; {
		more = false
		for _, d := range running {
			if !isFound(d.name) && needsFound(d) {
				found = append(found, d)
				more = true
			}
		}
	}
	for _, f := range found[1:] {
		deps = append(deps, f.name)
	}
	slices.Sort(deps)
	return deps, nil
}

// dependency is what a service's registry entry says of its dependencies.
// One that cannot be read depends on nothing, as far as anyone can tell.
type dependency struct {
	name     string
	services []string // DependOnService
	groups   []string // DependOnGroup: load order groups
	group    string   // Group: its own load order group
}

func readDependency(name string) dependency {
	d := dependency{name: name}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Services\`+name, registry.QUERY_VALUE)
	if err != nil {
		return d
	}
	defer k.Close()
	d.services, _, _ = k.GetStringsValue("DependOnService")
	d.groups, _, _ = k.GetStringsValue("DependOnGroup")
	d.group, _, _ = k.GetStringValue("Group")
	return d
}

// dependentsRunning reports the running services that depend on s as
// ErrDependentServicesRunning, naming them; nil if there are none and cause
// is nil.
func (s *service) dependentsRunning(cause error) error {
	deps, err := s.runningDependents()
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
// drive ends when s is in state want, when step fails, at timeout, or when
// ctx ends.
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
		// What the wait waits for, for the progress line: the state and
		// the service's own count of its progress.
		Progress(ctx, "%s, checkpoint %d", strings.ToUpper(stateName(st.CurrentState)), st.CheckPoint)
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
