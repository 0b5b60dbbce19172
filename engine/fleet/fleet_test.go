package fleet_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/internal/corpus"
	"github.com/wuplay/wuplay/engine/internal/golden"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

// fleetSituation is one kind of host in a generated fleet: a sample host,
// changed a little, planned for real with kb910336.
type fleetSituation struct {
	name    string
	host    string            // testdata/hosts/NAME, copied
	edit    map[string]string // replacements in the copy's host.yaml
	per1000 int               // how many of every 1,000 hosts are like this
}

// fleetSituations make a fleet of 1,000: 600 would change (two distinct
// plans, one of them on hosts whose %windir% is C:\WINDOWS), 300 are
// already fine (200 without the symptom, 100 fixed before) and 100 fail
// preflight (for two different reasons).
var fleetSituations = []fleetSituation{
	{name: "broken", host: "broken", per1000: 300},
	{name: "recreates", host: "recreates", per1000: 100},
	{name: "broken, windir in capitals", host: "broken", per1000: 160,
		edit: map[string]string{`windir: C:\Windows`: `windir: C:\WINDOWS`}},
	{name: "wuauserv already stopped", host: "broken", per1000: 40,
		edit: map[string]string{"wuauserv:\n    state: running": "wuauserv:\n    state: stopped"}},
	{name: "healthy", host: "healthy", per1000: 200},
	{name: "fixed before, SDTemp kept", host: "fixed", per1000: 100},
	{name: "locked by TrustedInstaller", host: "locked", per1000: 60},
	{name: "wuauserv disabled", host: "broken", per1000: 40,
		edit: map[string]string{"wuauserv:\n    state: running\n    start_type: manual": "wuauserv:\n    state: running\n    start_type: disabled"}},
}

// fleetOutcome is a situation's real plan, or the diagnostics that stopped
// it.
type fleetOutcome struct {
	doc   *engine.PlanDocument
	diags hcl.Diagnostics
}

// planSituations plans kb910336 once for each situation.
func planSituations(tb testing.TB) []fleetOutcome {
	tb.Helper()
	_, src, _ := playbooks.Lookup("kb910336")
	pb, diags := engine.Load("kb910336.hcl", src)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	var out []fleetOutcome
	for _, s := range fleetSituations {
		dir := tb.TempDir()
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "hosts", s.host))); err != nil {
			tb.Fatal(err)
		}
		yml, err := os.ReadFile(filepath.Join(dir, "host.yaml"))
		if err != nil {
			tb.Fatal(err)
		}
		for from, to := range s.edit {
			if !bytes.Contains(yml, []byte(from)) {
				tb.Fatalf("%s: host.yaml has no %q", s.name, from)
			}
			yml = bytes.ReplaceAll(yml, []byte(from), []byte(to))
		}
		if err := os.WriteFile(filepath.Join(dir, "host.yaml"), yml, 0o644); err != nil {
			tb.Fatal(err)
		}
		h, err := host.OpenSim(dir)
		if err != nil {
			tb.Fatal(err)
		}
		p, diags := engine.NewPlan(context.Background(), pb, h, engine.Options{})
		if diags.HasErrors() {
			out = append(out, fleetOutcome{diags: diags})
			continue
		}
		out = append(out, fleetOutcome{doc: p.Document()})
	}
	return out
}

// fleetResult is one host's collected dry run, in one of the three forms a
// collector may hold.
type fleetResult struct {
	host, name string
	data       []byte
}

