package diagram

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// svgTexts parses the SVG (failing on malformed XML) and returns the
// character data of its <text> elements and the fills of its block rects.
func svgTexts(t *testing.T, svg []byte) (texts, fills []string, title string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			stack = append(stack, x.Name.Local)
			if x.Name.Local == "rect" {
				for _, a := range x.Attr {
					if a.Name.Local == "stroke" && a.Value == "#ffffff" {
						for _, b := range x.Attr {
							if b.Name.Local == "fill" {
								fills = append(fills, b.Value)
							}
						}
					}
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "text" {
				texts = append(texts, string(x))
			}
			if len(stack) == 2 && stack[1] == "title" && title == "" {
				title = string(x)
			}
		}
	}
	return texts, fills, title
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// TestIndexSVG: five sessions, three variants. M A B R (3 sessions) comes
// first, then M B A R (1) and M A R (1), tied and ordered by the sequence
// in legend order (M A R < M B A R, since A < B). Rows keep their input
// order within a variant; every block has its stage's colour; text is
// escaped; the same plot gives the same bytes.
func TestIndexSVG(t *testing.T) {
	p := IndexPlot{
		Title:  `demo v1 <vs> "data" & more`,
		Stages: []IndexStage{{"M", "Rupture marker"}, {"A", "Explore"}, {"B", "Validate <defence>"}, {"R", "Re-engagement"}},
		Rows: []IndexRow{
			{"P01 s3", []string{"M", "A", "B", "R"}},
			{"P02 s5", []string{"M", "B", "A", "R"}},
			{"P03 s2", []string{"M", "A", "B", "R"}},
			{"P04 s9", []string{"M", "A", "R"}},
			{"<P05> & s1", []string{"M", "A", "B", "R"}},
		},
	}
	svg := IndexSVG(p)
	if !bytes.Equal(svg, IndexSVG(p)) {
		t.Fatal("two drawings of one plot differ")
	}
	texts, fills, title := svgTexts(t, svg)
	if title != `Sequence index plot: demo v1 <vs> "data" & more` {
		t.Errorf("title = %q", title)
	}
	var order []int
	for _, l := range []string{"P01 s3", "P03 s2", "<P05> & s1", "P04 s9", "P02 s5"} {
		order = append(order, indexOf(texts, l))
	}
	for i := range order {
		if order[i] < 0 || (i > 0 && order[i] < order[i-1]) {
			t.Fatalf("row labels out of order %v in %q", order, texts)
		}
	}
	for _, want := range []string{"3 sessions", "1 session", "2  Explore (A)", "3  Validate <defence> (B)", "Position in the stage sequence (consecutive repeats collapsed)",
		"Sequence index plot: one row per session, one block per stage, rows grouped by stage sequence (most frequent first)",
		"case, session", "per sequence", "5 sessions, 3 stage sequences"} {
		if indexOf(texts, want) < 0 {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	// Blocks, in drawing order: 3 × M A B R, M A R, M B A R.
	c := func(k int) string { return indexPalette[k] }
	var want []string
	for range 3 {
		want = append(want, c(0), c(1), c(2), c(3))
	}
	want = append(want, c(0), c(1), c(3), c(0), c(2), c(1), c(3))
	if strings.Join(fills, " ") != strings.Join(want, " ") {
		t.Errorf("block fills\n got %v\nwant %v", fills, want)
	}
	if bytes.Contains(svg, []byte("<P05>")) || bytes.Contains(svg, []byte("<vs>")) {
		t.Errorf("unescaped text in the SVG")
	}
	if regexp.MustCompile(`(?i)<script|href=|on\w+=`).Match(svg) {
		t.Errorf("the SVG holds a script, a link or an event handler")
	}
}

// TestIndexSVGBands: above IndexMaxRows sessions every variant is one band
// (no row labels); above IndexMaxBands variants the rest are counted in a
// note; a stage the legend lacks is added with its key.
func TestIndexSVGBands(t *testing.T) {
	var p IndexPlot
	p.Stages = []IndexStage{{"M", "Marker"}, {"R", "Resolution"}}
	for i := range 700 {
		p.Rows = append(p.Rows, IndexRow{Label: fmt.Sprintf("c%d", i), Stages: []string{"M", "R"}})
	}
	for i := range 400 {
		p.Rows = append(p.Rows, IndexRow{Label: fmt.Sprintf("d%d", i), Stages: []string{"M", fmt.Sprintf("X%03d", i), "R"}})
	}
	texts, fills, _ := svgTexts(t, IndexSVG(p))
	if indexOf(texts, "c0") >= 0 {
		t.Errorf("band mode still draws row labels")
	}
	if indexOf(texts, "700 sessions") < 0 {
		t.Errorf("the big band is not labelled: %q", texts)
	}
	// 1 + 299 variants drawn: 2 blocks + 299 × 3 blocks.
	if len(fills) != 2+299*3 {
		t.Errorf("%d blocks drawn", len(fills))
	}
	if indexOf(texts, "1100 sessions, 401 stage sequences; the 101 least frequent sequences (101 sessions) are not drawn") < 0 {
		t.Errorf("no note on the variants left out: %q", texts[len(texts)-1])
	}
	if indexOf(texts, "3  X000") < 0 {
		t.Errorf("a stage missing from the legend is not added under its key")
	}
}

// TestIndexSVGEmpty: no sessions still gives a valid, labelled SVG.
func TestIndexSVGEmpty(t *testing.T) {
	texts, _, _ := svgTexts(t, IndexSVG(IndexPlot{Title: "empty", Stages: []IndexStage{{"M", "Marker"}}}))
	if indexOf(texts, "No session has a stage sequence.") < 0 {
		t.Errorf("texts = %q", texts)
	}
}
