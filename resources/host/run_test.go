package host

import (
	"fmt"
	"strings"
	"testing"
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
