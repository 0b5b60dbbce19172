package host

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// startTree starts cmd in a job object of its own, which ends every
// process in it when the job is terminated or its last handle closed, and
// in a process group of its own, for which the console's Ctrl-C is
// disabled. When cmd's context is done the job is terminated; end
// terminates whatever of it is left once cmd has been waited for.
func startTree(cmd *exec.Cmd) (end func(), err error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: creating a job object: %w", cmd.Path, err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation, uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("%s: setting up a job object: %w", cmd.Path, err)
	}
	end = func() {
		windows.TerminateJobObject(job, 1)
		windows.CloseHandle(job)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP
	cmd.Cancel = func() error { return windows.TerminateJobObject(job, 1) }
	if err := cmd.Start(); err != nil {
		windows.CloseHandle(job)
		return nil, err
	}
	// os/exec cannot start a process suspended: what the command starts
	// in its first instants, before this, is not in the job.
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(job, p)
		windows.CloseHandle(p)
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		end()
		return nil, fmt.Errorf("%s: putting it in a job object: %w", cmd.Path, err)
	}
	return end, nil
}

// shellCommand runs line through cmd.exe as if typed at its prompt. Go
// quotes an argument for programs that parse their command line as the C
// runtime does (a quote as \"), which cmd does not: with /s, cmd runs what
// is between the outer quotes as it stands.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "cmd")
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /s /c "` + line + `"`}
	return cmd
}
