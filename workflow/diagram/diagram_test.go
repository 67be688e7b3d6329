package diagram

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/goccy/go-graphviz"

	"github.com/stagewise/stagewise/models"
)

func sample() models.Content {
	return models.Content{
		Stages: []models.Stage{
			{Key: "S1", Name: "Withdrawal \"marker\"", Role: "marker", Actor: "patient", Codes: []string{"W1"}},
			{Key: "S2", Name: "Invite exploration", Role: "process", Actor: "therapist", Cluster: "k", Codes: []string{"RS04"}},
			{Key: "S3", Name: "Validate <defence>", Role: "process", Actor: "therapist", Cluster: "k", Optional: true, Codes: []string{"RS09"}},
			{Key: "S4", Name: "Re-engagement", Role: "resolution", Actor: "dyad", Codes: []string{"RS02"}},
		},
		Transitions: []models.Transition{{From: "S1", To: "S2", Kind: "hypothesized"}, {From: "S2", To: "S4", Kind: "alternative"}, {From: "S4", To: "S1", Kind: "loop"}},
		Clusters:    []models.Cluster{{Key: "k", Name: "Strategies"}},
	}
}

func TestDOTParsesAndSVGHasEveryStage(t *testing.T) {
	c := sample()
	dot := DOT("demo v1", c, &Overlay{Edges: []EdgeStat{{From: "S1", To: "S2", Support: 0.5, Count: 3, InModel: true}, {From: "S4", To: "S2", Support: 0.2, Count: 1}}})
	if _, err := graphviz.ParseBytes([]byte(dot)); err != nil {
		t.Fatalf("DOT does not parse with Graphviz: %v\n%s", err, dot)
	}
	if !strings.Contains(dot, "cluster_0") || !strings.Contains(dot, "(any order)") || !strings.Contains(dot, "dashed") {
		t.Errorf("DOT lacks the cluster box or dashed optional stage:\n%s", dot)
	}
	var r Renderer
	defer r.Close()
	svg, err := r.SVG(context.Background(), dot)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("SVG is not XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			text.Write(cd)
		}
	}
	for _, s := range c.Stages {
		if !strings.Contains(text.String(), s.Name) {
			t.Errorf("SVG text lacks stage name %q", s.Name)
		}
	}
}

func TestMermaidEscapes(t *testing.T) {
	m := Mermaid(sample())
	for _, want := range []string{"flowchart LR", "subgraph c0", "s0 --> s1", "s1 -.-> s3", "s3 ==> s0", "#quot;marker#quot;", "#lt;defence#gt;", "class s2 optional"} {
		if !strings.Contains(m, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, m)
		}
	}
}
