package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
)

// module runs wuplay as Ansible runs a binary module, with Ansible's own
// keys among the arguments, and decodes its one line of output.
func module(t *testing.T, args map[string]any) (map[string]any, int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "args")
	all := map[string]any{"_ansible_module_name": "wuplay", "_ansible_version": "2.14.18"}
	for k, v := range args {
		all[k] = v
	}
	data, _ := json.Marshal(all)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := &cli{stdout: &out, stderr: &out}
	code := c.main(context.Background(), []string{file})
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out.String())
	}
	return res, code
}

func brokenHost(t *testing.T) string {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/broken")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAnsibleBadArguments(t *testing.T) {
	tests := map[string]struct {
		args map[string]any
		msg  string
	}{
		"no playbook":       {map[string]any{}, "argument playbook is required"},
		"unknown parameter": {map[string]any{"playbook": "kb910336", "plabook": 1}, `unsupported parameter "plabook"`},
		"vars not a map":    {map[string]any{"playbook": "kb910336", "vars": "x"}, "argument vars: want a mapping, not a JSON string"},
		"undeclared var":    {map[string]any{"playbook": "kb971058", "vars": map[string]any{"agressive": true}}, `"agressive" is set, but the playbook declares no variable of that name. Did you mean "aggressive"?`},
		"bool as True":      {map[string]any{"playbook": "kb971058", "vars": map[string]any{"aggressive": "True"}}, `argument vars.aggressive: aggressive is of type bool: a bool is required; to convert from string, use lowercase "true"`},
		"bool as 1":         {map[string]any{"playbook": "kb971058", "vars": map[string]any{"aggressive": 1}}, "argument vars.aggressive: aggressive is of type bool: bool required"},
		"bool as a list":    {map[string]any{"playbook": "kb971058", "vars": map[string]any{"aggressive": []bool{true}}}, "argument vars.aggressive: aggressive is of type bool: bool required, but have tuple"},
		"replace a string":  {map[string]any{"playbook": "kb910336", "replace": "service.x"}, "argument replace: want a list of strings"},
		"no such playbook":  {map[string]any{"playbook": "kb000"}, "kb000: no such file, and no shipped playbook"},
		"bad host":          {map[string]any{"playbook": "kb910336", "host": "winrm:x"}, `unknown host "winrm:x"`},
		"unknown step":      {map[string]any{"playbook": "kb910336", "host": "sim:../../testdata/hosts/broken", "replace": []string{"service.x"}}, "service.x is not a step of playbook kb910336"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			res, code := module(t, tt.args)
			if res["failed"] != true || !strings.Contains(res["msg"].(string), tt.msg) || code != exitOK {
				t.Errorf("result %v (exit %d), want failed with msg containing %q", res, code, tt.msg)
			}
		})
	}
}

// The module's vars get their variables' types: a JSON true and the
// string "true" both make kb971058 aggressive.
func TestAnsibleTypedVars(t *testing.T) {
	for _, v := range []any{true, "true"} {
		res, _ := module(t, map[string]any{"playbook": "kb971058", "host": "sim:../../testdata/hosts/reset",
			"vars": map[string]any{"aggressive": v}, "_ansible_check_mode": true})
		plan, _ := res["wuplay_plan"].(map[string]any)
		if res["failed"] != false || plan == nil {
			t.Fatalf("aggressive = %#v: %v", v, res)
		}
		for _, step := range plan["steps"].([]any) {
			if s := step.(map[string]any); s["address"] == "directory.datastore" && s["action"] != "rename" {
				t.Errorf("aggressive = %#v: directory.datastore %v", v, s)
			}
		}
		if got := plan["variables"]; !reflect.DeepEqual(got, map[string]any{"aggressive": true}) {
			t.Errorf("aggressive = %#v: the plan records %v", v, got)
		}
	}
}

