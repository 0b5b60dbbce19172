// Package host is the machine a playbook runs against: its environment, its
// file system and its services. Resources talk to a Host, never to the OS, so
// the same resource code runs on Windows, on Linux and on a simulated Windows
// host kept in a folder.
package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Host is one target machine.
type Host interface {
	// String names the host as the user gave it: "local", "sim:DIR".
	String() string
	// Getenv reads the target's environment, not necessarily wuplay's own.
	Getenv(name string) (string, bool)
	// StateDir is the folder (on this machine) of wuplay's own state for
	// the host, such as its lock.
	StateDir() (string, error)
	// Where says where the host is, so that a saved plan applies only
	// where it was made.
	Where() (Place, error)
	FS
	Services
	Registry
	Facts
	// Run runs a program (or, with shell, a command line through cmd /c or
	// sh -c) and returns its exit code and combined output. It fails only
	// when the program cannot be run, times out, is interrupted by ctx or
	// is ended by a signal. It ends whatever the program started when the
	// program ends, and keeps the first and last 32 KiB of the output.
	Run(ctx context.Context, argv []string, shell bool, timeout time.Duration) (exit int, output string, err error)
}

// FS is a host's file system. Paths are in the host's own syntax.
type FS interface {
	// PathKey returns the form under which two names of one path compare
	// equal on this host (case-folded on Windows).
	PathKey(path string) (string, error)
	// Stat reports a missing path as Exists false, not as an error.
	Stat(path string) (PathInfo, error)
	ReadFile(path string) ([]byte, error)
	WriteFile(path string, data []byte) error
	MkdirAll(path string) error
	// Rename fails if to exists, as MoveFile does for directories on Windows.
	Rename(from, to string) error
	// RemoveAll deletes path and everything under it. It never follows a
	// symbolic link or junction inside the tree: it removes the link.
	RemoveAll(path string) error
	// Volume names the file system that holds path (or, if it does not
	// exist, its nearest existing parent): a rename across volumes fails.
	Volume(path string) (string, error)
	// Resolve returns path with every symbolic link and junction in it
	// resolved, as far as the path exists.
	Resolve(path string) (string, error)
	// Protected says why deleting or renaming path would harm the host (a
	// drive root, the Windows folder, /etc), or "".
	Protected(path string) string
	// Glob lists the entries of folder dir whose names match pattern (as
	// path.Match has it, with case folded where the host folds it), sorted.
	// A missing folder has none.
	Glob(dir, pattern string) ([]DirEntry, error)
	// Holders names the services known to hold path, or a path inside it,
	// open while they run. Windows cannot tell in advance; the simulated
	// host can, so that a plan reviewed against it finds the sharing
	// violation before anything is stopped.
	Holders(path string) []string
}

// Services is a host's service manager.
type Services interface {
	// Service reads a service; a missing one is ErrServiceNotFound.
	Service(ctx context.Context, name string) (ServiceStatus, error)
	// StartService returns once the service runs, or fails after timeout.
	StartService(ctx context.Context, name string, timeout time.Duration) error
	// StopService returns once the service is stopped, or fails after timeout.
	StopService(ctx context.Context, name string, timeout time.Duration) error
	SetStartType(ctx context.Context, name, startType string) error
	// Elevated reports whether this run may change services: on Windows,
	// whether the prompt is elevated.
	Elevated() (bool, error)
}

// Place is where a host is: the machine wuplay runs on (its host name;
// on Windows the computer's) and, for a simulated host, its folder there,
// absolute and with links resolved, however the user spelled it.
type Place struct {
	Machine string
	Folder  string
}

// machine is this machine's name.
func machine() (string, error) {
	name, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("this machine's name: %w", err)
	}
	return name, nil
}

// PathInfo is what Stat says of a path.
type PathInfo struct {
	Exists bool
	IsDir  bool
	// Link is a symbolic link, junction or other reparse point.
	Link    bool
	Size    int64
	ModTime time.Time
	// Links counts a file's hard links, where the host counts them (0
	// where it does not): replacing the file breaks them.
	Links int
}

// DirEntry is an entry of a folder.
type DirEntry struct {
	Path  string // in the host's syntax
	IsDir bool
	Link  bool
}

// ServiceStatus is what Service says of a service.
type ServiceStatus struct {
	Name      string // as the service manager spells it
	State     string // running, stopped, start_pending, stop_pending, paused
	StartType string // automatic, manual, disabled
	// Dependents are the running services that depend on this one.
	Dependents []string
}

// Service states and start types, in the words playbooks use.
const (
	Running      = "running"
	Stopped      = "stopped"
	StartPending = "start_pending"
	StopPending  = "stop_pending"

	Automatic = "automatic"
	Manual    = "manual"
	Disabled  = "disabled"
)

// Errors a host gives for the conditions that playbooks and the engine must
// tell apart. They carry the Windows wording and code, since that is what an
// administrator will search for.
var (
	ErrNotSupported             = errors.New("not supported on this host")
	ErrServiceNotFound          = errors.New("the specified service does not exist as an installed service (ERROR_SERVICE_DOES_NOT_EXIST, 1060)")
	ErrServiceDisabled          = errors.New("the service cannot be started because it is disabled (ERROR_SERVICE_DISABLED, 1058)")
	ErrDependentServicesRunning = errors.New("a stop control has been sent to a service that other running services are dependent on (ERROR_DEPENDENT_SERVICES_RUNNING, 1051)")
	ErrSharingViolation         = errors.New("the process cannot access the file because it is being used by another process (ERROR_SHARING_VIOLATION, 32)")
	ErrAlreadyExists            = errors.New("cannot create a file when that file already exists (ERROR_ALREADY_EXISTS, 183)")
	ErrNotSameDevice            = errors.New("the system cannot move the file to a different disk drive (ERROR_NOT_SAME_DEVICE, 17)")
	ErrNotEmpty                 = errors.New("the registry key has subkeys (delete them first, or delete the key recursively)")
)

// Open returns the host that spec names: "local" or "sim:DIR".
func Open(spec string) (Host, error) {
	switch {
	case spec == "" || spec == "local":
		return Local(), nil
	case strings.HasPrefix(spec, "sim:"):
		return OpenSim(strings.TrimPrefix(spec, "sim:"))
	}
	return nil, fmt.Errorf("unknown host %q: want \"local\" or \"sim:DIR\"", spec)
}

type progressKey struct{}

// WithProgress returns a context in which long waits (a service in
// STOP_PENDING) report what they wait for to report.
func WithProgress(ctx context.Context, report func(string)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

// Progress reports the state of a long wait, if anyone listens.
func Progress(ctx context.Context, format string, args ...any) {
	if report, ok := ctx.Value(progressKey{}).(func(string)); ok {
		report(fmt.Sprintf(format, args...))
	}
}
