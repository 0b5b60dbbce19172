package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/engine/views"
	"github.com/wuplay/wuplay/resources/host"
)

// reportHelp is the report command's line in the usage.
const reportHelp = "Summarise many hosts' dry runs for a change ticket, grouped by identical plan."

var reportLong = `Each file is one host's dry run: a saved plan (wuplay plan -out), the
output of wuplay plan -json, or the result of wuplay as an Ansible module
in check mode. A file names its host: web01.plan, web01.json. In a
folder, report reads every file below it named
*` + strings.Join(reportExts, ", *") + `. Files of one name, as Ansible's fetch leaves
them, are named by the folder that tells them apart:
fetched/web01/C:/wuplay/kb910336.plan is host web01.

With -json, an error that leaves no summary is one diagnostic object, as
in the -json stream; results that could not be read are listed in the
summary, and report exits 1.`

// reportExts are the files that report reads from a folder: saved plans,
// plan -json output and Ansible results.
var reportExts = []string{".plan", ".json", ".jsonl", ".ndjson"}

// report reads many hosts' dry runs (saved plans, plan -json output, the
// Ansible module's check-mode results) and writes one summary: as text,
// Markdown or JSON. It exits 1 when a result could not be read, after
// writing the summary of the others.
func (c *cli) report(_ context.Context, a *args) int {
	r := c.start(a)
	files, err := fleetFiles(a.operands)
	if err != nil {
		return r.failed(err)
	}
	s := fleet.Summarize(readFleet(files))
	switch {
	case a.json:
		c.stdout.Write(s.Marshal())
	case a.markdown:
		views.WriteFleetMarkdown(c.stdout, s)
	default:
		views.WriteFleetText(c.stdout, s, r.color())
	}
	if s.Unreadable == 0 {
		return exitOK
	}
	if a.json {
		// The summary names each result it could not read; a second JSON
		// document after it would break a reader that takes one.
		return exitError
	}
	return c.fail(fmt.Errorf("%d of %d results could not be read; the summary counts the other %d", s.Unreadable, s.Hosts, s.Hosts-s.Unreadable))
}

// fleetFile is one host's result on disk.
type fleetFile struct {
	path string
	// root is the folder argument the file was found in; "" for a file
	// given by name.
	root string
	host string
}

// fleetFiles lists the files of the arguments and names each one's host.
func fleetFiles(args []string) ([]fleetFile, error) {
	var files []fleetFile
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, fleetFile{path: arg})
			continue
		}
		n := len(files)
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && slices.Contains(reportExts, strings.ToLower(filepath.Ext(p))) {
				files = append(files, fleetFile{path: p, root: arg})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(files) == n {
			return nil, fmt.Errorf("%s holds no %s files", arg, strings.Join(reportExts, ", "))
		}
	}
	return files, nameHosts(files)
}

// nameHosts names each file's host after the file (web01.plan is web01).
// Files of one name found in folders, as Ansible's fetch leaves them
// (fetched/web01/C:/wuplay/kb910336.plan), are named by the folder that
// tells them apart. Two results for one host are an error: the summary
// would count the host twice.
func nameHosts(files []fleetFile) error {
	byName := map[string][]int{}
	for i := range files {
		base := filepath.Base(files[i].path)
		files[i].host = strings.TrimSuffix(base, filepath.Ext(base))
		byName[files[i].host] = append(byName[files[i].host], i)
	}
	for _, same := range byName {
		if len(same) > 1 {
			nameByFolder(files, same)
		}
	}
	seen := map[string]string{}
	for _, f := range files {
		if other, ok := seen[f.host]; ok {
			return fmt.Errorf("%s and %s are both results of host %s: keep one file a host, named after it", other, f.path, f.host)
		}
		seen[f.host] = f.path
	}
	return nil
}

// nameByFolder names the files same by the first folder, below their
// folder arguments, in which their paths differ. Files given by name keep
// theirs.
func nameByFolder(files []fleetFile, same []int) {
	var dirs [][]string
	for _, i := range same {
		rel, err := filepath.Rel(files[i].root, filepath.Dir(files[i].path))
		if files[i].root == "" || err != nil || rel == "." {
			return
		}
		dirs = append(dirs, strings.Split(filepath.ToSlash(rel), "/"))
	}
	for level := 0; ; level++ {
		for _, d := range dirs {
			if level >= len(d) {
				return
			}
		}
		if slices.ContainsFunc(dirs, func(d []string) bool { return d[level] != dirs[0][level] }) {
			for k, i := range same {
				files[i].host = dirs[k][level]
			}
			return
		}
	}
}

// readFleet reads and parses the files, on every processor: parsing is
// most of a report's time. A file that cannot be read is reported in the
// summary, not fatal to it.
func readFleet(files []fleetFile) []fleet.Input {
	inputs := make([]fleet.Input, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				f := files[i]
				data, err := host.ReadFileMax(f.path, engine.MaxPlanFile)
				if err == nil {
					inputs[i], err = fleet.ParseInput(f.host, f.path, data)
				}
				if err != nil {
					inputs[i] = fleet.Input{Host: f.host, Unreadable: err.Error()}
				}
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return inputs
}
