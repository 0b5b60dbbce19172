package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits of a capture: a simulated host is for review and tests, not a
// backup of the machine.
const (
	// MaxCaptureContent is the largest file whose content -content puts in.
	MaxCaptureContent = 64 << 10
	// maxCaptureEntries bounds the files and folders of the trees a
	// capture walks.
	maxCaptureEntries = 100_000
)

// CaptureOptions say what a capture writes beyond what the plan read.
type CaptureOptions struct {
	// Content puts in the content of the files of up to MaxCaptureContent
	// bytes under the folders that steps move, empty or delete; without it
	// they are their names and sizes.
	Content bool
	// Header is written as comment lines at the top of host.yaml.
	Header string
}

// CaptureSummary says what a capture holds, and what it left out.
type CaptureSummary struct {
	Env, Services, Folders, Files, WithContent, RegistryKeys, Events, Commands, Records int
	// LeftOut names, in the user's words, what the machine had that the
	// capture does not hold.
	LeftOut []string
}

// simWriter writes a simulated host's folder.
type simWriter struct {
	dir string
	// names maps each folder or file written (lower case, slash-separated
	// below dir) to its spelling: Windows takes C:\windows and C:\Windows
	// for one folder, and so must the capture.
	names map[string]string
	times map[string]time.Time
}

// WriteSim writes what the plan read through r as a simulated host in
// dir, which must not exist or be an empty folder. It reads the trees
// under the folders that steps delete, empty or move, and the services
// that depend on the services read, all before it writes anything; it
// changes nothing on the host.
func (r *Recorder) WriteSim(ctx context.Context, dir string, opts CaptureOptions) (*CaptureSummary, error) {
	sum := &CaptureSummary{}
	items, err := r.items(ctx, opts, sum)
	if err != nil {
		return nil, err
	}
	cfg := simConfig{Env: maps.Clone(r.env), Services: map[string]*simService{}}
	sum.Env = len(cfg.Env)
	if err := r.serviceTable(ctx, cfg.Services, sum); err != nil {
		return nil, err
	}
	for id, key := range r.regKeys {
		if cfg.Registry == nil {
			cfg.Registry = map[string]map[string]*simValue{}
		}
		vals := map[string]*simValue{}
		for n, v := range r.regVals[id] {
			vals[n] = &simValue{Type: v.Type, Data: v.Data}
		}
		cfg.Registry[key] = vals
	}
	sum.RegistryKeys = len(cfg.Registry)
	cfg.Events = slices.Clone(r.events)
	sort.SliceStable(cfg.Events, func(i, j int) bool { return cfg.Events[i].Time.Before(cfg.Events[j].Time) })
	sum.Events = len(cfg.Events)
	if r.eventErr != nil {
		sum.LeftOut = append(sum.LeftOut, fmt.Sprintf("the event log, which could not be read (%v): a simulated host's can, so a plan of the capture sees an empty log", r.eventErr))
	}
	cfg.Commands, sum.Commands = r.commands, len(r.commands)
	if len(r.assumed) > 0 {
		sum.LeftOut = append(sum.LeftOut, fmt.Sprintf("what the commands that apply runs answer (%s): the capture did not run them, and answers for each as it accepts (no output)", strings.Join(r.assumed, "; ")))
	}
	cfg.NotElevated = r.elevated != nil && !*r.elevated
	if cfg.OS, err = r.h.OS(); err != nil {
		return nil, err
	}
	data, err := marshalSim(cfg, opts.Header)
	if err != nil {
		return nil, err
	}
	sum.LeftOut = append(sum.LeftOut,
		"everything the playbook does not read: other environment variables, services, registry values, events and files",
		"which files a running service holds open and which folders it recreates when it starts: Windows does not say (add locks: and creates: by hand)")

	if err := newFolder(dir); err != nil {
		return nil, err
	}
	w := &simWriter{dir: dir, names: map[string]string{}, times: map[string]time.Time{}}
	if err := os.MkdirAll(filepath.Join(dir, "drive", "c"), 0o755); err != nil {
		return nil, err
	}
	for _, it := range items {
		if err := w.write(it); err != nil {
			return nil, fmt.Errorf("%s: %w", it.path, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "host.yaml"), data, 0o644); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(r.records)) {
		p := filepath.Join(dir, filepath.FromSlash(recordName(name)))
		data, _ := json.MarshalIndent(r.records[name], "", "  ")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return nil, err
		}
		sum.Records++
	}
	return sum, w.setTimes()
}

// item is a file or folder of a capture.
type item struct {
	path    string // on the host
	info    PathInfo
	content []byte
	read    bool // content holds the file's bytes
}

