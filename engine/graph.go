package engine

import (
	"fmt"
	"io"
)

// WriteGraph prints the steps in the order they run and their
// dependencies, in Graphviz DOT: solid edges for depends_on, restart_on
// and run_on, dashed ones for the written order.
func WriteGraph(w io.Writer, pb *Playbook) error {
	pw := &printer{w: w, escape: dotQuote}
	pw.printf("digraph %s {\n  rankdir = \"TB\";\n  node [shape = \"box\"];\n", pb.Name)
	for i, s := range pb.Steps {
		pw.printf("  %s [label = %s];\n", s.Addr(), fmt.Sprintf("%d. %s", i+1, s.Addr()))
	}
	for i, s := range pb.Steps {
		if i > 0 {
			pw.printf("  %s -> %s [style = \"dashed\"];\n", pb.Steps[i-1].Addr(), s.Addr())
		}
		for _, d := range s.DependsOn {
			pw.printf("  %s -> %s [label = \"depends_on\"];\n", d, s.Addr())
		}
		for _, d := range s.Triggers {
			pw.printf("  %s -> %s [label = %s];\n", d, s.Addr(), s.TriggerArg)
		}
	}
	pw.printf("}\n")
	return pw.err
}
