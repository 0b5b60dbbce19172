package views

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/internal/golden"
	"github.com/wuplay/wuplay/playbooks"
	"github.com/wuplay/wuplay/resources/host"
)

func TestRenderGolden(t *testing.T) {
	tests := map[string]struct {
		host    string
		replace []string
		color   bool
	}{
		"kb910336-broken":        {host: "broken"},
		"kb910336-broken-color":  {host: "broken", color: true},
		"kb910336-healthy":       {host: "healthy"},
		"kb910336-rerun":         {host: "rerun"},
		"kb910336-rerun-replace": {host: "rerun", replace: []string{"directory.software_distribution"}},
	}
	_, src, _ := playbooks.Lookup("kb910336")
	pb, diags := engine.Load("kb910336.hcl", src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := host.OpenSim(filepath.Join("..", "..", "testdata", "hosts", tt.host))
			if err != nil {
				t.Fatal(err)
			}
			p, diags := engine.NewPlan(context.Background(), pb, h, engine.Options{Replace: tt.replace})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			p.Host = "sim:" + tt.host
			var got strings.Builder
			if err := WritePlan(&got, p.Document(), tt.color); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("..", "..", "testdata", "golden", name+".txt"), got.String())
		})
	}
}

func TestMarkdownGolden(t *testing.T) {
	for _, hostName := range []string{"broken", "healthy"} {
		t.Run(hostName, func(t *testing.T) {
			_, src, _ := playbooks.Lookup("kb910336")
			pb, diags := engine.Load("kb910336.hcl", src)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			h, err := host.OpenSim(filepath.Join("..", "..", "testdata", "hosts", hostName))
			if err != nil {
				t.Fatal(err)
			}
			p, diags := engine.NewPlan(context.Background(), pb, h, engine.Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			p.Host = "sim:" + hostName
			d := p.Document()
			d.CreatedAt = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
			d.Facts["path.sdtemp"] = []byte(`{"exists":false,"is_dir":false,"mtime":"","size":0}`)
			var got strings.Builder
			if err := WriteMarkdown(&got, d); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("..", "..", "testdata", "golden", "kb910336-"+hostName+".md"), got.String())
		})
	}
}
