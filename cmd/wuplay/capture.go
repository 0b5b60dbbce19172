package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

const captureHelp = "Write what a playbook reads of this machine as a simulated host folder, for review and tests."

func (c *cli) capture(ctx context.Context, a *args) int {
	out, content := a.out, a.content
	switch {
	case out == "":
		return c.fail(errors.New("capture needs -out DIR: the new folder to write the simulated host to"))
	case (a.host == "local" || a.host == "") && runtime.GOOS != "windows":
		return c.fail(host.ErrCaptureSource)
	}
	r := c.start(a)
	pb, vars, diags, err := r.load()
	if err != nil {
		return r.failed(err)
	}
	if r.diagnose(diags) {
		return exitError
	}
	h, err := host.Open(a.host)
	if err != nil {
		return r.failed(err)
	}
	// The plan through the recorder reads what a plan on this machine
	// reads, and nothing else: that is the capture.
	rec := host.NewRecorder(h)
	p, diags := engine.NewPlan(ctx, pb, rec, engine.Options{Vars: vars})
	failed := r.diagnose(diags)
	if p != nil {
		for _, sp := range p.Steps {
			if c, ok := sp.Resource().(*resources.Command); ok && sp.Action == resources.Run {
				rec.AssumeRun(c.Run, c.ExitCodes[0])
			}
		}
	}
	machine, _ := os.Hostname()
	header := fmt.Sprintf(`A simulated Windows host written by "wuplay capture" for playbook %s
(%s, sha256 %.6x), from %s on %s at %s.
It holds only what the playbook reads; see the README's "wuplay capture".`,
		pb.Name, pb.Filename, sha256.Sum256(pb.Src), h, machine, time.Now().UTC().Format(time.RFC3339))
	sum, err := rec.WriteSim(ctx, out, host.CaptureOptions{Content: content, Header: header})
	if err != nil {
		return r.failed(fmt.Errorf("capture to %s: %w", out, err))
	}
	e := views.EscapeText
	fmt.Fprintf(c.stdout, "Captured what playbook %s reads of %s to %s:\n", e(pb.Name), e(h.String()), e(out))
	fmt.Fprintf(c.stdout, "  %d environment variables, %d services, %d folders, %d files (%d with content), %d registry keys, %d events, %d commands, %d apply records.\n",
		sum.Env, sum.Services, sum.Folders, sum.Files, sum.WithContent, sum.RegistryKeys, sum.Events, sum.Commands, sum.Records)
	fmt.Fprintf(c.stdout, "Left out:\n")
	for _, l := range sum.LeftOut {
		fmt.Fprintf(c.stdout, "  - %s\n", e(l))
	}
	plan := []string{"wuplay", "plan", "-host", "sim:" + out}
	for _, v := range a.vars {
		plan = append(plan, "-var", v)
	}
	for _, f := range a.varFiles {
		plan = append(plan, "-var-file", f)
	}
	fmt.Fprintf(c.stdout, "Review it, or plan against it anywhere: %s\n", e(strings.Join(append(plan, a.playbook), " ")))
	if failed {
		fmt.Fprintf(c.stderr, "The plan fails on %s (above); the capture holds what it read, so that a reviewer can see why.\n", e(h.String()))
		return exitError
	}
	return exitOK
}
