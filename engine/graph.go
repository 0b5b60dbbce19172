package engine

import (
	"encoding/json"
)

// Graph is a playbook's steps in the order they run and the edges between
// them: graph -json prints it, WriteGraph draws it as DOT.
type Graph struct {
	FormatVersion string `json:"format_version"`
	WuplayVersion string `json:"wuplay_version"`
	Playbook      string `json:"playbook"`
	// Steps are in the order they run, the first numbered 1.
	Steps []GraphStep `json:"steps"`
	Edges []GraphEdge `json:"edges"`
}

type GraphStep struct {
	Address string `json:"address"`
	Order   int    `json:"order"`
}

// GraphEdge says that To runs after From: because it is written after it
// ("order"), or because it names it in depends_on, restart_on or run_on
// (the meta-argument's name).
type GraphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// NewGraph gives the graph of pb.
func NewGraph(pb *Playbook) *Graph {
	g := &Graph{FormatVersion: FormatVersion, WuplayVersion: Version(), Playbook: pb.Name, Steps: []GraphStep{}, Edges: []GraphEdge{}}
	for i, s := range pb.Steps {
		g.Steps = append(g.Steps, GraphStep{Address: s.Addr(), Order: i + 1})
		if i > 0 {
			g.Edges = append(g.Edges, GraphEdge{From: pb.Steps[i-1].Addr(), To: s.Addr(), Kind: "order"})
		}
		for _, d := range s.DependsOn {
			g.Edges = append(g.Edges, GraphEdge{From: d, To: s.Addr(), Kind: "depends_on"})
		}
		for _, d := range s.Triggers {
			g.Edges = append(g.Edges, GraphEdge{From: d, To: s.Addr(), Kind: s.TriggerArg})
		}
	}
	return g
}

// Marshal is the graph as JSON, indented for reading.
func (g *Graph) Marshal() []byte {
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		panic(err) // plain values
	}
	return append(data, '\n')
}
