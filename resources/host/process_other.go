//go:build !windows

package host

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process of this machine runs.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// killSelf ends the process as kill -9 does: no deferred calls, no exit
// handlers.
func killSelf() { syscall.Kill(syscall.Getpid(), syscall.SIGKILL) }
