package host

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// deviceName matches the names that Windows takes for a device whatever
// their extension (CON.json is the console, COM1.json a serial port,
// NUL.json swallows what is written to it).
var deviceName = regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)`)

// recordsDir is the folder of the records in a host's state folder.
const recordsDir = "records"

// recordName is the name of playbook's record in h's state folder. A
// playbook's name is the author's to choose; one that is not a plain file
// name, or is a Windows device's, is hashed, so that no name reaches
// outside the folder or to a device.
func recordName(playbook string) string {
	name := playbook
	if !safeName.MatchString(name) || deviceName.MatchString(name) {
		sum := sha256.Sum256([]byte(playbook))
		name = hex.EncodeToString(sum[:8])
	}
	return recordsDir + "/" + name + ".json"
}

// stateRoot opens h's state folder, making it first if create is set: a read
// (a plan) changes nothing, not even that. Records are read and written
// inside it: a simulated host is a folder someone may hand over, and a
// link in it must not lead a read or a write out.
func stateRoot(h Host, create bool) (*os.Root, error) {
	dir, err := h.StateDir()
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	return os.OpenRoot(dir)
}

// ReadApplyRecord reads playbook's record on h; ok is false when there is
// none yet.
func ReadApplyRecord(h Host, playbook string) (rec ApplyRecord, ok bool, err error) {
	if rr, is := h.(recordReader); is {
		return rr.readApplyRecord(playbook)
	}
	root, err := stateRoot(h, false)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil // no state folder yet: nothing was ever applied
	}
	if err != nil {
		return rec, false, fmt.Errorf("apply record: %w", err)
	}
	defer root.Close()
	name := recordName(playbook)
	data, err := readFileMaxIn(root, name, maxRecord)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("apply record: %w", err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("apply record %s: %w", name, err)
	}
	if rec.Playbook != playbook {
		return rec, false, fmt.Errorf("apply record %s: it is playbook %q's, not %q's", name, rec.Playbook, playbook)
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
	root, err := stateRoot(h, true)
	if err != nil {
		return fmt.Errorf("apply record: %w", err)
	}
	defer root.Close()
	if err := root.MkdirAll(recordsDir, 0o755); err != nil {
		return fmt.Errorf("apply record: %w", err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := writeFileAtomicIn(root, recordName(rec.Playbook), append(data, '\n')); err != nil {
		return fmt.Errorf("apply record: %w", err)
	}
	return nil
}

// CheckApplyRecord makes sure, before an apply changes anything, that
// playbook's record can be written on h: found only afterwards, the host
// would be left changed with no record for later plans to read. It makes
// the records folder, and a file in it that it removes again.
func CheckApplyRecord(h Host, playbook string) error {
	root, err := stateRoot(h, true)
	if err != nil {
		return fmt.Errorf("apply record: %w", err)
	}
	defer root.Close()
	dir := filepath.Join(root.Name(), recordsDir)
	if fi, err := root.Stat(recordsDir); err == nil && !fi.IsDir() {
		return fmt.Errorf("apply record: %s is not a folder; wuplay keeps its records there", dir)
	}
	if err := root.MkdirAll(recordsDir, 0o755); err != nil {
		return fmt.Errorf("apply record: cannot make %s: %w", dir, cause(err))
	}
	name := recordName(playbook)
	if fi, err := root.Lstat(name); err == nil && fi.IsDir() {
		return fmt.Errorf("apply record: %s is a folder, which wuplay never writes", filepath.Join(root.Name(), name))
	}
	tmp := fmt.Sprintf("%s/.check.%d.tmp", recordsDir, os.Getpid())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("apply record: cannot write in %s: %w", dir, cause(err))
	}
	f.Close()
	// By its path, as the lock's files are removed: Wine lacks the delete
	// that os.Root uses on Windows.
	return os.Remove(filepath.Join(root.Name(), filepath.FromSlash(tmp)))
}
