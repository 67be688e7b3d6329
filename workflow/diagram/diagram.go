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
	"unicode"
	"unicode/utf8"

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

// FontFamily is the web UI's font stack (app.css), used for every text of
// the drawn diagrams so that an exported SVG looks like the page.
const FontFamily = `system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif`

// Label sizes in points, and the longest line of a stage name before it
// wraps.
const (
	nodeFont   = 11.0
	edgeFont   = 9.0
	titleFont  = 14.0
	wrapAt     = 24
	nodePadPt  = 10.0 // each side, between the longest line and the border
	nodeLineEm = 1.25
)

// TextWidth estimates, in points, how wide s is drawn at size points in a
// sans-serif UI font. It errs on the wide side (an average glyph of 0.6 em,
// 0.72 em for capitals and digits, 0.95 em for m, w and dashes, 0.34 em
// for narrow ones, 1 em outside Latin), so a box sized by it holds the
// text in any of the fonts of FontFamily.
func TextWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljtfrI.,:;'|!() ·", r):
			w += 0.34
		case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '—' || r == '%':
			w += 0.95
		case unicode.IsUpper(r) || unicode.IsDigit(r):
			w += 0.72
		case r < 0x250:
			w += 0.6
		default:
			w += 1
		}
	}
	return w * size
}

// wrap breaks s into lines of at most n runes at spaces, cutting a longer
// word.
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > n {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			r := []rune(word)
			lines = append(lines, string(r[:n]))
			word = string(r[n:])
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= n:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// DOT writes the model as a Graphviz digraph; overlay may be nil. Stage
// names wrap at wrapAt characters and every box is at least as wide and
// tall as its lines estimated by TextWidth, so no label leaves its box
// whatever Graphviz's own font metrics say; every text is in FontFamily.
// The overlay has a legend of its edge styles.
func DOT(title string, c models.Content, overlay *Overlay) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", quote(title))
	b.WriteString("  rankdir=LR;\n  labelloc=t;\n")
	fmt.Fprintf(&b, "  label=%s;\n", quote(title))
	fmt.Fprintf(&b, "  fontname=%s;\n  fontsize=%g;\n", quote(FontFamily), titleFont)
	fmt.Fprintf(&b, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=%s, fontsize=%g];\n", quote(FontFamily), nodeFont)
	fmt.Fprintf(&b, "  edge [fontname=%s, fontsize=%g, color=\"#444444\"];\n", quote(FontFamily), edgeFont)
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
		parts := []string{s.Key, s.Role, s.Actor}
		if s.Optional {
			parts = append(parts, "optional")
		}
		lines := wrap(s.Name, wrapAt)
		sub := ""
		for _, p := range parts {
			for _, w := range wrap(p, wrapAt) {
				switch {
				case sub == "":
					sub = w
				case utf8.RuneCountInString(sub)+3+utf8.RuneCountInString(w) <= wrapAt+4:
					sub += " · " + w
				default:
					lines = append(lines, sub)
					sub = w
				}
			}
		}
		lines = append(lines, sub)
		widest := 0.0
		for _, l := range lines {
			widest = max(widest, TextWidth(l, nodeFont))
		}
		w := (widest + 2*nodePadPt) / 72
		h := (float64(len(lines))*nodeLineEm*nodeFont + 2*nodePadPt) / 72
		fmt.Fprintf(&b, "    %s [label=%s, style=%s, fillcolor=%s, width=%.3f, height=%.3f];\n", quote(s.Key), quote(strings.Join(lines, "\n")), quote(style), quote(fill), w, h)
	}
	for i, k := range c.Clusters {
		fmt.Fprintf(&b, "  subgraph %s {\n", quote(fmt.Sprintf("cluster_%d", i)))
		fmt.Fprintf(&b, "    label=%s;\n    fontsize=%g;\n    style=\"rounded,dashed\";\n    color=\"#7a7a7a\";\n", quote(strings.Join(wrap(k.Name+" (any order)", wrapAt+8), "\n")), nodeFont)
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
		legend(&b, overlay.Unit)
	}
	b.WriteString("}\n")
	return b.String()
}

// legend draws the overlay's key as a cluster of sample edges between
// invisible points: what the width, the colours and the dashes mean.
func legend(b *strings.Builder, unit string) {
	if unit == "" {
		unit = "sessions"
	}
	fmt.Fprintf(b, "  subgraph \"cluster_legend\" {\n    label=\"Legend\";\n    fontsize=%g;\n", nodeFont)
	b.WriteString("    style=\"rounded\";\n    color=\"#bbbbbb\";\n")
	b.WriteString("    node [shape=point, width=0.05, label=\"\", color=\"#ffffff\"];\n")
	rows := []struct{ attrs, label string }{
		{`penwidth=4.2, color="#444444"`, "in the model: wider = observed in more " + unit + "; label: share (count)"},
		{`penwidth=0.6, color="#444444"`, "in the model, not observed"},
		{`style="dashed", color="#2c7fb8", fontcolor="#2c7fb8", penwidth=1.5`, "allowed by an any-order cluster or an optional stage"},
		{`style="dashed", color="#c0392b", fontcolor="#c0392b", penwidth=1.5`, "observed, not in the model"},
	}
	for i, r := range rows {
		fmt.Fprintf(b, "    legend_%da -> legend_%db [%s, label=%s];\n", i, i, r.attrs, quote(r.label))
	}
	b.WriteString("  }\n")
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
