package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Sim is a simulated Windows host kept in a folder: DIR/drive/c is drive C:
// and DIR/host.yaml holds the environment and the service table. It models
// what real Windows does and Wine does not: a running service holds its
// files, so renaming or deleting them fails with a sharing violation, and a
// service may create folders when it starts.
//
// Changes go to the folder for real: the drive tree is changed in place and
// host.yaml is rewritten after every service change.
type Sim struct {
	dir string
	// root is DIR and drive is DIR/drive, opened once: every file of the
	// host is reached through one of them, so that no link in a folder
	// someone handed over for review leads wuplay out of it.
	root, drive *os.Root
	cfg         simConfig
	// doc is host.yaml as written; save changes only the service states in
	// it, so that the file keeps its comments and order.
	doc yaml.Node
}

type simConfig struct {
	Env map[string]string `yaml:"env"`
	// NotElevated makes the host answer as Windows does to a prompt that
	// is not elevated: wuplay may read services, not change them.
	NotElevated bool                   `yaml:"not_elevated"`
	Services    map[string]*simService `yaml:"services"`
	// OpenFiles are held open by a process that is no service (an
	// antivirus scanner, a backup agent): renaming or deleting them, or a
	// folder that holds them, fails, and no plan can know it in advance.
	OpenFiles []string `yaml:"open_files"`
	// OS names the system (windows 10.0 19045 if left out).
	OS OSInfo `yaml:"os"`
	// Events is the event log, oldest first.
	Events []Event `yaml:"events"`
	// Commands are the programs the host can run.
	Commands []simCommand `yaml:"commands"`
	// Registry maps keys (HKLM\SOFTWARE\...) to their values by name.
	Registry map[string]map[string]*simValue `yaml:"registry"`
}

type simValue struct {
	Type string `yaml:"type"`
	Data string `yaml:"data"`
}

type simService struct {
	State     string   `yaml:"state"`
	StartType string   `yaml:"start_type"`
	DependsOn []string `yaml:"depends_on,omitempty"`
	// Locks are paths the service holds open while it runs.
	Locks []string `yaml:"locks,omitempty"`
	// Creates are folders the service creates when it starts.
	Creates []string `yaml:"creates,omitempty"`
	// HangsOnStop is a service that never finishes stopping: it stays
	// STOP_PENDING until the step's timeout.
	HangsOnStop bool `yaml:"hangs_on_stop,omitempty"`
	// FailsToStart is a service whose process dies as it starts (a
	// corrupt binary, a missing DLL): every start fails and it stays
	// stopped. No plan can foresee it.
	FailsToStart bool `yaml:"fails_to_start,omitempty"`
}

// maxHostYAML bounds host.yaml, as every document wuplay reads is bounded.
const maxHostYAML = 16 << 20

