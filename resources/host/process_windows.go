package host

import "golang.org/x/sys/windows"

// killSelf ends the process as TerminateProcess does: no deferred calls.
func killSelf() { windows.TerminateProcess(windows.CurrentProcess(), 137) }

// processAlive reports whether a process of this machine runs.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// Access denied means it exists; anything else, that it does not.
		return err == windows.ERROR_ACCESS_DENIED
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code == 259 // STILL_ACTIVE
}
