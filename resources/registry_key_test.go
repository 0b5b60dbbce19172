package resources

import "testing"

func TestRegistryKeyDiff(t *testing.T) {
	const key = `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`
	del := &RegistryKey{Key: key, State: "absent"}
	backedUp := &RegistryKey{Key: key, State: "absent", Backup: `C:\backup\wu.reg`}
	export := State{"exists": "true", "sha256": "abc"}
	testDiffs(t, map[string]diffCase{
		"missing key is created": {
			res: &RegistryKey{Key: key, State: "present"}, cur: []State{{"exists": "false"}},
			want: Change{Action: Create, After: []State{{"exists": "true"}}},
		},
		"key already there": {
			res: &RegistryKey{Key: key, State: "present"}, cur: []State{{"exists": "true"}},
			want: NoChange(key + " already exists"),
		},
		"key is deleted": {
			res: del, cur: []State{{"exists": "true"}},
			want: Change{Action: Delete, After: []State{{"exists": "false"}}},
		},
		"key already absent": {
			res: del, cur: []State{{"exists": "false"}},
			want: NoChange(key + " is already absent"),
		},
		"protected key is refused": {
			res: &RegistryKey{Key: `HKLM\SYSTEM`, State: "absent"}, cur: []State{{"exists": "true", "protected": "the system hive"}},
			err: `refusing to delete HKLM\SYSTEM: it is the system hive`,
		},
		"backup is written before the delete": {
			res: backedUp, cur: []State{{"exists": "true"}, {"exists": "false"}, export},
			want: Change{Action: Delete, After: []State{{"exists": "false"}, {"exists": "true", "type": "file"}, nil}},
		},
		"backup of a rerun already holds the key": {
			res: backedUp, cur: []State{{"exists": "true"}, {"exists": "true", "type": "file", "sha256": "abc"}, export},
			want: Change{Action: Delete, After: []State{{"exists": "false"}, nil, nil}},
		},
		"another file at the backup path": {
			res: backedUp, cur: []State{{"exists": "true"}, {"exists": "true", "type": "file", "sha256": "other"}, export},
			err: `the backup file C:\backup\wu.reg already exists and does not hold this key as it is now`,
		},
		"a folder at the backup path": {
			res: backedUp, cur: []State{{"exists": "true"}, {"exists": "true", "type": "directory"}, export},
			err: `the backup path C:\backup\wu.reg is a directory, not a file`,
		},
	})
}
