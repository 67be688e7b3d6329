package versions

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

// TestDiffContent: stages and clusters are matched by key, transitions by
// (from, to, kind) with an empty kind read as hypothesized; codes compare
// as sets.
func TestDiffContent(t *testing.T) {
	_, in := DemoModel()
	a := in.Content
	a.Clusters = []models.Cluster{{Key: "k", Name: "K"}, {Key: "gone", Name: "G"}}
	b := NormalizeContent(a)
	b.Stages = slices.Clone(b.Stages)
	b.Stages[1].Name = "Invite the patient to explore"
	b.Stages[1].Codes = []string{"RS04"}                                // same set
	b.Stages[2].Codes = append(slices.Clone(b.Stages[2].Codes), "RS99") // changed
	removed := b.Stages[3]
	b.Stages = slices.Delete(b.Stages, 3, 4)
	b.Stages = append(b.Stages, models.Stage{Key: "new", Name: "New"})
	b.Transitions = slices.Clone(b.Transitions)
	b.Transitions[0].Kind = models.TransitionHypothesized // was hypothesized: no change
	b.Transitions[1].Kind = models.TransitionAlternative  // a removal and an addition
	b.Clusters = []models.Cluster{{Key: "k", Name: "K2"}, {Key: "new", Name: "N"}}

	d := DiffContent(a, b)
	if len(d.StagesAdded) != 1 || d.StagesAdded[0].Key != "new" || len(d.StagesRemoved) != 1 || d.StagesRemoved[0].Key != removed.Key {
		t.Errorf("stages added %v removed %v", d.StagesAdded, d.StagesRemoved)
	}
	changed := map[string][]string{}
	for _, c := range d.StagesChanged {
		for f := range c.Fields {
			changed[c.Key] = append(changed[c.Key], f)
		}
	}
	if diff := cmp.Diff(map[string][]string{"explore": {"name"}, "validate": {"codes"}}, changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if len(d.TransAdded) != 1 || len(d.TransRemoved) != 1 || d.TransAdded[0].Kind != models.TransitionAlternative {
		t.Errorf("transitions added %v removed %v", d.TransAdded, d.TransRemoved)
	}
	if len(d.ClustersAdded) != 1 || len(d.ClustersRemoved) != 1 || len(d.ClustersChanged) != 1 || d.ClustersChanged[0].Fields["name"].To != "K2" {
		t.Errorf("clusters %+v", d)
	}
	if e := DiffContent(a, a); len(e.StagesChanged)+len(e.StagesAdded)+len(e.TransAdded)+len(e.ClustersChanged) != 0 {
		t.Errorf("a version against itself: %+v", e)
	}
}
