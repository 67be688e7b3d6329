package diagram

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IndexStage is one stage of a sequence index plot's legend.
type IndexStage struct {
	Key, Name string
}

// IndexRow is one session of a sequence index plot: a label (e.g. case
// and session) and its stage sequence.
type IndexRow struct {
	Label  string
	Stages []string
}

// IndexPlot is what a sequence index plot shows (TraMineR's seqIplot):
// every session as a row of blocks, one block per stage in sequence order,
// rows grouped by their sequence (the variant), most frequent first.
type IndexPlot struct {
	Title string
	// Stages gives the legend and the colours, in model order. A stage
	// that a row names but Stages lacks is added after them, in the order
	// first met, with its key as its name.
	Stages []IndexStage
	Rows   []IndexRow
}

// IndexMaxRows is the most sessions drawn one row each; above it every
// variant is one band whose height is proportional to its sessions, and at
// most IndexMaxBands variants are drawn (the rest are counted in a note).
const (
	IndexMaxRows  = 600
	IndexMaxBands = 300
)

// indexPalette is colour-blind safe: Okabe & Ito (2008), then Paul Tol's
// "muted" scheme; past 17 stages colours repeat, and every block wide
// enough carries its stage's legend number, so no stage is told by colour
// alone.
var indexPalette = []string{
	"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
	"#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
}

