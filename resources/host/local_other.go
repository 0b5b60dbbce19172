//go:build !windows

package host

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func foldPath(p string) string { return p }

func isLink(_ string, fi fs.FileInfo) bool { return fi.Mode()&fs.ModeSymlink != 0 }

func resolveLinks(p string) (string, error) { return filepath.EvalSymlinks(p) }

// localVolume names the device of path or of its nearest existing parent.
func localVolume(p string) (string, error) {
	for {
		fi, err := os.Lstat(p)
		if err == nil {
			return fmt.Sprintf("dev %d", fi.Sys().(*syscall.Stat_t).Dev), nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		p = parent
	}
}

// OS reads /etc/os-release for Linux's version; a system without it is
// named by its family only.
func (local) OS() (OSInfo, error) {
	info := OSInfo{Family: runtime.GOOS}
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return info, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VERSION_ID="); ok {
			info.Version = strings.Trim(v, `"`)
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		info.Build = strings.TrimSpace(string(data))
	}
	return info, nil
}

func (local) Events(channel, _ string, _ []int, _ int) ([]Event, error) {
	return nil, fmt.Errorf("event log %s: %w", channel, ErrNoEventLog)
}

func localStateDir() (string, error) { return "/var/lib/wuplay", nil }

func localProtected(key string) string {
	home, _ := local{}.PathKey(os.Getenv("HOME"))
	return unixProtected(key, home)
}

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

// localRegistry answers for a machine without a registry.
type localRegistry struct{}

func noRegistry(key string) error {
	return fmt.Errorf("registry key %s: %w (%s has no registry)", key, ErrNotSupported, runtime.GOOS)
}

func (localRegistry) RegistryValue(key, _ string) (RegValue, error) {
	return RegValue{}, noRegistry(key)
}
func (localRegistry) SetRegistryValue(key, _ string, _ RegValue) error {
	return noRegistry(key)
}
func (localRegistry) DeleteRegistryValue(key, _ string) error    { return noRegistry(key) }
func (localRegistry) RegistryKeyExists(key string) (bool, error) { return false, noRegistry(key) }
func (localRegistry) CreateRegistryKey(key string) error         { return noRegistry(key) }
func (localRegistry) DeleteRegistryKey(key string) error         { return noRegistry(key) }
func (localRegistry) RegistryValues(key string) (map[string]RegValue, error) {
	return nil, noRegistry(key)
}
func (localRegistry) RegistrySubkeys(key string) ([]string, error) { return nil, noRegistry(key) }

func (localServices) Elevated() (bool, error) { return os.Geteuid() == 0, nil }

func (localServices) SetStartType(_ context.Context, name, _ string) error {
	return unsupported(name)
}
