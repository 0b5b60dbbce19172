//go:build !windows

package host

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// startTree starts cmd as the leader of a process group of its own, which
// the terminal's Ctrl-C does not reach. When cmd's context is done, the
// group gets SIGTERM, and exec.Cmd.WaitDelay later kills the leader if it
// outlives that. end kills whatever of the group is left once cmd has
// been waited for.
func startTree(cmd *exec.Cmd) (end func(), err error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// The group keeps the leader's pid as its id while any member lives,
	// so this cannot reach another process.
	return func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }, nil
}

// shellCommand runs line through sh -c.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", "-c", line)
}
