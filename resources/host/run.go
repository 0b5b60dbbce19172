package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// maxOutput bounds the output kept of a command: enough for a message.
const maxOutput = 64 << 10

func (local) Run(ctx context.Context, argv []string, shell bool, timeout time.Duration) (int, string, error) {
	if shell {
		line := strings.Join(argv, " ")
		argv = []string{"sh", "-c", line}
		if runtime.GOOS == "windows" {
			argv = []string{"cmd", "/c", line}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	output := out.String()
	if len(output) > maxOutput {
		output = "…" + output[len(output)-maxOutput:]
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return -1, output, fmt.Errorf("%s: timed out after %s", argv[0], timeout)
	case errors.As(err, &exit):
		return exit.ExitCode(), output, nil
	case err != nil:
		return -1, output, err
	}
	return 0, output, nil
}

// simCommand is a command the simulated host knows: what it answers, and
// the folders it leaves behind.
type simCommand struct {
	Run     string   `yaml:"run"`
	Exit    int      `yaml:"exit"`
	Output  string   `yaml:"output"`
	Creates []string `yaml:"creates,omitempty"`
}

// Run answers from host.yaml's commands:, matched by the command line
// without regard to case; a command it does not list fails to run.
func (s *Sim) Run(_ context.Context, argv []string, _ bool, _ time.Duration) (int, string, error) {
	line := strings.Join(argv, " ")
	for _, c := range s.cfg.Commands {
		if !strings.EqualFold(c.Run, line) {
			continue
		}
		for _, p := range c.Creates {
			if err := s.MkdirAll(p); err != nil {
				return -1, "", err
			}
		}
		return c.Exit, c.Output, nil
	}
	return -1, "", fmt.Errorf("%q: the simulated host does not know this command (list it under commands: in host.yaml)", line)
}
