package engine

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wuplay/wuplay/resources/host"
)

// benchPlaybook writes a playbook of n steps on the local file system:
// pairs of a folder and a file with content inside it.
func benchPlaybook(root string, n int) []byte {
	var b strings.Builder
	b.WriteString("playbook \"bench\" {}\n")
	for i := 0; i < n/2; i++ {
		fmt.Fprintf(&b, "directory \"d%d\" {\n  path = %q\n}\n", i, filepath.Join(root, fmt.Sprint("d", i)))
		fmt.Fprintf(&b, "file \"f%d\" {\n  path    = %q\n  content = \"content %d\"\n}\n", i, filepath.Join(root, fmt.Sprint("d", i), "f"), i)
	}
	return []byte(b.String())
}

// The benchmarks compare wuplay with a baseline that makes the same system
// calls directly: what the engine adds (parsing, evaluation, prediction,
// net effect, verification bookkeeping) is the difference. README.md
// reports the figures.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		root := b.TempDir()
		src := benchPlaybook(root, n)
		b.Run(fmt.Sprintf("steps=%d/engine", n), func(b *testing.B) {
			b.ReportAllocs()
			var p *Plan
			for b.Loop() {
				pb, diags := Load("bench.hcl", src)
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				if p, diags = NewPlan(context.Background(), pb, host.Local(), Options{}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
			// What a plan keeps in memory: the heap after a collection,
			// with the plan still alive.
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
			runtime.KeepAlive(p)
		})
		// The same without parsing: how much of the plan is HCL's parser.
		b.Run(fmt.Sprintf("steps=%d/engine-parsed", n), func(b *testing.B) {
			b.ReportAllocs()
			pb, diags := Load("bench.hcl", src)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			for b.Loop() {
				if _, diags := NewPlan(context.Background(), pb, host.Local(), Options{}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
		b.Run(fmt.Sprintf("steps=%d/baseline", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < n/2; i++ {
					dir := filepath.Join(root, fmt.Sprint("d", i))
					os.Lstat(dir)
					os.Lstat(filepath.Join(dir, "f"))
				}
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		root := b.TempDir()
		src := benchPlaybook(root, n)
		clean := func(b *testing.B) {
			b.StopTimer()
			if err := os.RemoveAll(root); err != nil {
				b.Fatal(err)
			}
			if err := os.Mkdir(root, 0o755); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.Run(fmt.Sprintf("steps=%d/engine", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clean(b)
				pb, diags := Load("bench.hcl", src)
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				p, diags := NewPlan(context.Background(), pb, host.Local(), Options{})
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				if _, err := Apply(context.Background(), p, host.Local(), nopObserver{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The same calls as the engine: read each path, create it, read it
		// again to verify.
		b.Run(fmt.Sprintf("steps=%d/baseline", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clean(b)
				for i := 0; i < n/2; i++ {
					dir := filepath.Join(root, fmt.Sprint("d", i))
					file := filepath.Join(dir, "f")
					os.Lstat(dir)
					os.Lstat(file)
				}
				for i := 0; i < n/2; i++ {
					dir := filepath.Join(root, fmt.Sprint("d", i))
					file := filepath.Join(dir, "f")
					if err := os.MkdirAll(dir, 0o755); err != nil {
						b.Fatal(err)
					}
					os.Lstat(dir)
					os.Lstat(file)
					if err := host.WriteFileAtomic(file, []byte(fmt.Sprint("content ", i))); err != nil {
						b.Fatal(err)
					}
					os.Lstat(file)
					data, _ := os.ReadFile(file)
					sha256.Sum256(data)
				}
			}
		})
	}
}
