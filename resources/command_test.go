package resources

import "testing"

func TestCommandDiff(t *testing.T) {
	reset := []string{"netsh", "winsock", "reset"}
	testDiffs(t, map[string]diffCase{
		"unguarded command always runs": {
			res: &Command{Run: reset}, cur: []State{},
			want: Change{Action: Run, After: []State{}, Reason: "run netsh winsock reset (always runs: no creates, removes, unless or only_if)"},
		},
		"creates exists": {
			res: &Command{Run: reset, Creates: `C:\done`}, cur: []State{{"exists": "true"}},
			want: NoChange(`C:\done exists (creates)`),
		},
		"creates missing": {
			res: &Command{Run: reset, Creates: `C:\done`}, cur: []State{{"exists": "false"}},
			want: Change{Action: Run, After: []State{nil}, Reason: "run netsh winsock reset"},
		},
		"-replace runs it anyway": {
			res: &Command{Run: reset, Creates: `C:\done`}, cur: []State{{"exists": "true"}}, force: true,
			want: Change{Action: Run, After: []State{nil}, Reason: "run netsh winsock reset"},
		},
		"removes already gone": {
			res: &Command{Run: reset, Removes: `C:\todo`}, cur: []State{{"exists": "false"}},
			want: NoChange(`C:\todo does not exist (removes)`),
		},
		"unless succeeded": {
			res: &Command{Run: reset, Unless: []string{"check"}}, cur: []State{{"exit": "0"}},
			want: NoChange(`unless "check" succeeded`),
		},
		"unless failed": {
			res: &Command{Run: reset, Unless: []string{"check"}}, cur: []State{{"exit": "1"}},
			want: Change{Action: Run, After: []State{nil}, Reason: "run netsh winsock reset"},
		},
		"only_if failed": {
			res: &Command{Run: reset, OnlyIf: []string{"check"}}, cur: []State{{"exit": "1"}},
			want: NoChange(`only_if "check" failed`),
		},
		"guards in order: creates, then only_if": {
			res: &Command{Run: reset, Creates: `C:\done`, OnlyIf: []string{"check"}}, cur: []State{{"exists": "false"}, {"exit": "1"}},
			want: NoChange(`only_if "check" failed`),
		},
		"a restart afterwards is said": {
			res: &Command{Run: reset, RebootRequired: true}, cur: []State{},
			want: Change{Action: Run, After: []State{}, Reason: "run netsh winsock reset (always runs: no creates, removes, unless or only_if); the host needs a restart afterwards"},
		},
	})
}
