// Package diagram draws a model version as Graphviz DOT, Mermaid, or an SVG
// rendered from the DOT by Graphviz (compiled to WebAssembly, so no system
// Graphviz is needed). Clusters are boxes labelled "any order"; optional
// stages have dashed borders.
package diagram

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"

	"github.com/stagewise/stagewise/models"
)

// EdgeStat is observed evidence on one edge for the overlay diagram.
type EdgeStat struct {
	From, To string
	Support  float64 // share of sessions (or cases) containing the pair, 0-1
	Count    int
	InModel  bool
}

// Overlay draws observed support on top of the model: edge width grows
// with support, observed edges the model lacks are dashed and red.
type Overlay struct {
	Edges []EdgeStat
	Unit  string
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return `"` + r.Replace(s) + `"`
}

// DOT writes the model as a Graphviz digraph; overlay may be nil.
func DOT(title string, c models.Content, overlay *Overlay) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", quote(title))
	b.WriteString("  rankdir=LR;\n  labelloc=t;\n")
	fmt.Fprintf(&b, "  label=%s;\n", quote(title))
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#444444\"];\n")
	node := func(s models.Stage) {
		style := "rounded,filled"
		if s.Optional {
			style += ",dashed"
		}
		fill := "#ffffff"
		switch s.Role {
		case models.RoleMarker:
			fill = "#fdf2d0"
		case models.RoleResolution:
			fill = "#dcf1dc"
		}
		label := s.Name + "\n" + s.Key + " · " + s.Role + " · " + s.Actor
		if s.Optional {
			label += " · optional"
		}
		fmt.Fprintf(&b, "    %s [label=%s, style=%s, fillcolor=%s];\n", quote(s.Key), quote(label), quote(style), quote(fill))
	}
	for i, k := range c.Clusters {
		fmt.Fprintf(&b, "  subgraph %s {\n", quote(fmt.Sprintf("cluster_%d", i)))
		fmt.Fprintf(&b, "    label=%s;\n    style=\"rounded,dashed\";\n    color=\"#7a7a7a\";\n", quote(k.Name+" (any order)"))
		for _, s := range c.Stages {
			if s.Cluster == k.Key {
				node(s)
			}
		}
		b.WriteString("  }\n")
	}
	for _, s := range c.Stages {
		if s.Cluster == "" {
			node(s)
		}
	}
	stats := map[[2]string]EdgeStat{}
	if overlay != nil {
		for _, e := range overlay.Edges {
			stats[[2]string{e.From, e.To}] = e
		}
	}
	declared := map[[2]string]bool{}
	for _, t := range c.Transitions {
		declared[[2]string{t.From, t.To}] = true
		attrs := []string{}
		switch t.Kind {
		case models.TransitionAlternative:
			attrs = append(attrs, `style="dashed"`)
		case models.TransitionLoop:
			attrs = append(attrs, `style="dotted"`, `constraint=false`)
		}
		if overlay != nil {
			e, ok := stats[[2]string{t.From, t.To}]
			w := 0.6
			label := "not observed"
			if ok {
				w = 0.6 + 6*e.Support
				label = fmt.Sprintf("%.0f%% (%d)", 100*e.Support, e.Count)
			}
			attrs = append(attrs, fmt.Sprintf("penwidth=%.2f", w), "label="+quote(label))
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", quote(t.From), quote(t.To), strings.Join(attrs, ", "))
	}
	if overlay != nil {
		for _, e := range overlay.Edges {
			if declared[[2]string{e.From, e.To}] {
				continue
			}
			color := "#c0392b"
			style := "dashed"
			if e.InModel { // allowed by a cluster or an optional stage, not declared
				color, style = "#2c7fb8", "dashed"
			}
			fmt.Fprintf(&b, "  %s -> %s [style=%s, color=%s, fontcolor=%s, penwidth=%.2f, label=%s, constraint=false];\n",
				quote(e.From), quote(e.To), quote(style), quote(color), quote(color), 0.6+6*e.Support,
				quote(fmt.Sprintf("%.0f%% (%d)", 100*e.Support, e.Count)))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func mermaidLabel(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "\r\n", "<br/>", "\n", "<br/>", "\r", "<br/>", "<", "#lt;", ">", "#gt;")
	return `"` + r.Replace(s) + `"`
}

// Mermaid writes the model as a Mermaid flowchart. Node ids are positional
// (s0, s1, …) so that any stage key is safe; labels carry the keys.
func Mermaid(c models.Content) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	id := map[string]string{}
	for i, s := range c.Stages {
		id[s.Key] = fmt.Sprintf("s%d", i)
	}
	node := func(indent string, s models.Stage) {
		fmt.Fprintf(&b, "%s%s[%s]\n", indent, id[s.Key], mermaidLabel(s.Name+"\n"+s.Key+" · "+s.Role))
	}
	for i, k := range c.Clusters {
		fmt.Fprintf(&b, "  subgraph c%d[%s]\n", i, mermaidLabel(k.Name+" (any order)"))
		for _, s := range c.Stages {
			if s.Cluster == k.Key {
				node("    ", s)
			}
		}
		b.WriteString("  end\n")
	}
	for _, s := range c.Stages {
		if s.Cluster == "" {
			node("  ", s)
		}
	}
	for _, t := range c.Transitions {
		arrow := "-->"
		switch t.Kind {
		case models.TransitionAlternative:
			arrow = "-.->"
		case models.TransitionLoop:
			arrow = "==>"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", id[t.From], arrow, id[t.To])
	}
	b.WriteString("  classDef marker fill:#fdf2d0,stroke:#8a6d00\n")
	b.WriteString("  classDef resolution fill:#dcf1dc,stroke:#2e7d32\n")
	b.WriteString("  classDef optional stroke-dasharray: 5 5\n")
	for _, s := range c.Stages {
		switch s.Role {
		case models.RoleMarker, models.RoleResolution:
			fmt.Fprintf(&b, "  class %s %s\n", id[s.Key], s.Role)
		}
		if s.Optional {
			fmt.Fprintf(&b, "  class %s optional\n", id[s.Key])
		}
	}
	return b.String()
}

// Renderer turns DOT into SVG. The WebAssembly Graphviz instance is not safe
// for concurrent use and is costly to start, so one instance is created on
// first use and calls are serialized.
type Renderer struct {
	mu sync.Mutex
	gv *graphviz.Graphviz
}

// SVG lays out and renders a DOT graph.
func (r *Renderer) SVG(ctx context.Context, dot string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gv == nil {
		gv, err := graphviz.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("start graphviz: %w", err)
		}
		r.gv = gv
	}
	g, err := graphviz.ParseBytes([]byte(dot))
	if err != nil {
		return nil, fmt.Errorf("parse dot: %w", err)
	}
	defer g.Close()
	var buf bytes.Buffer
	if err := r.gv.Render(ctx, g, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("render svg: %w", err)
	}
	return buf.Bytes(), nil
}

// Close releases the Graphviz instance.
func (r *Renderer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gv == nil {
		return nil
	}
	err := r.gv.Close()
	r.gv = nil
	return err
}
