package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/playbooks"
)

// TestShippedPlaybooks runs "wuplay test" over playbooks/: every shipped
// playbook's tests, as CI runs them, and requires that every shipped
// playbook has its test file.
func TestShippedPlaybooks(t *testing.T) {
	for _, name := range playbooks.Names() {
		if strings.HasSuffix(name, ".hcl") {
			test := strings.TrimSuffix(name, ".hcl") + ".test.hcl"
			if _, err := os.Stat(filepath.Join("../../playbooks", test)); err != nil {
				t.Errorf("shipped playbook %s has no tests (%s): %v", name, test, err)
			}
		}
	}
	var out strings.Builder
	c := &cli{stdin: bufio.NewReader(strings.NewReader("")), stdout: &out, stderr: &out}
	code := c.main(context.Background(), []string{"test", "../../playbooks"})
	t.Logf("wuplay test ../../playbooks:\n%s", out.String())
	if code != exitOK {
		t.Errorf("wuplay test ../../playbooks: exit code %d\n%s", code, out.String())
	}
}
