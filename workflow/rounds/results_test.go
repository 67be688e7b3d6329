package rounds

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

func ip(v int) *int { return &v }

func stageReview(rel map[string]int) models.Review {
	var rv models.Review
	for _, k := range []string{"a", "b", "c"} {
		if v, ok := rel[k]; ok {
			rv.Stages = append(rv.Stages, models.StageReview{Key: k, Relevance: ip(v)})
		}
	}
	return rv
}

// TestComputeResultsCVI: on the 1-4 scale the I-CVI of an item is the
// share of experts rating it 3 or 4, S-CVI/Ave the mean I-CVI and S-CVI/UA
// the share of items with I-CVI 1 (Polit & Beck 2006). By hand: stage a
// rated 4, 3, 4 (I-CVI 1); stage b 4, 2, 1 (1/3); stage c rated by two of
// the three min_group panelists, so withheld. S-CVI/Ave = 2/3, /UA = 1/2
// over two items. The caller's own answers sit beside the group's.
func TestComputeResultsCVI(t *testing.T) {
	r := models.Round{ID: 1, Number: 1, Scale: models.RatingScale{Min: 1, Max: 4}, Rule: models.ConsensusRule{Name: "cvi"}, MinGroup: 3,
		Items: []models.ItemRef{{Type: models.ItemStage, Key: "a"}, {Type: models.ItemStage, Key: "b"}, {Type: models.ItemStage, Key: "c"}}}
	reviews := []models.Review{
		stageReview(map[string]int{"a": 4, "b": 4, "c": 4}),
		stageReview(map[string]int{"a": 3, "b": 2, "c": 4}),
		stageReview(map[string]int{"a": 4, "b": 1}),
	}
	own := reviews[1]
	out := computeResults(resultInputs{round: r, reviews: reviews, invited: 4, own: &own})
	if out.Invited != 4 || out.Responded != 3 || out.SCVIItems != 2 {
		t.Fatalf("invited %d responded %d items %d", out.Invited, out.Responded, out.SCVIItems)
	}
	if math.Abs(*out.SCVIAve-2.0/3) > 1e-12 || *out.SCVIUA != 0.5 {
		t.Errorf("S-CVI/Ave %v, S-CVI/UA %v", *out.SCVIAve, *out.SCVIUA)
	}
	got := map[string]string{}
	for _, it := range out.Items {
		if it.Measure != models.MeasureRelevance {
			continue
		}
		v := "withheld"
		if !it.Suppressed {
			v = "icvi " + map[bool]string{true: "1", false: "1/3"}[*it.Consensus.ICVI == 1]
		}
		if it.Own != nil {
			v += " own " + string(rune('0'+*it.Own))
		}
		got[it.Target.Key] = v
	}
	if d := cmp.Diff(map[string]string{"a": "icvi 1 own 3", "b": "icvi 1/3 own 2", "c": "withheld own 4"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if out.Previous != nil || out.Dropped != nil {
		t.Errorf("a first round has no comparison: %+v", out)
	}
}

// TestComputeResultsAcrossRounds: round 2 rates a and b of round 1's a, b,
// c; c was removed from the version. b reached consensus in round 2, a had
// it already.
func TestComputeResultsAcrossRounds(t *testing.T) {
	scale := models.RatingScale{Min: 1, Max: 9}
	items := func(keys ...string) []models.ItemRef {
		var out []models.ItemRef
		for _, k := range keys {
			out = append(out, models.ItemRef{Type: models.ItemStage, Key: k})
		}
		return out
	}
	prev := models.Round{ID: 1, Number: 1, Scale: scale, MinGroup: 2, Items: items("a", "b", "c")}
	r := models.Round{ID: 2, Number: 2, Scale: scale, MinGroup: 2, Items: items("a", "b")}
	prevReviews := []models.Review{stageReview(map[string]int{"a": 9, "b": 9, "c": 5}), stageReview(map[string]int{"a": 9, "b": 1, "c": 5})}
	reviews := []models.Review{stageReview(map[string]int{"a": 9, "b": 8}), stageReview(map[string]int{"a": 8, "b": 9})}
	out := computeResults(resultInputs{round: r, reviews: reviews, prev: &prev, prevReviews: prevReviews,
		current: map[string]bool{"s:a": true, "s:b": true}})
	if d := cmp.Diff(items("a", "b"), out.CarriedOver); d != "" {
		t.Errorf("carried over: %s", d)
	}
	if d := cmp.Diff(items("b"), out.ReachedConsensus); d != "" {
		t.Errorf("reached consensus: %s", d)
	}
	if d := cmp.Diff([]DroppedItem{{Target: items("c")[0], Reason: "removed"}}, out.Dropped); d != "" {
		t.Errorf("dropped: %s", d)
	}
	for _, it := range out.Items {
		if it.Measure == models.MeasureRelevance && (it.Previous == nil || it.Stability == nil) {
			t.Errorf("%s: no comparison with round 1", it.Target.Key)
		}
	}
}
