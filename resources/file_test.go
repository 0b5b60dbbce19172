package resources

import "testing"

func TestFileDiff(t *testing.T) {
	content := func(s string) *string { return &s }
	hello := fileAt(State{}, []byte("hello"))
	testDiffs(t, map[string]diffCase{
		"missing file is created": {
			res: &File{Path: `C:\a.txt`, State: "present", Content: content("hello")}, cur: []State{{"exists": "false"}},
			want: Change{Action: Create, After: []State{hello}},
		},
		"missing file without content is created empty": {
			res: &File{Path: `C:\a.txt`, State: "present"}, cur: []State{{"exists": "false"}},
			want: Change{Action: Create, After: []State{fileAt(State{}, nil)}},
		},
		"file with other content is updated": {
			res: &File{Path: `C:\a.txt`, State: "present", Content: content("hello")}, cur: []State{fileAt(State{}, []byte("bye"))},
			want: Change{Action: Update, After: []State{hello}},
		},
		"file as wanted": {
			res: &File{Path: `C:\a.txt`, State: "present", Content: content("hello")}, cur: []State{hello},
			want: NoChange(`C:\a.txt is already as wanted`),
		},
		"file without content keeps what it holds": {
			res: &File{Path: `C:\a.txt`, State: "present"}, cur: []State{fileAt(State{}, []byte("bye"))},
			want: NoChange(`C:\a.txt is already as wanted`),
		},
		"-replace rewrites a file as wanted": {
			res: &File{Path: `C:\a.txt`, State: "present", Content: content("hello")}, cur: []State{hello}, force: true,
			want: Change{Action: Update, After: []State{hello}},
		},
		"hard links keep the old content": {
			res:  &File{Path: `C:\a.txt`, State: "present", Content: content("hello")},
			cur:  []State{{"exists": "true", "type": "file", "size": "3", "sha256": "x", "links": "2"}},
			want: Change{Action: Update, After: []State{{"exists": "true", "type": "file", "size": "5", "sha256": hello["sha256"], "links": ""}}, Reason: `C:\a.txt has 2 hard links: the other names keep the old content`},
		},
		"file is deleted": {
			res: &File{Path: `C:\a.txt`, State: "absent"}, cur: []State{hello},
			want: Change{Action: Delete, After: []State{{"exists": "false"}}},
		},
		"file already absent": {
			res: &File{Path: `C:\a.txt`, State: "absent"}, cur: []State{{"exists": "false"}},
			want: NoChange(`C:\a.txt is already absent`),
		},
		"protected file is refused": {
			res: &File{Path: `C:\Windows\win.ini`, State: "absent"}, cur: []State{{"exists": "true", "type": "file", "protected": "in the Windows folder"}},
			err: `refusing to delete C:\Windows\win.ini: it is in the Windows folder`,
		},
		"a folder where the file should be": {
			res: &File{Path: `C:\a.txt`, State: "present"}, cur: []State{{"exists": "true", "type": "directory"}},
			err: `C:\a.txt is a directory, not a file`,
		},
	})
}
