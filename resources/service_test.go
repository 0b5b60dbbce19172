package resources

import "testing"

func TestServiceDiff(t *testing.T) {
	running := State{"exists": "true", "state": "running", "start_type": "manual"}
	stopped := State{"exists": "true", "state": "stopped", "start_type": "manual"}
	testDiffs(t, map[string]diffCase{
		"running service is stopped": {
			res: &Service{Name: "wuauserv", State: "stopped"}, cur: []State{running},
			want: Change{Action: Stop, After: []State{stopped}},
		},
		"stopped service is started": {
			res: &Service{Name: "wuauserv", State: "running"}, cur: []State{stopped},
			want: Change{Action: Start, After: []State{running}},
		},
		"service already stopped": {
			res: &Service{Name: "wuauserv", State: "stopped"}, cur: []State{stopped},
			want: NoChange("wuauserv is already stopped"),
		},
		"start type only": {
			res: &Service{Name: "wuauserv", StartType: "automatic"}, cur: []State{running},
			want: Change{Action: Update, After: []State{{"exists": "true", "state": "running", "start_type": "automatic"}}},
		},
		"state and start type already so": {
			res: &Service{Name: "wuauserv", State: "running", StartType: "manual"}, cur: []State{running},
			want: NoChange("wuauserv is already running, manual"),
		},
		"-replace restarts a running service": {
			res: &Service{Name: "wuauserv", State: "running"}, cur: []State{running}, force: true,
			want: Change{Action: Restart, After: []State{running}},
		},
		"-replace does not start a stopped one that is to stay stopped": {
			res: &Service{Name: "wuauserv", State: "stopped"}, cur: []State{stopped}, force: true,
			want: NoChange("wuauserv is already stopped"),
		},
		"previous returns to running as read": {
			res:  &Service{Name: "wuauserv", State: "previous", StartType: "previous"},
			cur:  []State{{"exists": "true", "state": "stopped", "start_type": "disabled", "state_read": "running", "start_type_read": "manual"}},
			want: Change{Action: Start, After: []State{{"exists": "true", "state": "running", "start_type": "manual", "state_read": "running", "start_type_read": "manual"}}},
		},
		"previous of a service read as stop_pending is stopped": {
			res:  &Service{Name: "wuauserv", State: "previous"},
			cur:  []State{{"exists": "true", "state": "running", "start_type": "manual", "state_read": "stop_pending"}},
			want: Change{Action: Stop, After: []State{{"exists": "true", "state": "stopped", "start_type": "manual", "state_read": "stop_pending"}}},
		},
		"previous of a paused service is refused": {
			res: &Service{Name: "wuauserv", State: "previous"},
			cur: []State{{"exists": "true", "state": "stopped", "state_read": "paused"}},
			err: `service wuauserv was paused when read: state = "previous" returns a service to running or stopped only`,
		},
		"service not installed": {
			res: &Service{Name: "nosuch", State: "running"}, cur: []State{{"exists": "false"}},
			err: "service nosuch is not installed on this host",
		},
		"disabled service cannot start": {
			res: &Service{Name: "wuauserv", State: "running"}, cur: []State{{"exists": "true", "state": "stopped", "start_type": "disabled"}},
			err: "service wuauserv is disabled and cannot be started",
		},
		"disabled service started with its start type set": {
			res: &Service{Name: "wuauserv", State: "running", StartType: "manual"}, cur: []State{{"exists": "true", "state": "stopped", "start_type": "disabled"}},
			want: Change{Action: Start, After: []State{running}},
		},
	})
}
