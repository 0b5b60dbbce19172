package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"
)

// maxOutput bounds the output kept of a command: enough for a message.
const maxOutput = 64 << 10

// waitDelay is how long a command has to end after SIGTERM, and how long
// Run reads the output of processes that left the command's group.
const waitDelay = 2 * time.Second

// Run runs the command in a process tree of its own (a process group on
// Unix, a job object on Windows) and ends the whole tree when the command
// exits, times out or ctx is done: what it started in the background ends
// with it. Being its own group, it does not get the terminal's Ctrl-C:
// wuplay decides what an interrupt ends.
func (local) Run(ctx context.Context, argv []string, shell bool, timeout time.Duration) (int, string, error) {
	name := strings.Join(argv, " ")
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := shellCommand(runCtx, name)
	if !shell {
		cmd = exec.CommandContext(runCtx, argv[0], argv[1:]...)
	}
	cmd.WaitDelay = waitDelay
	// Our own pipe, not exec's: Wait then returns when the command exits,
	// not when the last process holding its output does.
	r, w, err := os.Pipe()
	if err != nil {
		return -1, "", err
	}
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w
	end, err := startTree(cmd)
	w.Close()
	if err != nil {
		return -1, "", err
	}
	out := &boundedOutput{tail: make([]byte, 0, maxOutput/2)}
	read := make(chan struct{})
	go func() { io.Copy(out, r); close(read) }()
	err = cmd.Wait()
	ended := runCtx.Err() // before the command exited
	end()
	r.SetReadDeadline(time.Now().Add(waitDelay))
	<-read
	output := out.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return -1, output, fmt.Errorf("%s: interrupted; its processes were ended", name)
	case ended != nil:
		return -1, output, fmt.Errorf("%s: timed out after %s; its processes were ended", name, timeout)
	case errors.As(err, &exit) && exit.ExitCode() == -1:
		return -1, output, fmt.Errorf("%s: ended by %s", name, exit) // "signal: killed"
	case errors.As(err, &exit):
		return exit.ExitCode(), output, nil
	case err != nil:
		return -1, output, err
	}
	return 0, output, nil
}

// boundedOutput keeps the first and the last maxOutput/2 bytes written to
// it and counts the rest, so that a command that prints gigabytes costs
// no more memory than one that prints a message.
type boundedOutput struct {
	head, tail []byte
	left       int64
}

func (o *boundedOutput) Write(p []byte) (int, error) {
	n := len(p)
	k := min(maxOutput/2-len(o.head), len(p))
	o.head, p = append(o.head, p[:k]...), p[k:]
	if drop := len(o.tail) + len(p) - cap(o.tail); drop > 0 {
		// Keep the newest bytes in the fixed room of tail.
		o.left += int64(drop)
		if drop >= len(o.tail) {
			o.tail, p = o.tail[:0], p[len(p)-cap(o.tail):]
		} else {
			o.tail = o.tail[:copy(o.tail, o.tail[drop:])]
		}
	}
	o.tail = append(o.tail, p...)
	return n, nil
}

func (o *boundedOutput) String() string {
	if o.left == 0 {
		return string(o.head) + string(o.tail)
	}
	// Cut at whole characters, so that the output stays valid UTF-8.
	head, tail := o.head, o.tail
	for i := len(head) - 1; i >= max(0, len(head)-utf8.UTFMax); i-- {
		if utf8.RuneStart(head[i]) {
			if !utf8.FullRune(head[i:]) {
				head = head[:i]
			}
			break
		}
	}
	for i := 0; i < utf8.UTFMax && len(tail) > 0 && !utf8.RuneStart(tail[0]); i++ {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s\n… %d bytes left out …\n%s", head, o.left, tail)
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
// without regard to case, and keeps of the answer what a real command's
// output keeps; a command it does not list fails to run.
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
		out := &boundedOutput{tail: make([]byte, 0, maxOutput/2)}
		io.WriteString(out, c.Output)
		return c.Exit, out.String(), nil
	}
	return -1, "", fmt.Errorf("%q: the simulated host does not know this command (list it under commands: in host.yaml)", line)
}
