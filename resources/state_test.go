package resources

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStateJSON(t *testing.T) {
	tests := map[string]struct {
		state State
		json  string
	}{
		"file":             {State{"exists": "true", "type": "file", "size": "12", "links": "2", "sha256": "ab"}, `{"exists":true,"links":2,"sha256":"ab","size":12,"type":"file"}`},
		"absent":           {State{"exists": "false", "volume": "c:"}, `{"exists":false,"volume":"c:"}`},
		"links not known":  {State{"exists": "true", "links": ""}, `{"exists":true,"links":null}`},
		"guard":            {State{"exit": "3010"}, `{"exit":3010}`},
		"registry dword":   {State{"exists": "true", "type": "dword", "data": "86400"}, `{"data":"86400","exists":true,"type":"dword"}`},
		"no state (after)": {nil, `null`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(tt.state)
			if err != nil || string(got) != tt.json {
				t.Fatalf("Marshal = %s, %v; want %s", got, err, tt.json)
			}
			var back State
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.state, back); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
	// Plans saved before states were typed still read.
	var old State
	if err := json.Unmarshal([]byte(`{"exists":"true","size":"12"}`), &old); err != nil || !old.Equal(State{"exists": "true", "size": "12"}) {
		t.Errorf("old plan's state = %v, %v", old, err)
	}
	var bad State
	if err := json.Unmarshal([]byte(`{"exists":[true]}`), &bad); err == nil {
		t.Error("a list as a state attribute is accepted")
	}
}