// fleetResults makes n hosts' results from the situations' real plans:
// each host gets its own name and time of planning, says "local" as a
// real host does, and comes as a saved plan, a -json stream or an Ansible
// result in turn. Host names are scattered over the situations, so that
// no group is a run of consecutive names.
func fleetResults(tb testing.TB, n int) []fleetResult {
	tb.Helper()
	outcomes := planSituations(tb)
	start := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	var out []fleetResult
	i := 0
	for si, s := range fleetSituations {
		for range s.per1000 * n / 1000 {
			name := fmt.Sprintf("ws%05d", (i*7919)%n)
			var data []byte
			var ext string
			switch o := outcomes[si]; {
			case o.doc != nil && i%3 == 0:
				d := *o.doc
				d.Host, d.CreatedAt = "local", start.Add(time.Duration(i)*time.Second)
				data, ext = d.Marshal(), ".plan"
			case o.doc != nil && i%3 == 1:
				d := *o.doc
				d.Host = "local"
				var buf bytes.Buffer
				views.NewJSONWriter(&buf).Plan(&d)
				data, ext = buf.Bytes(), ".jsonl"
			case o.doc != nil:
				d := *o.doc
				d.Host, d.CreatedAt = "local", start.Add(time.Duration(i)*time.Second)
				data, ext = ansibleResult(tb, map[string]any{"changed": d.Summary.Changes > 0, "failed": false,
					"msg": fmt.Sprintf("plan: %d to change, %d unchanged", d.Summary.Changes, d.Summary.Unchanged), "wuplay_plan": &d}), ".json"
			case i%2 == 0:
				var buf bytes.Buffer
				views.NewJSONWriter(&buf).Diagnostics(o.diags)
				data, ext = buf.Bytes(), ".jsonl"
			default:
				var msg strings.Builder
				hcl.NewDiagnosticTextWriter(&msg, nil, 0, false).WriteDiagnostics(o.diags)
				data, ext = ansibleResult(tb, map[string]any{"changed": false, "failed": true, "msg": strings.TrimSpace(msg.String())}), ".json"
			}
			out = append(out, fleetResult{host: name, name: name + ext, data: data})
			i++
		}
	}
	if len(out) != n {
		tb.Fatalf("made %d results, want %d", len(out), n)
	}
	return out
}

