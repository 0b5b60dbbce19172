package resources

import "testing"

func TestRegistryValueDiff(t *testing.T) {
	const key = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate`
	id := &RegistryValue{Key: key, Name: "SusClientId", State: "present", Type: "string", Data: "new"}
	testDiffs(t, map[string]diffCase{
		"missing value is created": {
			res: id, cur: []State{{"exists": "false"}},
			want: Change{Action: Create, After: []State{{"exists": "true", "type": "string", "data": "new"}}},
		},
		"other data is updated": {
			res: id, cur: []State{{"exists": "true", "type": "string", "data": "old"}},
			want: Change{Action: Update, After: []State{{"exists": "true", "type": "string", "data": "new"}}},
		},
		"other type is updated": {
			res: id, cur: []State{{"exists": "true", "type": "expand_string", "data": "new"}},
			want: Change{Action: Update, After: []State{{"exists": "true", "type": "string", "data": "new"}}},
		},
		"value as wanted": {
			res: id, cur: []State{{"exists": "true", "type": "string", "data": "new"}},
			want: NoChange(`SusClientId is already "new"`),
		},
		"-replace writes a value as wanted": {
			res: id, cur: []State{{"exists": "true", "type": "string", "data": "new"}}, force: true,
			want: Change{Action: Update, After: []State{{"exists": "true", "type": "string", "data": "new"}}},
		},
		"value is deleted": {
			res: &RegistryValue{Key: key, Name: "SusClientId", State: "absent"}, cur: []State{{"exists": "true", "type": "string", "data": "old"}},
			want: Change{Action: Delete, After: []State{{"exists": "false"}}},
		},
		"value already absent": {
			res: &RegistryValue{Key: key, Name: "SusClientId", State: "absent"}, cur: []State{{"exists": "false"}},
			want: NoChange("SusClientId is already absent"),
		},
	})
}
