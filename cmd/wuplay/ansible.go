package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources"
	"github.com/wuplay/wuplay/resources/host"
)

// wuplay is its own Ansible binary module: Ansible copies the binary to a
// host and runs it with one argument, a file holding the task's arguments
// as a JSON object, and reads one JSON object from stdout. The module does
// what the command line does, through the same code.

// ansibleArgs are the module's arguments.
type ansibleArgs struct {
	Playbook string                     `json:"playbook"`
	Vars     map[string]json.RawMessage `json:"vars"`
	Host     string                     `json:"host"`
	Replace  []string                   `json:"replace"`
	Target   []string                   `json:"target"`

	CheckMode bool `json:"_ansible_check_mode"`
	Diff      bool `json:"_ansible_diff"`
}

// maxAnsibleArgs bounds an Ansible arguments file: a task's arguments.
const maxAnsibleArgs = 1 << 20

// ansibleCall reports whether Ansible is running wuplay as a module, and
// returns the arguments file's content, or why it could not be read. Ansible copies a binary module
// into a temporary folder as AnsiballZ_NAME (AnsiballZ_NAME.exe on
// Windows) and runs it with one argument, the path of its arguments: a
// JSON object that always holds Ansible's own _ansible_* keys. Either of
// the two says it is Ansible; anything else is the command line, so that
// "wuplay kb.plan" is an unknown command, not a module run.
func (c *cli) ansibleCall(argv []string) (data []byte, ok bool, err error) {
	if len(argv) != 1 {
		return nil, false, nil
	}
	byName := strings.HasPrefix(filepath.Base(c.program), "AnsiballZ_")
	if !byName && lookup(argv[0]) != nil {
		return nil, false, nil
	}
	data, err = host.ReadFileMax(argv[0], maxAnsibleArgs)
	if byName {
		return data, true, err // whatever the file holds, Ansible reads the answer
	}
	var keys map[string]json.RawMessage
	if err != nil || json.Unmarshal(data, &keys) != nil {
		return nil, false, nil
	}
	for k := range keys {
		if strings.HasPrefix(k, "_ansible_") {
			return data, true, nil
		}
	}
	return nil, false, nil
}

func (c *cli) ansible(ctx context.Context, data []byte, readErr error) int {
	res := &fleet.AnsibleResult{Failed: true, Msg: fmt.Sprintf("arguments file: %v", readErr)}
	if readErr == nil {
		res = c.ansibleRun(ctx, data)
	}
	res.WuplayVersion = engine.Version()
	out, _ := json.Marshal(res)
	fmt.Fprintf(c.stdout, "%s\n", out)
	// Ansible reads failure from the result; the exit code stays 0 so that
	// it does not report a module crash instead.
	return exitOK
}