// ansibleResult is the module's result as ansible-playbook keeps it.
func ansibleResult(tb testing.TB, res map[string]any) []byte {
	res["invocation"] = map[string]any{"module_args": map[string]any{"playbook": "kb910336"}}
	data, err := json.Marshal(res)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func parseResults(tb testing.TB, results []fleetResult) []fleet.Input {
	tb.Helper()
	inputs := make([]fleet.Input, 0, len(results))
	for _, r := range results {
		in, err := fleet.ParseInput(r.host, r.name, r.data)
		if err != nil {
			tb.Fatal(err)
		}
		inputs = append(inputs, in)
	}
	return inputs
}

// TestFleetGolden summarises 1,000 generated hosts' dry runs as text,
// Markdown and JSON; go test ./engine/fleet -update rewrites testdata/fleet.
func TestFleetGolden(t *testing.T) {
	s := fleet.Summarize(parseResults(t, fleetResults(t, 1000)))
	counts := []int{s.Hosts, s.WouldChange, s.AlreadyFine, s.WithoutSymptom, s.Failed, s.Unreadable, len(s.Plans), len(s.Failures)}
	if diff := cmp.Diff([]int{1000, 600, 300, 200, 100, 0, 4, 2}, counts); diff != "" {
		t.Errorf("hosts, would change, already fine, symptom absent, failed, unreadable, plans, failures (-want +got):\n%s", diff)
	}
	var text, color, md strings.Builder
	if err := views.WriteFleetText(&text, s, false); err != nil {
		t.Fatal(err)
	}
	if err := views.WriteFleetText(&color, s, true); err != nil {
		t.Fatal(err)
	}
	if err := views.WriteFleetMarkdown(&md, s); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\x1b") || !strings.Contains(color.String(), "\x1b[1m") {
		t.Error("colour must be in the coloured text only")
	}
	golden.Check(t, filepath.Join("..", "..", "testdata", "fleet", "kb910336-1000.txt"), text.String())
	golden.Check(t, filepath.Join("..", "..", "testdata", "fleet", "kb910336-1000.md"), md.String())
	golden.Check(t, filepath.Join("..", "..", "testdata", "fleet", "kb910336-1000.json"), string(s.Marshal()))
}

// TestSummarizeIgnoresOrder: the summary is a function of the set of
// inputs.
func TestSummarizeIgnoresOrder(t *testing.T) {
	inputs := parseResults(t, fleetResults(t, 100))
	want := fleet.Summarize(inputs).Marshal()
	for i, j := 0, len(inputs)-1; i < j; i, j = i+1, j-1 {
		inputs[i], inputs[j] = inputs[j], inputs[i]
	}
	if diff := cmp.Diff(string(want), string(fleet.Summarize(inputs).Marshal())); diff != "" {
		t.Error(diff)
	}
}

func TestFingerprint(t *testing.T) {
	base := planSituations(t)[0].doc
	copyDoc := func(edit func(d *engine.PlanDocument)) *engine.PlanDocument {
		var d engine.PlanDocument
		if err := json.Unmarshal(base.Marshal(), &d); err != nil {
			t.Fatal(err)
		}
		edit(&d)
		return &d
	}
	tests := map[string]struct {
		edit func(d *engine.PlanDocument)
		same bool
	}{
		"another host, made at another time": {same: true, edit: func(d *engine.PlanDocument) {
			d.Host, d.CreatedAt = "sim:elsewhere", d.CreatedAt.Add(time.Hour)
		}},
		"objects read differ, steps do not": {same: true, edit: func(d *engine.PlanDocument) {
			d.Objects = d.Objects[:1]
			d.Facts = nil
		}},
		"another reason, another description": {same: true, edit: func(d *engine.PlanDocument) {
			d.Steps[0].Reason, d.Steps[0].Description = "because", "stop it"
		}},
		"the case of a path": {same: true, edit: func(d *engine.PlanDocument) {
			d.Steps[1].Changes[0].Name = strings.ToUpper(d.Steps[1].Changes[0].Name)
		}},
		"an attribute that does not change": {same: true, edit: func(d *engine.PlanDocument) {
			d.Steps[0].Changes[0].Before["start_type"] = "automatic"
			d.Steps[0].Changes[0].After["start_type"] = "automatic"
		}},
		"another playbook": {edit: func(d *engine.PlanDocument) { d.Playbook.Name = "kb971058" }},
		"another action":   {edit: func(d *engine.PlanDocument) { d.Steps[0].Action = "no-op" }},
		"a forced step":    {edit: func(d *engine.PlanDocument) { d.Steps[1].Forced = true }},
		"another before":   {edit: func(d *engine.PlanDocument) { d.Steps[0].Changes[0].Before["state"] = "paused" }},
		"another rename destination": {edit: func(d *engine.PlanDocument) {
			d.Steps[1].Target = `C:\Windows\SDTemp.1`
		}},
		"one step fewer": {edit: func(d *engine.PlanDocument) { d.Steps = d.Steps[1:] }},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fleet.Fingerprint(base) == fleet.Fingerprint(copyDoc(tt.edit)); got != tt.same {
				t.Errorf("same fingerprint: %t, want %t", got, tt.same)
			}
		})
	}
}

