package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Recorder is a host seen by wuplay capture: every read goes to the host
// and its answer is kept; every change is refused. A plan made through it
// reads exactly what the playbook reads on that host, and WriteSim then
// writes those answers as a simulated host.
type Recorder struct {
	h  Host
	mu sync.Mutex // the engine reads objects in parallel

	env      map[string]string
	paths    map[string]*seenPath // by PathKey
	globs    []seenGlob
	services map[string]ServiceStatus // by lower-case name
	regKeys  map[string]string        // RegKeyID: the key as first spelled
	regVals  map[string]map[string]RegValue
	events   []Event
	eventErr error
	commands []simCommand
	assumed  []string // commands only an apply runs, not run by the capture
	records  map[string]ApplyRecord
	elevated *bool
}

// seenPath is a path the plan looked at, and what it found.
type seenPath struct {
	name    string // as the playbook spelled it
	info    PathInfo
	content []byte // the bytes the plan read, if it read the file
	read    bool
	// tree: a step may delete, empty or move it, so its apply needs
	// everything under it (the engine asks where such a path is).
	tree bool
}

type seenGlob struct {
	dir     string
	entries []DirEntry
}

var _ Host = (*Recorder)(nil)

// NewRecorder records what is read of h.
func NewRecorder(h Host) *Recorder {
	return &Recorder{h: h, env: map[string]string{}, paths: map[string]*seenPath{}, services: map[string]ServiceStatus{},
		regKeys: map[string]string{}, regVals: map[string]map[string]RegValue{}, records: map[string]ApplyRecord{}}
}

// errCapture is what a capture answers to any change: it reads the
// machine and changes nothing.
func errCapture(what string) error {
	return fmt.Errorf("%s: wuplay capture changes nothing on the machine", what)
}

func (r *Recorder) String() string                   { return r.h.String() }
func (r *Recorder) StateDir() (string, error)        { return r.h.StateDir() }
func (r *Recorder) Where() (Place, error)            { return r.h.Where() }
func (r *Recorder) PathKey(p string) (string, error) { return r.h.PathKey(p) }
func (r *Recorder) Resolve(p string) (string, error) { return r.h.Resolve(p) }
func (r *Recorder) Holders(p string) []string        { return r.h.Holders(p) }

func (r *Recorder) Getenv(name string) (string, bool) {
	v, ok := r.h.Getenv(name)
	if ok {
		r.mu.Lock()
		r.env[name] = v
		r.mu.Unlock()
	}
	return v, ok
}

// path returns the record of p, made on first sight.
func (r *Recorder) path(p string) *seenPath {
	key, err := r.h.PathKey(p)
	if err != nil {
		key = p
	}
	sp := r.paths[key]
	if sp == nil {
		sp = &seenPath{name: p}
		r.paths[key] = sp
	}
	return sp
}

func (r *Recorder) Stat(p string) (PathInfo, error) {
	fi, err := r.h.Stat(p)
	if err == nil {
		r.mu.Lock()
		r.path(p).info = fi
		r.mu.Unlock()
	}
	return fi, err
}

func (r *Recorder) ReadFile(p string) ([]byte, error) {
	data, err := r.h.ReadFile(p)
	if err == nil {
		r.mu.Lock()
		sp := r.path(p)
		sp.content, sp.read = data, true
		r.mu.Unlock()
	}
	return data, err
}

// Volume is asked only of a path that a step deletes, empties or moves.
func (r *Recorder) Volume(p string) (string, error) {
	r.mu.Lock()
	r.path(p).tree = true
	r.mu.Unlock()
	return r.h.Volume(p)
}

// protectingEnv are the variables by which Windows says where its own
// folders are: the host judges protected paths by them, so the capture
// keeps them wherever the playbook asks whether a path is protected.
var protectingEnv = []string{"windir", "SystemRoot", "SystemDrive", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
	"ProgramData", "ALLUSERSPROFILE", "USERPROFILE", "PUBLIC"}

func (r *Recorder) Protected(p string) string {
	for _, name := range protectingEnv {
		r.Getenv(name)
	}
	return r.h.Protected(p)
}

func (r *Recorder) Glob(dir, pattern string) ([]DirEntry, error) {
	ents, err := r.h.Glob(dir, pattern)
	if err == nil {
		r.mu.Lock()
		r.globs = append(r.globs, seenGlob{dir: dir, entries: ents})
		r.mu.Unlock()
	}
	return ents, err
}

func (r *Recorder) WriteFile(p string, _ []byte) error { return errCapture("write " + p) }
func (r *Recorder) MkdirAll(p string) error            { return errCapture("create " + p) }
func (r *Recorder) Rename(from, _ string) error        { return errCapture("rename " + from) }
func (r *Recorder) RemoveAll(p string) error           { return errCapture("delete " + p) }

func (r *Recorder) Service(ctx context.Context, name string) (ServiceStatus, error) {
	st, err := r.h.Service(ctx, name)
	if err == nil {
		r.mu.Lock()
		r.services[strings.ToLower(st.Name)] = st
		r.mu.Unlock()
	}
	return st, err
}