// items lists the files and folders that the plan read, with the trees
// under the ones a step deletes, empties or moves and the entries of the
// folders it listed.
func (r *Recorder) items(ctx context.Context, opts CaptureOptions, sum *CaptureSummary) ([]item, error) {
	var items []item
	seen := map[string]bool{}
	unread := 0
	add := func(p string, fi PathInfo, content []byte, read bool) error {
		key, err := r.h.PathKey(p)
		if err != nil || seen[key] {
			return err
		}
		seen[key] = true
		if len(seen) > maxCaptureEntries {
			return fmt.Errorf("%s: over %d files and folders; a simulated host is for review, not a copy of the machine", p, maxCaptureEntries)
		}
		switch {
		case fi.Link:
			sum.LeftOut = append(sum.LeftOut, fmt.Sprintf("the link %s: a capture holds no links, so where a plan on the machine refuses it, a plan of the capture does not", p))
			return nil
		case fi.IsDir:
			sum.Folders++
		case !read && opts.Content && fi.Size <= MaxCaptureContent:
			data, err := r.h.ReadFile(p)
			if err != nil {
				return err
			}
			content, read = data, true
			fallthrough
		default:
			sum.Files++
			if read {
				sum.WithContent++
			} else {
				unread++
			}
		}
		items = append(items, item{path: p, info: fi, content: content, read: read})
		return nil
	}
	var walk func(p string) error
	walk = func(p string) error {
		ents, err := r.h.Glob(p, "*")
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			fi, err := r.h.Stat(e.Path)
			if err != nil {
				return err
			}
			fi.Link = fi.Link || e.Link
			if err := add(e.Path, fi, nil, false); err != nil {
				return err
			}
			if fi.IsDir && !fi.Link {
				if err := walk(e.Path); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(r.paths)) {
		sp := r.paths[key]
		if !sp.info.Exists {
			continue
		}
		if err := add(sp.name, sp.info, sp.content, sp.read); err != nil {
			return nil, err
		}
		if sp.tree && sp.info.IsDir && !sp.info.Link {
			if err := walk(sp.name); err != nil {
				return nil, err
			}
		}
	}
	for _, g := range r.globs {
		for _, e := range g.entries {
			fi, err := r.h.Stat(e.Path)
			if err != nil {
				return nil, err
			}
			fi.Link = fi.Link || e.Link
			if err := add(e.Path, fi, nil, false); err != nil {
				return nil, err
			}
		}
	}
	if unread > 0 {
		what := fmt.Sprintf("the content of %d files under the folders the playbook moves, empties or deletes: the capture has their names and sizes (as files of zeros)", unread)
		if !opts.Content {
			what += fmt.Sprintf("; -content puts in those of up to %d KiB", MaxCaptureContent>>10)
		}
		sum.LeftOut = append(sum.LeftOut, what)
	}
	return items, nil
}

// serviceTable puts the services read, and the running services that depend
// on them, in the service table.
func (r *Recorder) serviceTable(ctx context.Context, into map[string]*simService, sum *CaptureSummary) error {
	add := func(st ServiceStatus) *simService {
		if svc, ok := into[st.Name]; ok {
			return svc
		}
		state := st.State
		switch state {
		case StartPending, "paused":
			state = Running
		case StopPending:
			state = Stopped
		}
		if state != st.State {
			sum.LeftOut = append(sum.LeftOut, fmt.Sprintf("service %s was %s: the capture has it %s", st.Name, st.State, state))
		}
		svc := &simService{State: state, StartType: st.StartType}
		into[st.Name] = svc
		return svc
	}
	for _, name := range slices.Sorted(maps.Keys(r.services)) {
		st := r.services[name]
		add(st)
		for _, dep := range st.Dependents {
			dst, err := r.h.Service(ctx, dep)
			if err != nil {
				return err
			}
			d := add(dst)
			if !slices.Contains(d.DependsOn, st.Name) {
				d.DependsOn = append(d.DependsOn, st.Name)
			}
		}
	}
	sum.Services = len(into)
	return nil
}

// newFolder makes dir, or accepts an empty folder: a capture never writes
// over anything.
func newFolder(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a folder; name a new folder", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty; a capture writes over nothing: name a new folder", dir)
	}
	return nil
}

// rel is the name below dir (slash-separated) of the Windows path p,
// spelled as the first path written through each folder spelled it.
func (w *simWriter) rel(p string) (string, error) {
	drive, parts, err := splitWinPath(p)
	if err != nil {
		return "", fmt.Errorf("%w: a simulated host holds drive paths only", err)
	}
	at := "drive/" + drive
	for _, part := range parts {
		next := at + "/" + part
		if spelled, ok := w.names[strings.ToLower(next)]; ok {
			next = spelled
		} else {
			w.names[strings.ToLower(next)] = next
		}
		at = next
	}
	return at, nil
}

// write writes a folder, or a file: its content if read, else as many
// zeros as it has bytes, in a sparse file where the file system has them.
func (w *simWriter) write(it item) error {
	rel, err := w.rel(it.path)
	if err != nil {
		return err
	}
	name := filepath.Join(w.dir, filepath.FromSlash(rel))
	w.times[rel] = it.info.ModTime
	if it.info.IsDir {
		return os.MkdirAll(name, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if it.read {
		_, err = f.Write(it.content)
	} else {
		err = f.Truncate(it.info.Size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// setTimes gives each file and folder its time on the machine, the
// deepest first: writing in a folder changes its time.
func (w *simWriter) setTimes() error {
	rels := slices.Collect(maps.Keys(w.times))
	sort.Slice(rels, func(i, j int) bool {
		if di, dj := strings.Count(rels[i], "/"), strings.Count(rels[j], "/"); di != dj {
			return di > dj
		}
		return rels[i] < rels[j]
	})
	for _, rel := range rels {
		if t := w.times[rel]; !t.IsZero() {
			if err := os.Chtimes(filepath.Join(w.dir, filepath.FromSlash(rel)), t, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// marshalSim writes cfg as host.yaml, without the keys it leaves empty,
// under header's comment lines.
func marshalSim(cfg simConfig, header string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(cfg); err != nil {
		return nil, err
	}
	dropEmpty(&doc)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		lines = append(lines, strings.TrimRight("# "+l, " "))
	}
	doc.HeadComment = strings.Join(lines, "\n")
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// dropEmpty removes the top-level keys of the document whose values are
// empty mappings, empty lists, false, zero or "". (Below them, an empty
// mapping says something: a registry key without values.)
func dropEmpty(n *yaml.Node) {
	var kept []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		empty := (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) == 0 ||
			v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Tag == "!!bool" && v.Value == "false" || v.Tag == "!!int" && v.Value == "0" || v.Tag == "!!str" && v.Value == "")
		if !empty {
			kept = append(kept, n.Content[i], v)
		}
	}
	n.Content = kept
}