// TestFailureMessage: a failure is grouped by the part of its message that
// hosts share.
func TestFailureMessage(t *testing.T) {
	tests := map[string]struct{ host, msg, want string }{
		"the command line's Error: and the source below go": {
			host: "ws1", msg: "Error: service.start: service wuauserv is disabled\n\n  on kb910336.hcl line 41:\n  41: service \"start\" {",
			want: "service.start: service wuauserv is disabled",
		},
		"the host's own name is replaced, whatever its case": {
			host: "WS0042", msg: `cannot read \\ws0042\c$: access denied`,
			want: `cannot read \\<host>\c$: access denied`,
		},
		"a name that only starts like the host's stays": {
			host: "ws1", msg: "ws10 answered instead",
			want: "ws10 answered instead",
		},
		"no message": {host: "ws1", msg: " ", want: "(no message)"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := fleet.Summarize([]fleet.Input{{Host: tt.host, Failure: tt.msg}})
			if got := s.Failures[0].Message; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSummarizeGroupsFailures(t *testing.T) {
	s := fleet.Summarize([]fleet.Input{
		{Host: "a", Failure: `Error: cannot rename C:\Windows\SoftwareDistribution: the destination C:\Windows\SDTemp already exists`},
		{Host: "b", Failure: `cannot rename C:\WINDOWS\SoftwareDistribution: the destination C:\WINDOWS\SDTemp already exists`},
		{Host: "c", Failure: "unreachable: Failed to connect to the host via winrm"},
		{Host: "d", Unreadable: "d.plan: corrupt plan file"},
	})
	var got []string
	for _, f := range s.Failures {
		got = append(got, fmt.Sprintf("%d %s %s", f.HostCount, strings.Join(f.Hosts, ","), f.Message))
	}
	want := []string{
		`2 a,b cannot rename C:\Windows\SoftwareDistribution: the destination C:\Windows\SDTemp already exists`,
		"1 c unreachable: Failed to connect to the host via winrm",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s.Failed != 3 || s.Unreadable != 1 || s.Hosts != 4 {
		t.Errorf("failed %d, unreadable %d of %d hosts; want 3, 1 of 4", s.Failed, s.Unreadable, s.Hosts)
	}
}

func TestParseFleetInput(t *testing.T) {
	outcomes := planSituations(t)
	broken, healthy, locked := outcomes[0].doc, outcomes[4].doc, outcomes[6].diags
	var stream, healthyStream, diags bytes.Buffer
	views.NewJSONWriter(&stream).Plan(broken)
	views.NewJSONWriter(&healthyStream).Plan(healthy)
	views.NewJSONWriter(&diags).Diagnostics(locked)
	planLines := bytes.SplitAfter(stream.Bytes(), []byte("\n"))
	tests := map[string]struct {
		data    []byte
		want    *engine.PlanDocument // the plan read, if not broken's
		failure string               // the failure read, in part
		err     string               // the error, in part
	}{
		"saved plan":             {data: broken.Marshal()},
		"plan -json":             {data: stream.Bytes()},
		"plan -json, no symptom": {data: healthyStream.Bytes(), want: healthy},
		"plan -json > file in Windows PowerShell 5.1": {data: utf16LE(stream.String())},
		"saved plan with a byte order mark":           {data: append([]byte{0xef, 0xbb, 0xbf}, broken.Marshal()...)},
		"plan -json, a warning":                       {data: append([]byte(`{"format_version":"2.0","type":"diagnostic","severity":"warning","summary":"w","detail":""}`+"\n"), stream.Bytes()...)},
		"plan -json that failed":                      {data: diags.Bytes(), failure: "held open by service TrustedInstaller"},
		"Ansible check mode":                          {data: ansibleResult(t, map[string]any{"changed": true, "wuplay_plan": broken})},
		"Ansible failed":                              {data: ansibleResult(t, map[string]any{"failed": true, "msg": "Error: x is disabled"}), failure: "Error: x is disabled"},
		"Ansible unreachable":                         {data: []byte(`{"unreachable": true, "changed": false, "msg": "Failed to connect"}`), failure: "unreachable: Failed to connect"},
		"not JSON":                                    {data: []byte("playbook \"x\" {}\n"), err: "h.plan is not a wuplay plan"},
		"another JSON document":                       {data: []byte(`{"a": 1}`), err: "no format_version, type or wuplay_plan"},
		"tampered saved plan":                         {data: bytes.Replace(broken.Marshal(), []byte(`\"stopped\"`), []byte(`\"running\"`), 1), err: "does not match its sha256"},
		"plan -json cut short":                        {data: bytes.Join(planLines[:2], nil), err: "ends before its plan_summary line"},
		"plan -json of a later version": {data: []byte(`{"format_version":"3.0","type":"plan_summary"}`),
			err: "h.plan: object 1 is a -json stream of format 3.0, which this wuplay ((devel)) does not read: it reads format 2.0"},
		"plan -json of format 1": {data: []byte(`{"format_version":"1.0","type":"plan_summary","symptom_present":true}`),
			err: "h.plan: object 1 is a -json stream of format 1.0, which this wuplay ((devel)) does not read"},
		"a saved plan of format 1": {data: []byte(`{"format_version": 1, "wuplay_version": "v0.9.0", "steps": []}`),
			err: "h.plan is a plan file of format 1, which this wuplay ((devel)) does not read: it reads format 2.0; make the plan again with this wuplay"},
		"apply -json": {data: []byte(`{"format_version":"2.0","type":"step_started","address":"service.x","action":"stop"}`),
			err: "is the output of wuplay apply, not of a dry run"},
		"Ansible apply": {data: ansibleResult(t, map[string]any{"changed": true, "wuplay_plan": broken, "wuplay_steps": []any{}}),
			err: "is the result of an apply, not of a dry run"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in, err := fleet.ParseInput("h", "h.plan", tt.data)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case tt.failure != "":
				if in.Plan != nil || !strings.Contains(in.Failure, tt.failure) {
					t.Fatalf("plan %v, failure %q; want a failure with %q", in.Plan != nil, in.Failure, tt.failure)
				}
			case in.Plan == nil:
				t.Fatalf("no plan; failure %q", in.Failure)
			default:
				want := tt.want
				if want == nil {
					want = broken
				}
				if in.Plan.Summary != want.Summary || fleet.Fingerprint(in.Plan) != fleet.Fingerprint(want) {
					t.Errorf("summary %+v, fingerprint %s; want %+v, %s", in.Plan.Summary, fleet.Fingerprint(in.Plan), want.Summary, fleet.Fingerprint(want))
				}
			}
		})
	}
}

// FuzzParseFleetInput: no input makes the reader panic, what it accepts
// is a plan or a failure, never both or neither, and whatever it reads is
// reported beside a host whose result read, in text, Markdown and JSON.
// Seeds: the situations' results, and the hostile corpus's.
func FuzzParseFleetInput(f *testing.F) {
	outcomes := planSituations(f)
	var stream, diags bytes.Buffer
	views.NewJSONWriter(&stream).Plan(outcomes[0].doc)
	views.NewJSONWriter(&diags).Diagnostics(outcomes[6].diags)
	for _, seed := range [][]byte{outcomes[0].doc.Marshal(), stream.Bytes(), diags.Bytes(),
		ansibleResult(f, map[string]any{"changed": true, "wuplay_plan": outcomes[0].doc}),
		[]byte(`{"failed": true, "msg": "x"}`), utf16LE(stream.String())} {
		f.Add(seed)
	}
	corpus.Add(f, "../../testdata/hostile/inputs/*.txtar", ".json", ".jsonl")
	good := fleet.Input{Host: "web01", Plan: outcomes[0].doc}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := fleet.ParseInput("h", "h.json", data)
		if err == nil && (in.Plan == nil) == (in.Failure == "") {
			t.Fatalf("plan %v and failure %q", in.Plan != nil, in.Failure)
		}
		if err != nil {
			in = fleet.Input{Host: "h", Unreadable: err.Error()}
		}
		s := fleet.Summarize([]fleet.Input{good, in})
		views.WriteFleetText(io.Discard, s, true)
		views.WriteFleetMarkdown(io.Discard, s)
		s.Marshal()
	})
}

// utf16LE is text as Windows PowerShell 5.1 redirects it to a file: with
// a byte order mark, each line ending in CR LF.
func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(strings.ReplaceAll(s, "\n", "\r\n"))) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// BenchmarkFleetSummary summarises 10,000 hosts' dry runs, from memory
// and from the bytes collected (a third each saved plans, -json streams
// and Ansible results).
func BenchmarkFleetSummary(b *testing.B) {
	results := fleetResults(b, 10000)
	inputs := parseResults(b, results)
	size := 0
	for _, r := range results {
		size += len(r.data)
	}
	b.Run("plans=10000/summarize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fleet.Summarize(inputs)
		}
	})
	b.Run("plans=10000/parse+summarize", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for b.Loop() {
			fleet.Summarize(parseResults(b, results))
		}
	})
	b.Run("plans=10000/parse+summarize+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := fleet.Summarize(parseResults(b, results))
			var out bytes.Buffer
			views.WriteFleetText(&out, s, false)
			views.WriteFleetMarkdown(&out, s)
			out.Write(s.Marshal())
		}
	})
}
