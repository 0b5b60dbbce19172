// Command svcprobe drives Windows services through wuplay's local host, for
// the tests that run it under Wine. Each argument is one operation, carried
// out in order and answered with one line that starts with the argument:
//
//	service:NAME              service:NAME name=... state=... start_type=... dependents=A,B
//	start:NAME[:TIMEOUT]      start:NAME ok
//	stop:NAME[:TIMEOUT]       stop:NAME error [ErrDependentServicesRunning,errno=1051] service NAME: ...
//	starttype:NAME:TYPE       starttype:NAME:TYPE ok
//	depend:NAME:DEP[,DEP...]  makes NAME depend on DEP (Wine's sc cannot)
//
// An error names, in brackets, the host errors it matches (errors.Is) and
// the Windows error code it carries, since only this program can tell.
// Start and stop wait 20 s unless given a timeout (a Go duration).
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf16"

	"golang.org/x/sys/windows"

	"github.com/wuplay/wuplay/resources/host"
)

var kinds = []struct {
	name string
	err  error
}{
	{"ErrServiceNotFound", host.ErrServiceNotFound},
	{"ErrServiceDisabled", host.ErrServiceDisabled},
	{"ErrDependentServicesRunning", host.ErrDependentServicesRunning},
	{"ErrPermission", fs.ErrPermission},
}

func main() {
	ctx := context.Background()
	h := host.Local()
	for _, arg := range os.Args[1:] {
		op, rest, _ := strings.Cut(arg, ":")
		name, param, _ := strings.Cut(rest, ":")
		timeout := 20 * time.Second
		var err error
		if param != "" && (op == "start" || op == "stop") {
			if timeout, err = time.ParseDuration(param); err != nil {
				fmt.Fprintf(os.Stderr, "svcprobe: %s: %v\n", arg, err)
				os.Exit(2)
			}
		}
		switch op {
		case "service":
			var st host.ServiceStatus
			if st, err = h.Service(ctx, name); err == nil {
				fmt.Printf("%s name=%s state=%s start_type=%s dependents=%s\n", arg, st.Name, st.State, st.StartType, strings.Join(st.Dependents, ","))
				continue
			}
		case "start":
			err = h.StartService(ctx, name, timeout)
		case "stop":
			err = h.StopService(ctx, name, timeout)
		case "starttype":
			err = h.SetStartType(ctx, name, param)
		case "depend":
			err = setDependencies(name, strings.Split(param, ","))
		default:
			fmt.Fprintf(os.Stderr, "svcprobe: unknown operation %q\n", arg)
			os.Exit(2)
		}
		if err != nil {
			var matched []string
			for _, k := range kinds {
				if errors.Is(err, k.err) {
					matched = append(matched, k.name)
				}
			}
			var errno syscall.Errno
			if errors.As(err, &errno) {
				matched = append(matched, fmt.Sprintf("errno=%d", errno))
			}
			fmt.Printf("%s error [%s] %v\n", arg, strings.Join(matched, ","), err)
			continue
		}
		fmt.Printf("%s ok\n", arg)
	}
}

// setDependencies sets the services that name depends on, which Wine's sc
// cannot do: it has no "config", and "create ... depend=" leaves the list
// without its final terminator.
func setDependencies(name string, deps []string) error {
	scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return err
	}
	defer windows.CloseServiceHandle(scm)
	s, err := windows.OpenService(scm, windows.StringToUTF16Ptr(name), windows.SERVICE_CHANGE_CONFIG)
	if err != nil {
		return err
	}
	defer windows.CloseServiceHandle(s)
	// A list of NUL-terminated names, ended by one more NUL.
	list := utf16.Encode([]rune(strings.Join(deps, "\x00") + "\x00\x00"))
	const keep = windows.SERVICE_NO_CHANGE
	return windows.ChangeServiceConfig(s, keep, keep, keep, nil, nil, nil, &list[0], nil, nil, nil)
}
