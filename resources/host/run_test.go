package host

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBoundedOutputKeepsHeadAndTail(t *testing.T) {
	long := strings.Repeat("é", maxOutput) + "end" // two bytes a character
	for name, tc := range map[string]struct {
		text  string
		chunk int
		want  string
	}{
		"short":              {text: "Successfully reset the Winsock Catalog.\n", chunk: 7, want: "Successfully reset the Winsock Catalog.\n"},
		"exactly the bound":  {text: strings.Repeat("x", maxOutput), chunk: 4096, want: strings.Repeat("x", maxOutput)},
		"long, small writes": {text: long, chunk: 3, want: long[:maxOutput/2] + fmt.Sprintf("\n… %d bytes left out …\n", len(long)-maxOutput) + long[len(long)-maxOutput/2+1:]},
		"long, one write":    {text: long, chunk: len(long), want: long[:maxOutput/2] + fmt.Sprintf("\n… %d bytes left out …\n", len(long)-maxOutput) + long[len(long)-maxOutput/2+1:]},
	} {
		t.Run(name, func(t *testing.T) {
			o := &boundedOutput{tail: make([]byte, 0, maxOutput/2)}
			for s := tc.text; s != ""; {
				n := min(tc.chunk, len(s))
				o.Write([]byte(s[:n]))
				s = s[n:]
			}
			got := o.String()
			if got != tc.want {
				t.Errorf("kept %d bytes, want %d (head %q…, tail …%q)", len(got), len(tc.want), got[:min(20, len(got))], got[max(0, len(got)-20):])
			}
			if !utf8.ValidString(got) {
				t.Error("the output was cut inside a character")
			}
		})
	}
}

// Review of issue 11 (bounded output, at its seam with the simulated
// host): a host someone handed over may answer a command with megabytes
// of host.yaml; Run keeps of it what it keeps of a real command's, as the
// Host contract says, so that a report or an error holds no more. Before,
// the whole answer went into the error and the report.
func TestSimRunBoundsItsOutput(t *testing.T) {
	h := lockHost(t)
	answer := strings.Repeat("x", 4<<20)
	h.cfg.Commands = []simCommand{{Run: "netsh winsock reset", Exit: 1, Output: answer}}
	_, out, err := h.Run(t.Context(), []string{"netsh", "winsock", "reset"}, false, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > maxOutput+100 || !strings.Contains(out, fmt.Sprintf("%d bytes left out", len(answer)-maxOutput)) {
		t.Errorf("output of %d bytes: want at most %d, saying what was left out", len(out), maxOutput)
	}
}
