package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources/host"
)

// backout is a command of its own rather than a flag on apply: what it
// takes is the report of an apply, not a playbook, and -var, -replace and
// -target have no meaning for it. "wuplay backout -dry-run kb.report"
// then "wuplay backout kb.report" read as the change ticket's own words.
const (
	backoutHelp = "Put the host back as an apply found it, from the apply's report (-dry-run first)."
	backoutLong = "REPORT is an apply's audit record (wuplay apply -report FILE). The backout is planned against the host as it\nis now and refused, changing nothing, where the host moved on in a way that makes it unsafe."
)

func (c *cli) backout(ctx context.Context, a *args) int {
	r := c.start(a)
	if r.a.dryRun {
		return r.plan(ctx)
	}
	return r.apply(ctx)
}

// prepareBackout plans the report's backout against the host it was
// made on (or -host, which must be that one): refused, with nothing
// changed, where the host moved on since the apply in a way that makes it
// unsafe.
func (r *run) prepareBackout(ctx context.Context, pp *prepared) (*prepared, hcl.Diagnostics, error) {
	src, err := host.ReadFileMax(r.a.playbook, engine.MaxPlanFile)
	if err != nil {
		return nil, nil, err
	}
	rep, err := engine.ParseReport(r.a.playbook, src)
	if err != nil {
		if _, perr := engine.ParsePlanDocument(r.a.playbook, src); perr == nil {
			err = fmt.Errorf("%s is a saved plan: it says what an apply would change, not what one did; back out from the apply's report (wuplay apply -report FILE)", r.a.playbook)
		}
		return nil, nil, err
	}
	b := rep.Backout
	spec := b.Host
	if b.HostFolder != "" {
		spec = "sim:" + b.HostFolder
	}
	if r.a.hostGiven {
		spec = r.a.host
	}
	if err := r.openHost(ctx, pp, spec); err != nil {
		return nil, nil, err
	}
	p, diags, err := b.Plan(ctx, pp.host)
	if err != nil {
		return nil, diags, fmt.Errorf("%s: %w; nothing was changed", r.a.playbook, err)
	}
	pp.plan = p
	return pp, diags, nil
}
