package resources

import "testing"

func TestFilesDiff(t *testing.T) {
	spool := &Files{Path: `C:\Windows\System32\spool\PRINTERS`, Pattern: "*.shd", State: "absent"}
	dir := State{"exists": "true", "type": "directory"}
	testDiffs(t, map[string]diffCase{
		"matching files are deleted": {
			res: spool, cur: []State{dir, {"matches": "00001.shd/00002.shd"}},
			want: Change{Action: Delete, After: []State{nil, {"matches": ""}}},
		},
		"no file matches": {
			res: spool, cur: []State{dir, {"matches": ""}},
			want: NoChange("no file matches *.shd: already absent"),
		},
		"folder through a link is refused": {
			res: spool, cur: []State{{"exists": "true", "type": "directory", "resolved": `D:\Spool`}, {"matches": "00001.shd"}},
			err: `refusing to delete *.shd in C:\Windows\System32\spool\PRINTERS: it leads through a symbolic link or junction to D:\Spool`,
		},
		"protected files are refused": {
			res: spool, cur: []State{dir, {"matches": "00001.shd", "protected": "in System32"}},
			err: "it is in System32 (set allow_protected = true",
		},
		"protected files allowed": {
			res: &Files{Path: spool.Path, Pattern: "*.shd", State: "absent", AllowProtected: true}, cur: []State{dir, {"matches": "00001.shd", "protected": "in System32"}},
			want: Change{Action: Delete, After: []State{nil, {"matches": ""}}},
		},
	})
}