// OpenSim opens the simulated host in dir.
func OpenSim(dir string) (*Sim, error) {
	file := filepath.Join(dir, "host.yaml")
	// The roots by absolute name, so that a message about a link names
	// where it leads wherever wuplay runs.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("simulated host %s: %w", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("simulated host: open %s: %w", file, cause(err))
	}
	s := &Sim{dir: dir, root: root}
	name, err := resolveIn(root, []string{"host.yaml"}, true, nil)
	if err != nil {
		return nil, fmt.Errorf("simulated host: %s: %w", file, err)
	}
	data, err := readFileMaxIn(root, name, maxHostYAML)
	if err != nil {
		return nil, fmt.Errorf("simulated host: open %s: %w", file, cause(err))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s.cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := yaml.Unmarshal(data, &s.doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for name, svc := range s.cfg.Services {
		if svc == nil {
			svc = &simService{}
			s.cfg.Services[name] = svc
		}
		if svc.State == "" {
			svc.State = Stopped
		}
		if svc.StartType == "" {
			svc.StartType = Manual
		}
		if svc.State != Running && svc.State != Stopped {
			return nil, fmt.Errorf("%s: service %s: state %q: want running or stopped", file, name, svc.State)
		}
		if !slices.Contains([]string{Automatic, Manual, Disabled}, svc.StartType) {
			return nil, fmt.Errorf("%s: service %s: start_type %q: want automatic, manual or disabled", file, name, svc.StartType)
		}
		for _, p := range slices.Concat(svc.Locks, svc.Creates) {
			if _, _, err := splitWinPath(p); err != nil {
				return nil, fmt.Errorf("%s: service %s: %w", file, name, err)
			}
		}
	}
	drive, err := resolveIn(root, []string{"drive"}, true, nil)
	if err != nil {
		return nil, fmt.Errorf("simulated host %s: drive folder: %w", dir, err)
	}
	if s.drive, err = root.OpenRoot(drive); err != nil {
		return nil, fmt.Errorf("simulated host %s: no drive folder (want %s)", dir, filepath.Join(dir, "drive", "c"))
	}
	return s, nil
}

func (s *Sim) String() string { return "sim:" + s.dir }

// Where is this machine and the host's folder on it.
func (s *Sim) Where() (Place, error) {
	m, err := machine()
	if err != nil {
		return Place{}, err
	}
	dir, err := filepath.Abs(s.dir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return Place{}, fmt.Errorf("simulated host %s: %w", s.dir, err)
	}
	return Place{Machine: m, Folder: dir}, nil
}

// BeforeSimChange, if set, is called before each change that a simulated
// host makes. Only tests set it: the crash test kills the process there,
// at every point where an apply changes something. Nothing in the shipped
// binary sets it.
var BeforeSimChange func()

func (s *Sim) change() {
	if BeforeSimChange != nil {
		BeforeSimChange()
	}
}

// StateDir is the simulated host's own folder: its lock lives beside
// host.yaml.
func (s *Sim) StateDir() (string, error) { return s.dir, nil }

func (s *Sim) Getenv(name string) (string, bool) {
	for k, v := range s.cfg.Env {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// splitWinPath splits an absolute Windows path into its drive letter (lower
// case) and its components, taking \ and / alike and resolving . and ..
func splitWinPath(p string) (drive string, parts []string, err error) {
	if len(p) < 3 || p[1] != ':' || (p[2] != '\\' && p[2] != '/') ||
		!('a' <= p[0]|0x20 && p[0]|0x20 <= 'z') {
		return "", nil, fmt.Errorf("path %q is not an absolute Windows path such as C:\\Windows", p)
	}
	for _, part := range strings.FieldsFunc(p[3:], func(r rune) bool { return r == '\\' || r == '/' }) {
		switch part {
		case ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, part)
		}
	}
	return string(p[0] | 0x20), parts, nil
}

func (s *Sim) PathKey(p string) (string, error) {
	drive, parts, err := splitWinPath(p)
	if err != nil {
		return "", err
	}
	return strings.ToLower(drive + `:\` + strings.Join(parts, `\`)), nil
}

// name maps a Windows path to the name of its file in s.drive, matching
// existing names without regard to case, as Windows does, and following
// the symbolic links on the way (the last one if follow), as Windows
// follows a junction, as long as they stay inside the drive folder.
func (s *Sim) name(p string, follow bool) (string, error) {
	drive, parts, err := splitWinPath(p)
	if err != nil {
		return "", err
	}
	name, err := resolveIn(s.drive, append([]string{drive}, parts...), follow, s.match)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return name, nil
}

// match is the spelling that part has in folder dir of the drive tree, or
// part if no name there matches it.
func (s *Sim) match(dir, part string) string {
	if _, err := s.drive.Lstat(path.Join(dir, part)); err == nil {
		return part
	}
	ents, _ := fs.ReadDir(s.drive.FS(), dir)
	for _, e := range ents {
		if strings.EqualFold(e.Name(), part) {
			return e.Name()
		}
	}
	return part
}

// pathError reports err for the Windows path p, not for the file under DIR
// that stands for it.
func pathError(op, p string, err error) error {
	return &fs.PathError{Op: op, Path: p, Err: cause(err)}
}

// cause strips the file names that the os package put in err.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func (s *Sim) Stat(p string) (PathInfo, error) {
	name, err := s.name(p, false)
	if err != nil {
		return PathInfo{}, err
	}
	fi, err := s.drive.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return PathInfo{}, nil
	}
	if err != nil {
		return PathInfo{}, pathError("lstat", p, err)
	}
	info := pathInfo(filepath.Join(s.drive.Name(), name), fi)
	if info.IsDir {
		info.Size = 0 // as Windows gives a folder's size, whatever the file system below
	}
	return info, nil
}

// Volume is the drive letter: each drive is a volume.
func (s *Sim) Volume(p string) (string, error) {
	key, err := s.PathKey(p)
	if err != nil {
		return "", err
	}
	return key[:2], nil
}

// Resolve follows the symbolic links in the drive tree; a link that leads
// out of the simulated drives resolves to where it points, which is not
// looked at.
func (s *Sim) Resolve(p string) (string, error) {
	name, err := s.name(p, true)
	if out := (*LinkOutError)(nil); errors.As(err, &out) {
		return out.Target + " (outside the simulated drives)", nil
	}
	if err != nil {
		return "", err
	}
	drive, rest, _ := strings.Cut(name, "/")
	if drive == "." {
		return s.drive.Name() + " (outside the simulated drives)", nil
	}
	return strings.ToUpper(drive) + `:\` + strings.ReplaceAll(rest, "/", `\`), nil
}

func (s *Sim) Protected(p string) string {
	key, err := s.PathKey(p)
	if err != nil {
		return ""
	}
	return windowsProtected(key, s.Getenv, s.PathKey)
}

func (s *Sim) ReadFile(p string) ([]byte, error) {
	name, err := s.name(p, true)
	if err != nil {
		return nil, err
	}
	data, err := readFileMaxIn(s.drive, name, MaxReadFile)
	if err != nil {
		return nil, pathError("open", p, err)
	}
	return data, nil
}

func (s *Sim) WriteFile(p string, data []byte) error {
	s.change()
	if holder := s.holder(p); holder != "" {
		return pathError("open", p, fmt.Errorf("%w; held by %s", ErrSharingViolation, holder))
	}
	name, err := s.name(p, false)
	if err != nil {
		return err
	}
	if err := writeFileAtomicIn(s.drive, name, data); err != nil {
		return pathError("open", p, err)
	}
	return nil
}

func (s *Sim) MkdirAll(p string) error {
	s.change()
	name, err := s.name(p, true)
	if err != nil {
		return err
	}
	if err := s.drive.MkdirAll(name, 0o755); err != nil {
		return pathError("mkdir", p, err)
	}
	return nil
}

func (s *Sim) Rename(from, to string) error {
	s.change()
	fk, err := s.PathKey(from)
	if err != nil {
		return err
	}
	tk, err := s.PathKey(to)
	if err != nil {
		return err
	}
	fail := func(err error) error { return &os.LinkError{Op: "rename", Old: from, New: to, Err: err} }
	if fk[0] != tk[0] {
		return fail(ErrNotSameDevice)
	}
	if holder := s.holder(from); holder != "" {
		return fail(fmt.Errorf("%w; held by %s", ErrSharingViolation, holder))
	}
	ofrom, err := s.name(from, false)
	if err != nil {
		return err
	}
	oto, err := s.name(to, false)
	if err != nil {
		return err
	}
	if _, err := s.drive.Lstat(oto); err == nil {
		return fail(ErrAlreadyExists)
	}
	if err := s.drive.Rename(ofrom, oto); err != nil {
		return fail(cause(err))
	}
	return nil
}

func (s *Sim) RemoveAll(p string) error {
	s.change()
	if holder := s.holder(p); holder != "" {
		return pathError("remove", p, fmt.Errorf("%w; held by %s", ErrSharingViolation, holder))
	}
	name, err := s.name(p, false)
	if err != nil {
		return err
	}
	if err := s.drive.RemoveAll(name); err != nil {
		return pathError("remove", p, err)
	}
	return nil
}

func (s *Sim) Glob(dir, pattern string) ([]DirEntry, error) {
	name, err := s.name(dir, true)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(dir, `\/`)
	return globOS(func() ([]fs.DirEntry, error) { return fs.ReadDir(s.drive.FS(), name) }, pattern, strings.ToLower,
		func(name string) string { return base + `\` + name })
}

func (s *Sim) Holders(p string) []string {
	key, err := s.PathKey(p)
	if err != nil {
		return nil
	}
	var names []string
	for _, name := range s.names() {
		if slices.ContainsFunc(s.cfg.Services[name].Locks, func(l string) bool { return within(s, l, key) }) {
			names = append(names, name)
		}
	}
	return names
}

// within reports whether path l is key or inside it.
func within(s *Sim, l, key string) bool {
	lk, _ := s.PathKey(l)
	return lk == key || strings.HasPrefix(lk, strings.TrimSuffix(key, `\`)+`\`)
}

// holder names a running service, or another process, that holds p or a
// path inside it.
func (s *Sim) holder(p string) string {
	key, err := s.PathKey(p)
	if err != nil {
		return ""
	}
	if slices.ContainsFunc(s.cfg.OpenFiles, func(l string) bool { return within(s, l, key) }) {
		return "a process that is not a service"
	}
	for _, name := range s.names() {
		svc := s.cfg.Services[name]
		if svc.State != Running {
			continue
		}
		if slices.ContainsFunc(svc.Locks, func(l string) bool { return within(s, l, key) }) {
			return "service " + name
		}
	}
	return ""
}

// names lists the services in a fixed order, so that messages are stable.
func (s *Sim) names() []string {
	names := make([]string, 0, len(s.cfg.Services))
	for name := range s.cfg.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (s *Sim) lookup(name string) (string, *simService, error) {
	for _, n := range s.names() {
		if strings.EqualFold(n, name) {
			return n, s.cfg.Services[n], nil
		}
	}
	return "", nil, fmt.Errorf("service %s: %w", name, ErrServiceNotFound)
}

// Elevated reports whether wuplay may change services.
func (s *Sim) Elevated() (bool, error) { return !s.cfg.NotElevated, nil }

func (s *Sim) Service(_ context.Context, name string) (ServiceStatus, error) {
	n, svc, err := s.lookup(name)
	if err != nil {
		return ServiceStatus{}, err
	}
	return ServiceStatus{Name: n, State: svc.State, StartType: svc.StartType, Dependents: s.dependents(n)}, nil
}

// dependents lists the running services that depend on name.
func (s *Sim) dependents(name string) []string {
	var deps []string
	for _, n := range s.names() {
		svc := s.cfg.Services[n]
		if svc.State == Running && slices.ContainsFunc(svc.DependsOn, func(d string) bool { return strings.EqualFold(d, name) }) {
			deps = append(deps, n)
		}
	}
	return deps
}

func (s *Sim) StartService(ctx context.Context, name string, timeout time.Duration) error {
	n, svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	if svc.State == Running {
		return nil
	}
	if svc.StartType == Disabled {
		return fmt.Errorf("service %s: %w", n, ErrServiceDisabled)
	}
	// Windows starts the services a service depends on first.
	for _, dep := range svc.DependsOn {
		if err := s.StartService(ctx, dep, timeout); err != nil {
			return fmt.Errorf("service %s: dependency: %w", n, err)
		}
	}
	if svc.FailsToStart {
		return fmt.Errorf("service %s: the process terminated unexpectedly (ERROR_PROCESS_ABORTED, 1067)", n)
	}
	for _, p := range svc.Creates {
		if err := s.MkdirAll(p); err != nil {
			return fmt.Errorf("service %s: %w", n, err)
		}
	}
	svc.State = Running
	return s.save()
}

func (s *Sim) StopService(ctx context.Context, name string, timeout time.Duration) error {
	n, svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	if svc.State == Stopped {
		return nil
	}
	if deps := s.dependents(n); len(deps) > 0 {
		return fmt.Errorf("service %s: %w (running: %s)", n, ErrDependentServicesRunning, strings.Join(deps, ", "))
	}
	if svc.HangsOnStop {
		Progress(ctx, "STOP_PENDING")
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s: stop: %w (still STOP_PENDING)", n, ctx.Err())
		case <-time.After(timeout):
			return fmt.Errorf("service %s: stop timed out after %s (still STOP_PENDING)", n, timeout)
		}
	}
	svc.State = Stopped
	return s.save()
}

func (s *Sim) SetStartType(_ context.Context, name, startType string) error {
	_, svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	svc.StartType = startType
	return s.save()
}

// save writes the service states back to host.yaml.
func (s *Sim) save() error {
	if len(s.doc.Content) == 0 {
		s.doc.Content = []*yaml.Node{{Kind: yaml.MappingNode}}
	}
	if s.cfg.Registry != nil {
		var reg yaml.Node
		if err := reg.Encode(s.cfg.Registry); err != nil {
			return err
		}
		*mapValue(s.doc.Content[0], "registry", yaml.MappingNode) = reg
	}
	services := mapValue(s.doc.Content[0], "services", yaml.MappingNode)
	for name, svc := range s.cfg.Services {
		n := mapValue(services, name, yaml.MappingNode)
		mapValue(n, "state", yaml.ScalarNode).Value = svc.State
		mapValue(n, "start_type", yaml.ScalarNode).Value = svc.StartType
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&s.doc); err != nil {
		return err
	}
	s.change()
	err := writeFileAtomicIn(s.root, "host.yaml", buf.Bytes())
	s.change()
	return err
}

// mapValue returns the value of key in mapping m, adding it if missing.
func mapValue(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind != kind { // an empty "key:" is a null scalar
				v.Kind, v.Tag, v.Value = kind, "", ""
			}
			return v
		}
	}
	v := &yaml.Node{Kind: kind}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	return v
}
