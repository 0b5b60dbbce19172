package host

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// ApplyRecord is what a host keeps of a playbook's last apply, so that a
// playbook can tell "fixed, and the error came back" from "fixed, and
// nothing since" (a failure event newer than the last fix). wuplay writes
// it after every apply that changed or tried to change something; plans
// only read it.
type ApplyRecord struct {
	Playbook string    `json:"playbook"`
	SHA256   string    `json:"sha256"`
	Finished time.Time `json:"finished"`
	Result   string    `json:"result"` // succeeded, failed
	// Changed are the addresses of the steps that changed the host.
	Changed []string `json:"changed"`
	// Succeeded is when an apply of the playbook last succeeded: this one,
	// or an earlier one if this one failed. Zero if none has.
	Succeeded time.Time `json:"succeeded,omitzero"`
}

// maxRecord bounds what a record may weigh: a few hundred bytes are usual.
const maxRecord = 1 << 20

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// recordPath is where h keeps playbook's record. A playbook's name is the
// author's to choose; one that is not a plain file name is hashed, so that
// no name reaches outside the state folder.
func recordPath(h Host, playbook string) (string, error) {
	dir, err := h.StateDir()
	if err != nil {
		return "", err
	}
	return recordFile(dir, playbook), nil
}

// recordFile is where the state folder dir keeps playbook's record.
func recordFile(dir, playbook string) string {
	name := playbook
	if !safeName.MatchString(name) {
		sum := sha256.Sum256([]byte(playbook))
		name = hex.EncodeToString(sum[:8])
	}
	return filepath.Join(dir, "records", name+".json")
}

// ReadApplyRecord reads playbook's record on h; ok is false when there is
// none yet.
func ReadApplyRecord(h Host, playbook string) (rec ApplyRecord, ok bool, err error) {
	if rr, is := h.(recordReader); is {
		return rr.readApplyRecord(playbook)
	}
	path, err := recordPath(h, playbook)
	if err != nil {
		return rec, false, err
	}
	// A link or a FIFO in the state folder is refused before it is opened:
	// opening a FIFO would wait for a writer.
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		return rec, false, fmt.Errorf("apply record %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return rec, false, fmt.Errorf("apply record: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecord+1))
	if err != nil {
		return rec, false, fmt.Errorf("apply record: %w", err)
	}
	if len(data) > maxRecord {
		return rec, false, fmt.Errorf("apply record %s: over %d bytes", path, maxRecord)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("apply record %s: %w", path, err)
	}
	if rec.Playbook != playbook {
		return rec, false, fmt.Errorf("apply record %s: it is playbook %q's, not %q's", path, rec.Playbook, playbook)
	}
	return rec, true, nil
}

// recordReader is a host that reads apply records itself: a capture's
// Recorder keeps the ones it reads.
type recordReader interface {
	readApplyRecord(playbook string) (ApplyRecord, bool, error)
}

// WriteApplyRecord replaces the record of rec.Playbook on h, keeping the
// time of the last success when this apply failed. A record that cannot
// be read is replaced: it says nothing either way.
func WriteApplyRecord(h Host, rec ApplyRecord) error {
	prev, ok, _ := ReadApplyRecord(h, rec.Playbook)
	switch {
	case rec.Result == "succeeded":
		rec.Succeeded = rec.Finished
	case ok:
		rec.Succeeded = prev.Succeeded
	}
	path, err := recordPath(h, rec.Playbook)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("apply record: %w", err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		panic(err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}