// inkOn picks black or white text for a fill colour by its luminance.
func inkOn(hex string) string {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	if 0.299*r+0.587*g+0.114*b < 140 {
		return "#ffffff"
	}
	return "#000000"
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// clip shortens s to at most n characters, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

type indexVariant struct {
	seq  []int // legend indexes
	rows []string
}

// IndexSVG draws the plot as a self-contained SVG (no scripts, no external
// references). The output depends only on p: the same plot gives the same
// bytes.
func IndexSVG(p IndexPlot) []byte {
	// Legend indexes.
	legend := slices.Clone(p.Stages)
	index := map[string]int{}
	for i, s := range legend {
		if _, ok := index[s.Key]; !ok {
			index[s.Key] = i
		}
	}
	// Variants, in first-seen order, then sorted.
	var vs []*indexVariant
	byKey := map[string]*indexVariant{}
	maxLen := 1
	for _, r := range p.Rows {
		seq := make([]int, len(r.Stages))
		for i, st := range r.Stages {
			k, ok := index[st]
			if !ok {
				k = len(legend)
				index[st] = k
				legend = append(legend, IndexStage{Key: st, Name: st})
			}
			seq[i] = k
		}
		key := strings.Join(r.Stages, "\x00")
		v, ok := byKey[key]
		if !ok {
			v = &indexVariant{seq: seq}
			byKey[key] = v
			vs = append(vs, v)
		}
		v.rows = append(v.rows, r.Label)
		maxLen = max(maxLen, len(seq))
	}
	// Most frequent first; ties by the sequence in legend (model) order,
	// a prefix before its extensions.
	slices.SortStableFunc(vs, func(a, b *indexVariant) int {
		if len(a.rows) != len(b.rows) {
			return len(b.rows) - len(a.rows)
		}
		return slices.Compare(a.seq, b.seq)
	})
	n := len(p.Rows)
	bands := n > IndexMaxRows
	drawn, hidden, hiddenSessions := vs, 0, 0
	if bands && len(vs) > IndexMaxBands {
		drawn = vs[:IndexMaxBands]
		for _, v := range vs[IndexMaxBands:] {
			hidden++
			hiddenSessions += len(v.rows)
		}
	}

	const (
		font    = FontFamily
		rowH    = 14.0
		rowGap  = 2.0
		groupGp = 8.0
		bandH   = 900.0
		top     = 84.0
	)
	labelW := 0.0
	if !bands {
		for _, r := range p.Rows {
			labelW = max(labelW, float64(utf8.RuneCountInString(clip(r.Label, 24)))*7)
		}
	}
	x0 := 16 + max(labelW, 84) + 10 // row labels and their header
	blockW := min(40, max(4, float64(int(720/maxLen))))
	plotW := blockW * float64(maxLen)
	numbered := blockW >= 16

	var body strings.Builder
	y := top
	drawSeq := func(seq []int, y, h float64) {
		for i, k := range seq {
			fill := indexPalette[k%len(indexPalette)]
			x := x0 + float64(i)*blockW
			fmt.Fprintf(&body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#ffffff" stroke-width="0.5"><title>%s</title></rect>`+"\n",
				num(x), num(y), num(blockW), num(h), fill, esc(strconv.Itoa(i+1)+": "+legend[k].Key+" — "+legend[k].Name))
			if numbered && h >= 12 {
				fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="10" text-anchor="middle" fill="%s">%d</text>`+"\n",
					num(x+blockW/2), num(y+h/2+3.5), inkOn(fill), k+1)
			}
		}
	}
	countX := x0 + plotW + 8
	if len(drawn) == 0 {
		fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="12">No session has a stage sequence.</text>`+"\n", num(x0), num(y+14))
		y += 24
	}
	for gi, v := range drawn {
		if gi > 0 && !bands {
			y += groupGp
		}
		label := strconv.Itoa(len(v.rows)) + " session"
		if len(v.rows) != 1 {
			label += "s"
		}
		if bands {
			h := bandH * float64(len(v.rows)) / float64(n)
			drawSeq(v.seq, y, h)
			if h >= 10 {
				fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11">%s</text>`+"\n", num(countX), num(y+h/2+4), esc(label))
			}
			y += h
			continue
		}
		start := y
		for _, l := range v.rows {
			fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11" text-anchor="end">%s</text>`+"\n", num(x0-6), num(y+rowH-3), esc(clip(l, 24)))
			drawSeq(v.seq, y, rowH)
			y += rowH + rowGap
		}
		fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11">%s</text>`+"\n", num(countX), num((start+y-rowGap)/2+4), esc(label))
	}
	plotBottom := y + 4
	// The x axis: a line, position ticks, its title.
	fmt.Fprintf(&body, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>`+"\n", num(x0), num(plotBottom), num(x0+plotW), num(plotBottom))
	step := 1
	if !numbered {
		step = 5
	}
	for i := 1; i <= maxLen; i++ {
		if i != 1 && i%step != 0 {
			continue
		}
		cx := x0 + (float64(i)-0.5)*blockW
		fmt.Fprintf(&body, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/><text x="%s" y="%s" font-size="11" text-anchor="middle">%d</text>`+"\n",
			num(cx), num(plotBottom), num(cx), num(plotBottom+4), num(cx), num(plotBottom+16), i)
	}
	fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="12" text-anchor="middle">Position in the stage sequence (consecutive repeats collapsed)</text>`+"\n",
		num(x0+plotW/2), num(plotBottom+34))
	// The y axis: headers over the row labels and the session counts; what
	// the rows are says the subtitle.
	rowsHeader := "case, session"
	if bands {
		rowsHeader = ""
	}
	fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11" font-weight="bold" text-anchor="end">%s</text>`+"\n", num(x0-6), num(top-8), esc(rowsHeader))
	fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11" font-weight="bold">per sequence</text>`+"\n", num(countX), num(top-8))
	// Legend and notes.
	ly := plotBottom + 58
	fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="12" font-weight="bold">Stages</text>`+"\n", num(x0), num(ly))
	ly += 8
	legendW := 0.0
	for k, s := range legend {
		fill := indexPalette[k%len(indexPalette)]
		text := strconv.Itoa(k+1) + "  " + clip(s.Name, 60)
		if s.Name != s.Key {
			text += " (" + clip(s.Key, 30) + ")"
		}
		legendW = max(legendW, float64(utf8.RuneCountInString(text))*7+24)
		fmt.Fprintf(&body, `<rect x="%s" y="%s" width="14" height="14" fill="%s" stroke="#333333" stroke-width="0.5"/><text x="%s" y="%s" font-size="12">%s</text>`+"\n",
			num(x0), num(ly), fill, num(x0+20), num(ly+11.5), esc(text))
		ly += 20
	}
	note := fmt.Sprintf("%d sessions, %d stage sequences", n, len(vs))
	if hidden > 0 {
		note += fmt.Sprintf("; the %d least frequent sequences (%d sessions) are not drawn", hidden, hiddenSessions)
	}
	fmt.Fprintf(&body, `<text x="%s" y="%s" font-size="11" fill="#444444">%s</text>`+"\n", num(x0), num(ly+12), esc(note))
	height := ly + 24
	title := clip(p.Title, 120)
	subtitle := "Sequence index plot: one row per session, one block per stage, rows grouped by stage sequence (most frequent first)"
	if bands {
		subtitle = "Sequence index plot: one band per stage sequence, its height proportional to its sessions (most frequent first)"
	}
	width := max(x0+plotW+100, x0+legendW, 32+float64(utf8.RuneCountInString(title))*9.5, 32+float64(utf8.RuneCountInString(subtitle))*6.8,
		x0+float64(utf8.RuneCountInString(note))*6.5)

	var out bytes.Buffer
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="index-title" font-family="%s">`+"\n",
		num(width), num(height), num(width), num(height), font)
	fmt.Fprintf(&out, `<title id="index-title">%s</title>`+"\n", esc("Sequence index plot: "+p.Title))
	out.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
	fmt.Fprintf(&out, `<text x="16" y="26" font-size="15" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&out, `<text x="16" y="46" font-size="12">%s</text>`+"\n", esc(subtitle))
	out.WriteString(body.String())
	out.WriteString("</svg>\n")
	return out.Bytes()
}

// num writes a coordinate with at most two decimals.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*100+0.5))/100, 'f', -1, 64)
}
