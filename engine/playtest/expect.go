package playtest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/resources/host"
)

// expect compares what the host holds of one object with what the test
// expects of it, and says whether the test goes on.
func (tr *testRun) expect(rng hcl.Range, e *engine.Expectation, h *host.Sim) bool {
	str := func(name string) string {
		if v, ok := e.Object[name]; ok && v.Type() == cty.String {
			return v.AsString()
		}
		return ""
	}
	what := e.Type + " " + str(map[string]string{"service": "name", "path": "path", "file": "path", "registry_value": "key",
		"registry_key": "key", "events": "provider", "last_apply": "playbook"}[e.Type])
	if e.Type == "registry_value" {
		what += `\` + str("name")
	}
	got, err := tr.read(e, h, str)
	if err != nil {
		tr.fail(rng, what, "", "", err.Error())
		return false
	}
	before := len(tr.failures)
	for _, w := range e.Want {
		if g := got[w.Name]; g != w.Value {
			tr.fail(w.Range, what+": "+w.Name, quote(w.Value), quoteOr(g, "nothing"), "")
		}
	}
	if c := e.Contains; c != nil && !strings.Contains(got["content"], c.Value) {
		tr.fail(c.Range, what+": content", "content holding "+quote(c.Value), quoteOr(got["content"], "nothing"), "")
	}
	return len(tr.failures) == before
}

// read reads the object's attributes, as an expectation names them.
func (tr *testRun) read(e *engine.Expectation, h *host.Sim, str func(string) string) (map[string]string, error) {
	got := map[string]string{}
	switch e.Type {
	case "service":
		st, err := h.Service(tr.ctx, str("name"))
		if errors.Is(err, host.ErrServiceNotFound) {
			return map[string]string{"exists": "false"}, nil
		}
		if err != nil {
			return nil, err
		}
		got = map[string]string{"exists": "true", "state": st.State, "start_type": st.StartType}
	case "path", "file":
		fi, err := h.Stat(str("path"))
		if err != nil {
			return nil, err
		}
		got["exists"] = strconv.FormatBool(fi.Exists)
		switch {
		case !fi.Exists:
		case fi.Link:
			got["type"] = "link"
		case fi.IsDir:
			got["type"] = "directory"
		default:
			got["type"], got["size"] = "file", strconv.FormatInt(fi.Size, 10)
			if e.Type == "file" {
				data, err := h.ReadFile(str("path"))
				if err != nil {
					return nil, err
				}
				got["content"] = string(data)
			}
		}
	case "registry_value":
		v, err := h.RegistryValue(str("key"), str("name"))
		if err != nil {
			return nil, err
		}
		got["exists"] = strconv.FormatBool(v.Exists)
		if v.Exists {
			got["type"], got["data"] = v.Type, v.Data
		}
	case "registry_key":
		ok, err := h.RegistryKeyExists(str("key"))
		if err != nil {
			return nil, err
		}
		got["exists"] = strconv.FormatBool(ok)
	case "events":
		channel := str("channel")
		if channel == "" {
			channel = "System"
		}
		var ids []int
		if v, ok := e.Object["ids"]; ok && v.CanIterateElements() {
			for _, id := range v.AsValueSlice() {
				if id.Type() == cty.Number {
					n, _ := id.AsBigFloat().Int64()
					ids = append(ids, int(n))
				}
			}
		}
		events, err := h.Events(channel, str("provider"), ids, math.MaxInt)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, ev := range events {
			if e.Match == nil || e.Match.MatchString(ev.Message) {
				n++
			}
		}
		got["count"] = strconv.Itoa(n)
	case "last_apply":
		rec, ok, err := host.ReadApplyRecord(h, str("playbook"))
		if err != nil {
			return nil, err
		}
		got["exists"] = strconv.FormatBool(ok)
		if ok {
			got["result"], got["changed"] = rec.Result, strings.Join(rec.Changed, "\n")
		}
	default:
		panic(fmt.Sprintf("playtest: expectation of unknown type %q", e.Type)) // the loader checks types
	}
	return got, nil
}
