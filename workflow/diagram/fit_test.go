package diagram

import (
	"context"
	"encoding/xml"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models"
)

// svgElem is an SVG element as encoding/xml reads Graphviz's output.
type svgElem struct {
	XMLName    xml.Name
	Class      string     `xml:"class,attr"`
	D          string     `xml:"d,attr"`
	Points     string     `xml:"points,attr"`
	X          string     `xml:"x,attr"`
	Y          string     `xml:"y,attr"`
	FontFamily string     `xml:"font-family,attr"`
	FontSize   string     `xml:"font-size,attr"`
	Title      string     `xml:"title"`
	Text       string     `xml:",chardata"`
	Children   []svgElem  `xml:",any"`
	Attrs      []xml.Attr `xml:",any,attr"`
}

var numRE = regexp.MustCompile(`-?\d+(\.\d+)?`)

// box is the bounding box of an element's outline (path or polygon).
func box(e svgElem) (minX, minY, maxX, maxY float64, ok bool) {
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range e.Children {
		if c.XMLName.Local != "path" && c.XMLName.Local != "polygon" {
			continue
		}
		ns := numRE.FindAllString(c.D+c.Points, -1)
		for i := 0; i+1 < len(ns); i += 2 {
			x, _ := strconv.ParseFloat(ns[i], 64)
			y, _ := strconv.ParseFloat(ns[i+1], 64)
			minX, maxX = min(minX, x), max(maxX, x)
			minY, maxY = min(minY, y), max(maxY, y)
			ok = true
		}
	}
	return
}

func walk(e svgElem, f func(svgElem)) {
	f(e)
	for _, c := range e.Children {
		walk(c, f)
	}
}

func render(t *testing.T, c models.Content, ov *Overlay) svgElem {
	t.Helper()
	var r Renderer
	defer r.Close()
	svg, err := r.SVG(context.Background(), DOT("A model with a long title: rupture repair, version 3", c, ov))
	if err != nil {
		t.Fatal(err)
	}
	var root svgElem
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("SVG is not XML: %v", err)
	}
	return root
}

func longNames() models.Content {
	c := sample()
	c.Stages[0].Name = "Withdrawal marker: the patient goes quiet, changes the subject or agrees too readily"
	c.Stages[1].Name = "Invite exploration of the patient's feelings about the therapist and the therapy itself"
	c.Stages[2].Key = "validate_the_defensive_posture_of_the_patient"
	c.Stages[2].Name = "Validierungsstrategie—Abwehrhaltung anerkennen (ΑΒΓΔ Ωμέγα)"
	c.Stages[3].Name = "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"
	c.Transitions[0].To = "S2"
	c.Clusters[0].Name = "Repair strategies the therapist may use in any sequence"
	return c
}

// TestLabelsFitTheirBoxes: every text of every stage box, estimated by
// TextWidth at its font size, lies inside the box Graphviz drew around it,
// and so does each cluster's label inside its cluster; long names wrap.
func TestLabelsFitTheirBoxes(t *testing.T) {
	c := longNames()
	for _, ov := range []*Overlay{nil, {Unit: "cases", Edges: []EdgeStat{{From: "S1", To: "S2", Support: 0.5, Count: 3, InModel: true}, {From: "S4", To: "S2", Support: 0.2, Count: 1}}}} {
		root := render(t, c, ov)
		nodes, texts := 0, 0
		walk(root, func(g svgElem) {
			if g.XMLName.Local != "g" || (g.Class != "node" && g.Class != "cluster") || strings.HasPrefix(g.Title, "legend_") {
				return
			}
			minX, minY, maxX, maxY, ok := box(g)
			if !ok {
				t.Fatalf("%s %s has no outline", g.Class, g.Title)
			}
			nodes++
			for _, tx := range g.Children {
				if tx.XMLName.Local != "text" {
					continue
				}
				texts++
				x, _ := strconv.ParseFloat(tx.X, 64)
				y, _ := strconv.ParseFloat(tx.Y, 64)
				size, _ := strconv.ParseFloat(tx.FontSize, 64)
				w := TextWidth(tx.Text, size)
				if x-w/2 < minX || x+w/2 > maxX {
					t.Errorf("%s %s: %q (%.0f pt wide at %.1f) spans %.1f–%.1f, its box %.1f–%.1f", g.Class, g.Title, tx.Text, w, x, x-w/2, x+w/2, minX, maxX)
				}
				if y-size*0.8 < minY || y+size*0.25 > maxY {
					t.Errorf("%s %s: %q at y %.1f leaves its box %.1f–%.1f", g.Class, g.Title, tx.Text, y, minY, maxY)
				}
				if g.Class == "node" && len([]rune(tx.Text)) > wrapAt+4 {
					t.Errorf("node %s: line %q is not wrapped", g.Title, tx.Text)
				}
			}
		})
		if nodes < len(c.Stages)+len(c.Clusters) || texts < 2*len(c.Stages) {
			t.Fatalf("found %d boxes with %d texts", nodes, texts)
		}
	}
}

