package views

import (
	"fmt"
	"io"

	"github.com/wuplay/wuplay/engine"
)

// WriteGraph prints the graph in Graphviz DOT: solid edges for
// depends_on, dashed ones for the written order.
func WriteGraph(w io.Writer, g *engine.Graph) error {
	pw := &printer{w: w, escape: dotQuote}
	pw.printf("digraph %s {\n  rankdir = \"TB\";\n  node [shape = \"box\"];\n", g.Playbook)
	for _, s := range g.Steps {
		pw.printf("  %s [label = %s];\n", s.Address, fmt.Sprintf("%d. %s", s.Order, s.Address))
	}
	for _, e := range g.Edges {
		if e.Kind == "order" {
			pw.printf("  %s -> %s [style = \"dashed\"];\n", e.From, e.To)
		} else {
			pw.printf("  %s -> %s [label = %s];\n", e.From, e.To, e.Kind)
		}
	}
	pw.printf("}\n")
	return pw.err
}
