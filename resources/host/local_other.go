//go:build !windows

package host

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

func foldPath(p string) string { return p }

// localServices answers for a machine whose service manager wuplay does not
// drive yet.
type localServices struct{}

func unsupported(name string) error {
	return fmt.Errorf("service %s: %w (%s)", name, ErrNotSupported, runtime.GOOS)
}

func (localServices) Service(_ context.Context, name string) (ServiceStatus, error) {
	return ServiceStatus{}, unsupported(name)
}

func (localServices) StartService(_ context.Context, name string, _ time.Duration) error {
	return unsupported(name)
}

func (localServices) StopService(_ context.Context, name string, _ time.Duration) error {
	return unsupported(name)
}

func (localServices) SetStartType(_ context.Context, name, _ string) error {
	return unsupported(name)
}
