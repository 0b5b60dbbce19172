// Command hostprobe drives the registry and the recursive delete of
// wuplay's local host, for the tests that run it under Wine. Each argument
// is one operation, its fields separated by "|"; DATA may hold Go escapes
// (\n, \t, \\). Operations are carried out in order and answered with one
// line each that starts with the argument:
//
//	get|KEY|NAME              get|KEY|NAME exists=true type=dword data="42"
//	set|KEY|NAME|TYPE|DATA    set|KEY|NAME|TYPE|DATA ok
//	delete|KEY|NAME           delete|KEY|NAME ok
//	keyexists|KEY             keyexists|KEY exists=false
//	createkey|KEY             createkey|KEY ok
//	deletekey|KEY             deletekey|KEY error [ErrPermission,errno=5] registry key ...
//	stat|PATH                 stat|PATH exists=true dir=false link=true
//	removeall|PATH            removeall|PATH ok
//	readonlykey|KEY           creates KEY with a DACL that lets everyone
//	                          read it and no one write it, as HKLM is to
//	                          a prompt that is not elevated
//	hold|PATH                 opens the file as most programs do (sharing
//	                          read and write, not delete) until the end
//	write|PATH|DATA           write|PATH|DATA ok (WriteFile)
//	sleep|SECONDS             sleeps
//	waitheld|PATH             returns once another process holds the file
//	lock|WHAT                 lock|WHAT ok: takes the local host's lock,
//	                          naming WHAT, and holds it until the end
//	waitfile|PATH             returns once the file exists
//	run|TIMEOUT|LINE          runs LINE through cmd /c with Local().Run:
//	                          run|... exit=0 took=1s output="..." error=<nil>
//
// An error names, in brackets, the host errors it matches (errors.Is) and
// the Windows error code it carries.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/wuplay/wuplay/resources/host"
)

var kinds = []struct {
	name string
	err  error
}{
	{"ErrNotSupported", host.ErrNotSupported},
	{"ErrSharingViolation", host.ErrSharingViolation},
	{"ErrPermission", fs.ErrPermission},
	{"ErrNotExist", fs.ErrNotExist},
}

func main() {
	h := host.Local()
	for _, arg := range os.Args[1:] {
		f := strings.Split(arg, "|")
		if f[0] == "run" { // LINE may hold "|"
			f = strings.SplitN(arg, "|", 3)
		}
		want := map[string]int{"get": 3, "set": 5, "delete": 3, "keyexists": 2, "createkey": 2, "deletekey": 2, "stat": 2, "removeall": 2, "hold": 2, "readonlykey": 2, "sleep": 2, "run": 3, "waitheld": 2, "write": 3, "lock": 2, "waitfile": 2}[f[0]]
		if want == 0 || len(f) != want {
			fmt.Fprintf(os.Stderr, "hostprobe: %q: unknown operation, or wrong number of fields\n", arg)
			os.Exit(2)
		}
		var err error
		switch f[0] {
		case "get":
			var v host.RegValue
			if v, err = h.RegistryValue(f[1], f[2]); err == nil {
				fmt.Printf("%s exists=%t type=%s data=%q\n", arg, v.Exists, v.Type, v.Data)
				continue
			}
		case "set":
			var data string
			if data, err = strconv.Unquote(`"` + f[4] + `"`); err != nil {
				fmt.Fprintf(os.Stderr, "hostprobe: %q: data: %v\n", arg, err)
				os.Exit(2)
			}
			err = h.SetRegistryValue(f[1], f[2], host.RegValue{Exists: true, Type: f[3], Data: data})
		case "delete":
			err = h.DeleteRegistryValue(f[1], f[2])
		case "keyexists":
			var ok bool
			if ok, err = h.RegistryKeyExists(f[1]); err == nil {
				fmt.Printf("%s exists=%t\n", arg, ok)
				continue
			}
		case "createkey":
			err = h.CreateRegistryKey(f[1])
		case "deletekey":
			err = h.DeleteRegistryKey(f[1])
		case "stat":
			var fi host.PathInfo
			if fi, err = h.Stat(f[1]); err == nil {
				fmt.Printf("%s exists=%t dir=%t link=%t\n", arg, fi.Exists, fi.IsDir, fi.Link)
				continue
			}
		case "removeall":
			err = h.RemoveAll(f[1])
		case "readonlykey":
			err = readOnlyKey(f[1])
		case "sleep":
			var n int
			if n, err = strconv.Atoi(f[1]); err == nil {
				time.Sleep(time.Duration(n) * time.Second)
			}
		case "write":
			err = h.WriteFile(f[1], []byte(f[2]))
		case "waitheld":
			err = waitHeld(f[1])
		case "lock":
			// Released when the process ends, as the kernel releases it.
			_, err = host.Lock(context.Background(), h, f[1], 0, nil)
		case "waitfile":
			for _, err = os.Stat(f[1]); errors.Is(err, fs.ErrNotExist); _, err = os.Stat(f[1]) {
				time.Sleep(50 * time.Millisecond)
			}
		case "run":
			var timeout time.Duration
			if timeout, err = time.ParseDuration(f[1]); err == nil {
				start := time.Now()
				exit, out, err := h.Run(context.Background(), []string{f[2]}, true, timeout)
				fmt.Printf("%s exit=%d took=%s output=%q error=%v\n", arg, exit, time.Since(start).Round(time.Second), out, err)
				continue
			}
		case "hold":
			var file *os.File
			if file, err = os.Open(f[1]); err == nil {
				defer file.Close()
			}
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

// readOnlyKey creates key (under HKLM) and gives it a protected DACL of a
// single entry: Everyone may read.
func readOnlyKey(key string) error {
	path, ok := strings.CutPrefix(key, `HKLM\`)
	if !ok {
		return fmt.Errorf("readonlykey: %s is not under HKLM", key)
	}
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, path, registry.ALL_ACCESS)
	if err != nil {
		return err
	}
	defer k.Close()
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;KR;;;WD)")
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetSecurityInfo(windows.Handle(k), windows.SE_REGISTRY_KEY,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}

// waitHeld returns once the file cannot be opened without sharing: another
// process holds it.
func waitHeld(path string) error {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	for {
		h, err := windows.CreateFile(p, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, 0, 0)
		if err == windows.ERROR_SHARING_VIOLATION {
			return nil
		}
		if err != nil {
			return err
		}
		windows.CloseHandle(h)
	}
}