// TestOneFontFamily: every text of the model SVG and of the overlay is
// in the UI's font family, and no serif default is left.
func TestOneFontFamily(t *testing.T) {
	for _, ov := range []*Overlay{nil, {Unit: "sessions", Edges: []EdgeStat{{From: "S4", To: "S2", Support: 0.2, Count: 1}}}} {
		root := render(t, longNames(), ov)
		n := 0
		walk(root, func(e svgElem) {
			if e.XMLName.Local != "text" {
				return
			}
			n++
			if e.FontFamily != FontFamily {
				t.Errorf("text %q in font %q, want %q", e.Text, e.FontFamily, FontFamily)
			}
		})
		if n == 0 {
			t.Fatal("no text")
		}
	}
}

// TestIndexPlotFont: the sequence index plot is drawn in the same family.
func TestIndexPlotFont(t *testing.T) {
	var root svgElem
	if err := xml.Unmarshal(IndexSVG(IndexPlot{Title: "t", Stages: []IndexStage{{Key: "S1", Name: "One"}}, Rows: []IndexRow{{Label: "A1", Stages: []string{"S1"}}}}), &root); err != nil {
		t.Fatal(err)
	}
	if root.FontFamily != FontFamily {
		t.Errorf("index plot font %q, want %q", root.FontFamily, FontFamily)
	}
	walk(root, func(e svgElem) {
		if e.FontFamily != "" && e.FontFamily != FontFamily {
			t.Errorf("index plot text %q in font %q", e.Text, e.FontFamily)
		}
	})
}

// TestOverlayLegend: the overlay SVG carries a legend naming what edge
// width, the blue and the red dashes mean, in the overlay's unit; the
// plain model has none.
func TestOverlayLegend(t *testing.T) {
	texts := func(root svgElem) string {
		var b strings.Builder
		walk(root, func(e svgElem) {
			if e.XMLName.Local == "text" {
				b.WriteString(e.Text + "\n")
			}
		})
		return b.String()
	}
	got := texts(render(t, sample(), &Overlay{Unit: "cases", Edges: []EdgeStat{{From: "S4", To: "S2", Support: 0.2, Count: 1}}}))
	for _, want := range []string{"Legend", "wider = observed in more cases", "in the model, not observed", "allowed by an any-order cluster or an optional stage", "observed, not in the model"} {
		if !strings.Contains(got, want) {
			t.Errorf("overlay legend lacks %q:\n%s", want, got)
		}
	}
	if plain := texts(render(t, sample(), nil)); strings.Contains(plain, "Legend") {
		t.Errorf("the plain model has a legend:\n%s", plain)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want []string
	}{
		{"Invite exploration", 24, []string{"Invite exploration"}},
		{"Invite exploration of the patient's feelings", 24, []string{"Invite exploration of", "the patient's feelings"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"", 4, []string{""}},
	} {
		if got := wrap(c.in, c.n); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
