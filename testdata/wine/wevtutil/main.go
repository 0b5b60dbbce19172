// Command wevtutil stands in for Windows' wevtutil under Wine, whose own
// answers every query with nothing: it prints C:\wuplay-test\events.xml, a
// test's choice of events as `wevtutil qe ... /f:RenderedXml` prints them,
// whatever the query (nothing if there is no such file). The tests install
// it over Wine's in system32 and make Wine load it rather than its builtin.
package main

import (
	"errors"
	"io/fs"
	"os"
)

func main() {
	data, err := os.ReadFile(`C:\wuplay-test\events.xml`)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.Write(data)
}