func (c *cli) ansibleRun(ctx context.Context, data []byte) *fleet.AnsibleResult {
	fail := func(format string, args ...any) *fleet.AnsibleResult {
		return &fleet.AnsibleResult{Failed: true, Msg: fmt.Sprintf(format, args...)}
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return fail("arguments are not a JSON object: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !strings.HasPrefix(k, "_ansible_") && !slices.Contains([]string{"playbook", "vars", "host", "replace", "target"}, k) {
			return fail("unsupported parameter %q: wuplay takes playbook, vars, host, replace and target", k)
		}
	}
	var in ansibleArgs
	if err := json.Unmarshal(data, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fail("argument %s: want %s, not a JSON %s", te.Field, kindWords[te.Type.Kind()], te.Value)
		}
		return fail("arguments: %v", err)
	}
	if in.Playbook == "" {
		return fail("argument playbook is required: a shipped playbook such as kb910336, or a path on the host")
	}
	a := &args{command: "apply", playbook: in.Playbook, host: in.Host, hostGiven: in.Host != "", replace: in.Replace, target: in.Target, autoApprove: true}
	if a.host == "" {
		a.host = "local"
	}
	// Each value is converted to its variable's type, or refused, as
	// -var's are: a string is -var's text, so "True" is no bool.
	vars, err := engine.JSONVars(in.Vars, "argument vars")
	if err != nil {
		return fail("%v", err)
	}
	a.varValues = vars
	if in.CheckMode {
		a.command = "plan"
	}
	r := &run{cli: &cli{stdout: io.Discard, stderr: io.Discard}, a: a, files: map[string]*hcl.File{}}
	pp, diags, err := r.prepare(ctx)
	if diags.HasErrors() {
		var msg strings.Builder
		views.WriteDiagnostics(&msg, r.files, diags, 0, false)
		return fail("%s", strings.TrimSpace(msg.String()))
	}
	if err != nil {
		return fail("%s", escapeLines(err.Error()))
	}
	if pp.unlock != nil {
		defer pp.unlock()
	}
	doc := pp.plan.Document()
	changed, _ := pp.plan.Changed()
	res := &fleet.AnsibleResult{Changed: changed > 0, Plan: doc}
	if in.Diff {
		res.Diff = ansibleDiffs(doc)
	}
	if in.CheckMode || changed == 0 {
		res.Msg = fmt.Sprintf("plan: %d to change, %d unchanged", doc.Summary.Changes, doc.Summary.Unchanged)
		if !in.CheckMode {
			if err := engine.Record(pp.plan, pp.host, nil, nil); err != nil {
				return fail("%v", err)
			}
		}
		return res
	}
	results, err := engine.Apply(ctx, pp.plan, pp.host, quietObserver{})
	counts := map[engine.Status]int{}
	for _, sr := range results {
		counts[sr.Status]++
		if sr.Status == engine.PutBack {
			res.PutBack = append(res.PutBack, sr.PutBack)
		}
	}
	res.Steps = pp.plan.Outcomes(results)
	res.Changed = counts[engine.Done] > 0
	res.RebootRequired = len(engine.RebootNeeded(results)) > 0
	res.Msg = fmt.Sprintf("applied: %d changed, %d unchanged", counts[engine.Done], counts[engine.Unchanged])
	if err != nil {
		// Changed is whether the host differs from before, read again: a
		// step that failed partly done, or a put back that failed, changed
		// it too.
		res.LeftChanged = leftChanged(ctx, pp, results, err)
		res.Failed, res.Changed = true, len(res.LeftChanged) > 0
		res.Msg = fmt.Sprintf("%s (%d changed, %d not attempted)", escapeLines(err.Error()), counts[engine.Done], counts[engine.NotAttempted])
	}
	return res
}

var kindWords = map[reflect.Kind]string{
	reflect.String: "a string",
	reflect.Bool:   "true or false",
	reflect.Slice:  "a list of strings",
	reflect.Map:    "a mapping",
}

// ansibleDiffs gives each changing step's objects as before and after
// text, which ansible-playbook --diff prints as a unified diff, raw: names
// and values are escaped for a terminal.
func ansibleDiffs(d *engine.PlanDocument) []fleet.AnsibleDiff {
	var out []fleet.AnsibleDiff
	for _, ds := range d.Steps {
		for _, c := range ds.Changes {
			header := views.EscapeText(fmt.Sprintf("%s: %s %s", ds.Address, c.Kind, c.Name))
			out = append(out, fleet.AnsibleDiff{BeforeHeader: header, AfterHeader: header, Before: stateText(c.Before), After: stateText(c.After)})
		}
	}
	return out
}

func stateText(s map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if s[k] != "" && !resources.Hidden(k) {
			fmt.Fprintf(&b, "%s: %s\n", views.EscapeText(k), escapeLines(s[k]))
		}
	}
	return b.String()
}

type quietObserver struct{}

func (quietObserver) StepStarted(*engine.StepPlan)                     {}
func (quietObserver) StepProgress(*engine.StepPlan, string)            {}
func (quietObserver) StepFinished(*engine.StepPlan, engine.StepResult) {}