func TestAnsibleCheckModeAndApply(t *testing.T) {
	dir := brokenHost(t)
	args := map[string]any{"playbook": "kb910336", "host": "sim:" + dir, "_ansible_check_mode": true, "_ansible_diff": true}
	res, _ := module(t, args)
	if res["changed"] != true || res["failed"] != false {
		t.Fatalf("check mode: %v", res)
	}
	diff := res["diff"].([]any)
	first := diff[0].(map[string]any)
	if len(diff) != 4 || first["before"] != "start_type: manual\nstate: running\n" || first["after"] != "start_type: manual\nstate: stopped\n" {
		t.Errorf("diff %v", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "drive/c/Windows/SDTemp")); err == nil {
		t.Fatal("check mode changed the host")
	}

	delete(args, "_ansible_check_mode")
	res, _ = module(t, args)
	if res["changed"] != true || res["failed"] != false || len(res["wuplay_steps"].([]any)) != 3 || res["reboot_required"] != false {
		t.Fatalf("apply: %v", res)
	}
	res, _ = module(t, args)
	if res["changed"] != false || res["msg"] != "plan: 0 to change, 3 unchanged" {
		t.Fatalf("second apply: %v", res)
	}
}

// A step that needs a restart says so as Ansible's Windows modules do, so
// that a play can follow it with ansible.windows.win_reboot.
func TestAnsibleRebootRequired(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/hosts/reset")); err != nil {
		t.Fatal(err)
	}
	res, _ := module(t, map[string]any{"playbook": "kb971058", "host": "sim:" + dir})
	if res["failed"] != false || res["reboot_required"] != true {
		t.Fatalf("apply of kb971058, which resets Winsock: %v", res)
	}
	res, _ = module(t, map[string]any{"playbook": "kb971058", "host": "sim:" + dir})
	if res["changed"] != false || res["reboot_required"] != false {
		t.Fatalf("second apply, which runs nothing: %v", res)
	}
}

// The module's documentation (ansible/library/wuplay.yml, which ansible-doc
// reads) names every argument the module takes, with its type, and every
// key of its result, and nothing else.
func TestModuleDocumentation(t *testing.T) {
	data, err := os.ReadFile("../../ansible/library/wuplay.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Documentation struct {
			Module  string
			Options map[string]struct{ Type string }
		} `yaml:"DOCUMENTATION"`
		Return map[string]struct {
			Type     string
			Contains map[string]any
		} `yaml:"RETURN"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Documentation.Module != "wuplay" {
		t.Errorf("module %q, want wuplay", doc.Documentation.Module)
	}
	ansibleTypes := map[reflect.Kind]string{reflect.String: "str", reflect.Bool: "bool", reflect.Int64: "int", reflect.Map: "dict", reflect.Slice: "list"}
	fields := func(v any) map[string]string {
		out := map[string]string{}
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if !strings.HasPrefix(name, "_ansible_") {
				out[name] = ansibleTypes[rt.Field(i).Type.Kind()]
			}
		}
		return out
	}
	options := map[string]string{}
	for name, o := range doc.Documentation.Options {
		options[name] = o.Type
	}
	if diff := cmp.Diff(fields(ansibleArgs{}), options); diff != "" {
		t.Errorf("options (-module +documentation):\n%s", diff)
	}
	returned := map[string]string{}
	for name, r := range doc.Return {
		returned[name] = r.Type
	}
	want := fields(fleet.AnsibleResult{})
	want["wuplay_plan"] = "dict" // a pointer to the plan document
	if diff := cmp.Diff(want, returned); diff != "" {
		t.Errorf("return values (-module +documentation):\n%s", diff)
	}
	steps := map[string]string{}
	for name := range doc.Return["wuplay_steps"].Contains {
		steps[name] = fields(engine.StepOutcome{})[name]
	}
	if diff := cmp.Diff(fields(engine.StepOutcome{}), steps); diff != "" {
		t.Errorf("wuplay_steps (-module +documentation):\n%s", diff)
	}
}
