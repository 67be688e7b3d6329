package rounds

import (
	"fmt"
	"math"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/stats"
)

// resultInputs is what a closed round's results are computed from: the
// round, its reviews and number of invited panelists, the previous round
// (nil for none) with its reviews and the items of this round's version
// (current), and the caller's own review (nil unless an invited panelist
// who responded).
type resultInputs struct {
	round       models.Round
	reviews     []models.Review
	invited     int
	prev        *models.Round
	prevReviews []models.Review
	current     map[string]bool
	own         *models.Review
}

// computeResults is the pure part of Results: per-item statistics, the
// scale-level content validity (1-4 scale), Kendall's W, the comparison
// with the previous round and the caller's own answers.
func computeResults(in resultInputs) RoundResults {
	r := in.round
	out := RoundResults{Round: r, Rule: toStatsRule(r.Rule), Invited: in.invited, Responded: len(in.reviews)}
	out.Items = computeItems(r, in.reviews)
	if r.Scale.Min == 1 && r.Scale.Max == 4 {
		var icvis []float64
		for _, it := range out.Items {
			if it.Measure == models.MeasureRelevance && !it.Suppressed && it.Consensus.ICVI != nil {
				icvis = append(icvis, *it.Consensus.ICVI)
			}
		}
		if len(icvis) > 0 {
			ave, ua := stats.SCVI(icvis)
			out.SCVIAve, out.SCVIUA, out.SCVIItems = &ave, &ua, len(icvis)
		}
	}
	if k, ok := kendall(r, in.reviews); ok && k.Raters >= r.EffectiveMinGroup() {
		out.Kendall = &k
		out.KendallW = &k.W
	}
	if in.prev != nil {
		out.Previous = in.prev
		compareRounds(&out, *in.prev, computeItems(*in.prev, in.prevReviews), toStatsScale(r.Scale), in.current)
	}
	if in.own != nil {
		out.Own = in.own
		attachOwn(out.Items, *in.own)
	}
	return out
}

// computeItems describes and evaluates every measure of every item of r.
func computeItems(r models.Round, reviews []models.Review) []ItemResult {
	scale := toStatsScale(r.Scale)
	rule := toStatsRule(r.Rule)
	idx := map[string]int{}
	var out []ItemResult
	for _, it := range r.Items {
		if it.Type == models.ItemStage {
			idx[itemID(it)+"\x01"+models.MeasureRelevance] = len(out)
			out = append(out, ItemResult{Target: it, Measure: models.MeasureRelevance})
			idx[itemID(it)+"\x01"+models.MeasureClarity] = len(out)
			out = append(out, ItemResult{Target: it, Measure: models.MeasureClarity})
		} else {
			idx[itemID(it)+"\x01"+models.MeasureAgreement] = len(out)
			out = append(out, ItemResult{Target: it, Measure: models.MeasureAgreement})
		}
	}
	put := func(id, measure string, v *int) {
		if v == nil {
			return
		}
		if i, ok := idx[id+"\x01"+measure]; ok {
			out[i].Ratings = append(out[i].Ratings, *v)
		}
	}
	for _, rv := range reviews {
		for _, st := range rv.Stages {
			id := itemID(models.ItemRef{Type: models.ItemStage, Key: st.Key})
			put(id, models.MeasureRelevance, st.Relevance)
			put(id, models.MeasureClarity, st.Clarity)
		}
		for _, t := range rv.Transitions {
			put(itemID(models.ItemRef{Type: models.ItemTransition, From: t.From, To: t.To}), models.MeasureAgreement, t.Agreement)
		}
	}
	min := r.EffectiveMinGroup()
	for i := range out {
		if n := len(out[i].Ratings); n < min {
			out[i] = ItemResult{Target: out[i].Target, Measure: out[i].Measure, Suppressed: true, Desc: stats.Description{N: n},
				Consensus: stats.ItemConsensus{Consensus: stats.ConsensusNone,
					Reason: fmt.Sprintf("rated by %d of the at least %d panelists (min_group) whose ratings are shown; statistics withheld", n, min)}}
			continue
		}
		out[i].Desc = stats.Describe(out[i].Ratings, scale)
		out[i].Consensus = rule.Evaluate(out[i].Ratings, scale)
	}
	return out
}