func (r *Recorder) StartService(_ context.Context, name string, _ time.Duration) error {
	return errCapture("start service " + name)
}
func (r *Recorder) StopService(_ context.Context, name string, _ time.Duration) error {
	return errCapture("stop service " + name)
}
func (r *Recorder) SetStartType(_ context.Context, name, _ string) error {
	return errCapture("set the start type of service " + name)
}

func (r *Recorder) Elevated() (bool, error) {
	ok, err := r.h.Elevated()
	if err == nil {
		r.mu.Lock()
		r.elevated = &ok
		r.mu.Unlock()
	}
	return ok, err
}

// regKey notes that key exists and returns its values so far.
func (r *Recorder) regKey(key string) map[string]RegValue {
	id, err := RegKeyID(key)
	if err != nil {
		return map[string]RegValue{}
	}
	if _, ok := r.regKeys[id]; !ok {
		r.regKeys[id] = key
		r.regVals[id] = map[string]RegValue{}
	}
	return r.regVals[id]
}

func (r *Recorder) RegistryValue(key, name string) (RegValue, error) {
	v, err := r.h.RegistryValue(key, name)
	if err == nil && v.Exists {
		r.mu.Lock()
		r.regKey(key)[name] = v
		r.mu.Unlock()
	}
	return v, err
}

func (r *Recorder) RegistryKeyExists(key string) (bool, error) {
	ok, err := r.h.RegistryKeyExists(key)
	if err == nil && ok {
		r.mu.Lock()
		r.regKey(key)
		r.mu.Unlock()
	}
	return ok, err
}

func (r *Recorder) RegistryValues(key string) (map[string]RegValue, error) {
	vals, err := r.h.RegistryValues(key)
	if err == nil {
		r.mu.Lock()
		into := r.regKey(key)
		for n, v := range vals {
			into[n] = v
		}
		r.mu.Unlock()
	}
	return vals, err
}

func (r *Recorder) RegistrySubkeys(key string) ([]string, error) {
	subs, err := r.h.RegistrySubkeys(key)
	if err == nil {
		r.mu.Lock()
		for _, s := range subs {
			r.regKey(key + `\` + s)
		}
		r.mu.Unlock()
	}
	return subs, err
}

func (r *Recorder) SetRegistryValue(key, name string, _ RegValue) error {
	return errCapture("set registry value " + key + `\` + name)
}
func (r *Recorder) DeleteRegistryValue(key, name string) error {
	return errCapture("delete registry value " + key + `\` + name)
}
func (r *Recorder) CreateRegistryKey(key string) error {
	return errCapture("create registry key " + key)
}
func (r *Recorder) DeleteRegistryKey(key string) error {
	return errCapture("delete registry key " + key)
}

func (r *Recorder) OS() (OSInfo, error) { return r.h.OS() }

func (r *Recorder) Events(channel, provider string, ids []int, max int) ([]Event, error) {
	events, err := r.h.Events(channel, provider, ids, max)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.eventErr = err
		return events, err
	}
	for _, e := range events {
		// The host may leave the channel to the query.
		if e.Channel == "" {
			e.Channel = channel
		}
		if !slices.ContainsFunc(r.events, func(o Event) bool { return sameEvent(o, e) }) {
			r.events = append(r.events, e)
		}
	}
	return events, nil
}

// sameEvent says whether two answers name one event: two queries may
// both return it.
func sameEvent(a, b Event) bool {
	t := a.Time
	a.Time = b.Time
	return t.Equal(b.Time) && a == b
}

// Run runs guard commands and command facts, as plan does: they must
// change nothing.
func (r *Recorder) Run(ctx context.Context, argv []string, shell bool, timeout time.Duration) (int, string, error) {
	exit, out, err := r.h.Run(ctx, argv, shell, timeout)
	if err == nil {
		r.mu.Lock()
		line := strings.Join(argv, " ")
		if !slices.ContainsFunc(r.commands, func(c simCommand) bool { return strings.EqualFold(c.Run, line) }) {
			r.commands = append(r.commands, simCommand{Run: line, Exit: exit, Output: out})
		}
		r.mu.Unlock()
	}
	return exit, out, err
}

// AssumeRun gives the capture an answer for a command that only an apply
// runs (a command step), which the capture must not run: exit, no output.
func (r *Recorder) AssumeRun(argv []string, exit int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := strings.Join(argv, " ")
	if !slices.ContainsFunc(r.commands, func(c simCommand) bool { return strings.EqualFold(c.Run, line) }) {
		r.commands = append(r.commands, simCommand{Run: line, Exit: exit})
		r.assumed = append(r.assumed, line)
	}
}

// readApplyRecord reads playbook's record on the host and keeps it.
func (r *Recorder) readApplyRecord(playbook string) (ApplyRecord, bool, error) {
	rec, ok, err := ReadApplyRecord(r.h, playbook)
	if err == nil && ok {
		r.mu.Lock()
		r.records[playbook] = rec
		r.mu.Unlock()
	}
	return rec, ok, err
}

// ErrCaptureSource is the answer of a host that cannot be captured.
var ErrCaptureSource = errors.New("wuplay capture makes a simulated Windows host, so it reads a Windows machine (or another simulated host): run it there")
