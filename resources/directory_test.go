package resources

import "testing"

func TestDirectoryDiff(t *testing.T) {
	dir := State{"exists": "true", "type": "directory", "volume": "C:"}
	absent := State{"exists": "false", "volume": "C:"}
	parent := State{"exists": "true", "type": "directory", "volume": "C:"}
	sd := `C:\Windows\SoftwareDistribution`
	rename := func(ifExists string) *Directory {
		return &Directory{Path: sd, State: "absent", RenameTo: `C:\Windows\SDTemp`, IfExists: ifExists}
	}
	testDiffs(t, map[string]diffCase{
		"missing folder is created": {
			res: &Directory{Path: `C:\New`, State: "present"}, cur: []State{absent},
			want: Change{Action: Create, After: []State{dir}},
		},
		"folder already there": {
			res: &Directory{Path: `C:\New`, State: "present"}, cur: []State{dir},
			want: NoChange(`C:\New already exists`),
		},
		"a file where the folder should be": {
			res: &Directory{Path: `C:\New`, State: "present"}, cur: []State{{"exists": "true", "type": "file"}},
			err: `C:\New is a file, not a folder`,
		},
		"folder is deleted": {
			res: &Directory{Path: `C:\Old`, State: "absent"}, cur: []State{dir},
			want: Change{Action: Delete, After: []State{absent}},
		},
		"folder already absent": {
			res: &Directory{Path: `C:\Old`, State: "absent"}, cur: []State{absent},
			want: NoChange(`C:\Old is already absent`),
		},
		"protected folder is refused": {
			res: &Directory{Path: `C:\Windows`, State: "absent"}, cur: []State{{"exists": "true", "type": "directory", "protected": "the Windows folder"}},
			err: `refusing to delete C:\Windows: it is the Windows folder (set allow_protected = true`,
		},
		"protected folder allowed": {
			res: &Directory{Path: `C:\Windows`, State: "absent", AllowProtected: true}, cur: []State{{"exists": "true", "type": "directory", "protected": "the Windows folder"}},
			want: Change{Action: Delete, After: []State{{"exists": "false", "protected": "the Windows folder"}}},
		},
		"a link is refused even when allowed": {
			res: &Directory{Path: `C:\Link`, State: "absent", AllowProtected: true}, cur: []State{{"exists": "true", "type": "directory", "resolved": `D:\Data`}},
			err: `refusing to delete C:\Link: it leads through a symbolic link or junction to D:\Data`,
		},
		"a path that climbs is refused": {
			res: &Directory{Path: `C:\Temp\..\Windows`, State: "absent"}, cur: []State{dir},
			err: `the path climbs with ".."`,
		},
		"folder with entries is emptied": {
			res: &Directory{Path: `C:\Spool`, State: "empty"}, cur: []State{dir, {"matches": "a.shd/b.spl"}},
			want: Change{Action: Empty, After: []State{nil, {"matches": ""}}},
		},
		"empty folder is already empty": {
			res: &Directory{Path: `C:\Spool`, State: "empty"}, cur: []State{dir, {"matches": ""}},
			want: NoChange(`C:\Spool is already empty`),
		},
		"empty of a missing folder creates it": {
			res: &Directory{Path: `C:\Spool`, State: "empty"}, cur: []State{absent, {"matches": ""}},
			want: Change{Action: Create, After: []State{dir, nil}},
		},
		"rename to a free name": {
			res: rename("fail"), cur: []State{dir, absent, parent},
			want: Change{Action: Rename, After: []State{absent, dir, nil}},
		},
		"rename destination exists": {
			res: rename("fail"), cur: []State{dir, dir, parent},
			err: `the destination C:\Windows\SDTemp already exists (from an earlier run?)`,
		},
		"rename destination exists: rotate": {
			res: rename("rotate"), cur: []State{dir, dir, parent, {"matches": "SDTemp/sdtemp.1"}},
			want: Change{Action: Rename, Target: `C:\Windows\SDTemp.2`, After: []State{absent, nil, nil, {"matches": "SDTemp/SDTemp.2/sdtemp.1"}}},
		},
		"rename destination exists: replace": {
			res: rename("replace"), cur: []State{dir, dir, parent},
			want: Change{Action: Rename, Target: `C:\Windows\SDTemp`, After: []State{absent, dir, nil}},
		},
		"rename across volumes": {
			res: &Directory{Path: sd, State: "absent", RenameTo: `D:\SDTemp`}, cur: []State{dir, {"exists": "false", "volume": "D:"}, parent},
			err: "they are on different volumes (C:, D:)",
		},
		"rename into a missing folder": {
			res: &Directory{Path: sd, State: "absent", RenameTo: `C:\Old\SDTemp`}, cur: []State{dir, absent, {"exists": "false"}},
			err: `the folder C:\Old does not exist at this step`,
		},
		"rename destination through a link": {
			res: rename("fail"), cur: []State{dir, {"exists": "false", "volume": "C:", "resolved": `D:\x`}, parent},
			err: `the destination leads through a link to D:\x`,
		},
		"rename of an absent folder": {
			res: rename("fail"), cur: []State{absent, absent, parent},
			want: NoChange("%s is already absent", sd),
		},
	})
}