// kendall is Kendall's W (tie-corrected) over the panelists' stage
// relevance ratings; panelists who left a stage unrated are left out.
func kendall(r models.Round, reviews []models.Review) (stats.KendallW, bool) {
	var keys []string
	col := map[string]int{}
	for _, it := range r.Items {
		if it.Type == models.ItemStage {
			col[it.Key] = len(keys)
			keys = append(keys, it.Key)
		}
	}
	if len(keys) < 2 {
		return stats.KendallW{}, false
	}
	var m [][]float64
	for _, rv := range reviews {
		row := make([]float64, len(keys))
		for i := range row {
			row[i] = math.NaN()
		}
		for _, st := range rv.Stages {
			if j, ok := col[st.Key]; ok && st.Relevance != nil {
				row[j] = float64(*st.Relevance)
			}
		}
		m = append(m, row)
	}
	return stats.KendallWTies(m)
}

func attachOwn(items []ItemResult, own models.Review) {
	ratings := map[string]*int{}
	for _, st := range own.Stages {
		id := itemID(models.ItemRef{Type: models.ItemStage, Key: st.Key})
		ratings[id+"\x01"+models.MeasureRelevance] = st.Relevance
		ratings[id+"\x01"+models.MeasureClarity] = st.Clarity
	}
	for _, t := range own.Transitions {
		ratings[itemID(models.ItemRef{Type: models.ItemTransition, From: t.From, To: t.To})+"\x01"+models.MeasureAgreement] = t.Agreement
	}
	for i := range items {
		items[i].Own = ratings[itemID(items[i].Target)+"\x01"+items[i].Measure]
	}
}

// compareRounds fills stability, the change from the previous round and
// the lists of what reached consensus, was dropped and carried over. An
// item reached consensus in this round when its decisive measure has
// consensus (in or out) now and did not in the previous round (or was not
// rated there); carried over are the items both rounds rate; dropped are
// the previous round's items this round does not rate.
func compareRounds(out *RoundResults, prev models.Round, prevItems []ItemResult, scale stats.Scale, current map[string]bool) {
	prevBy := map[string]int{}
	for i, it := range prevItems {
		prevBy[itemID(it.Target)+"\x01"+it.Measure] = i
	}
	out.ReachedConsensus, out.Dropped, out.CarriedOver = []models.ItemRef{}, []DroppedItem{}, []models.ItemRef{}
	prevScale := toStatsScale(prev.Scale)
	for i := range out.Items {
		it := &out.Items[i]
		j, ok := prevBy[itemID(it.Target)+"\x01"+it.Measure]
		if ok {
			p := prevItems[j]
			it.Previous = &p
			if prevScale == scale && !p.Suppressed && !it.Suppressed {
				st := stats.Stability(p.Ratings, it.Ratings, scale)
				it.Stability = &st
			}
		}
		if it.Measure != DecisiveMeasure(it.Target) {
			continue
		}
		if ok {
			out.CarriedOver = append(out.CarriedOver, it.Target)
		}
		if it.Consensus.Consensus != stats.ConsensusNone && (!ok || prevItems[j].Consensus.Consensus == stats.ConsensusNone) {
			out.ReachedConsensus = append(out.ReachedConsensus, it.Target)
		}
	}
	inThis := map[string]bool{}
	for _, it := range out.Round.Items {
		inThis[itemID(it)] = true
	}
	for _, it := range prevItems {
		if it.Measure != DecisiveMeasure(it.Target) || inThis[itemID(it.Target)] {
			continue
		}
		reason := "not_selected"
		switch {
		case !current[itemID(it.Target)]:
			reason = "removed"
		case it.Consensus.Consensus != stats.ConsensusNone:
			reason = "consensus"
		}
		out.Dropped = append(out.Dropped, DroppedItem{Target: it.Target, Reason: reason})
	}
}
