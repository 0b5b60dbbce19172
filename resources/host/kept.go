package host

import "path/filepath"

// Kept lists the files and folders on this machine that hold host h itself
// or what wuplay keeps for it: the lock and the apply records in its state
// folder and, for a simulated host, host.yaml and the drives. Each covers
// what is inside it. An output of a run (a saved plan, a report) must not
// be written there: it would destroy them, or change the host behind the
// plan's back.
func Kept(h Host) ([]string, error) {
	dir, err := h.StateDir()
	if err != nil {
		return nil, err
	}
	kept := []string{filepath.Join(dir, lockName), filepath.Join(dir, recordsDir)}
	if s, ok := h.(*Sim); ok {
		kept = append(kept, filepath.Join(s.dir, "host.yaml"), filepath.Join(s.dir, "drive"))
	}
	return kept, nil
}
