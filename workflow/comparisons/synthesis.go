package comparisons

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/versions"
)

// SynthesisParams are the rules that turn a comparison into a proposed
// rational-empirical version. Every rule only ever loosens the model
// towards what was observed; nothing is deleted, so the PI sees each
// proposal in the change log and keeps or reverts it in the draft.
type SynthesisParams struct {
	// SupportThreshold decides "supported" (default: the comparison's).
	SupportThreshold float64 `json:"support_threshold"`
	// MinAdjustedResidual, when set, also requires an added transition's
	// lag-1 adjusted residual to reach it (e.g. 1.96); default off.
	MinAdjustedResidual *float64 `json:"min_adjusted_residual"`
	// AddObserved adds observed transitions the model does not allow,
	// when supported, as kind "alternative" (default true).
	AddObserved bool `json:"add_observed"`
	// DemoteUnsupported turns declared "hypothesized" transitions that are
	// not supported into "alternative" (default true).
	DemoteUnsupported bool `json:"demote_unsupported"`
	// OptionalUnsupported marks unsupported stages optional (default true).
	OptionalUnsupported bool `json:"optional_unsupported"`
	// ClusterReversals puts two process stages observed, with support, in
	// both orders (a→b and b→a) into one unordered cluster (default true).
	ClusterReversals bool `json:"cluster_reversals"`
	// MakeUnordered turns each connected group of order-free process
	// stages into one "any order" cluster (default true; see
	// makeUnordered). A pair is order-free when both stages occur in at
	// least MinCooccur sessions (default 3) and each one's first
	// occurrence precedes the other's in at least MinReversalShare
	// (default 0.25) of those sessions.
	MakeUnordered    bool    `json:"make_unordered"`
	MinCooccur       int     `json:"min_cooccur"`
	MinReversalShare float64 `json:"min_reversal_share"`
	// ProposeStages notes (never applies) a new stage for each code that
	// indicates no stage yet occurs in at least MinUnmappedShare (default
	// 0.25) of the compared sessions (default true).
	ProposeStages    bool    `json:"propose_stages"`
	MinUnmappedShare float64 `json:"min_unmapped_share"`
}

// The defaults of the order-free and proposed-stage rules (domain.md,
// "Synthesis and validation").
const (
	DefaultMinCooccur       = 3
	DefaultMinReversalShare = 0.25
	DefaultMinUnmappedShare = 0.25
)

// SynthesisInput is the PI's request; nil fields take their defaults.
type SynthesisInput struct {
	SupportThreshold    *float64
	MinAdjustedResidual *float64
	AddObserved         *bool
	DemoteUnsupported   *bool
	OptionalUnsupported *bool
	ClusterReversals    *bool
	MakeUnordered       *bool
	MinCooccur          *int
	MinReversalShare    *float64
	ProposeStages       *bool
	MinUnmappedShare    *float64
	Notes               *string
}

func (in SynthesisInput) resolve(rep conformance.Report) (SynthesisParams, []models.FieldError) {
	p := SynthesisParams{SupportThreshold: rep.Params.SupportThreshold, AddObserved: true, DemoteUnsupported: true,
		OptionalUnsupported: true, ClusterReversals: true, MinAdjustedResidual: in.MinAdjustedResidual,
		MakeUnordered: true, MinCooccur: DefaultMinCooccur, MinReversalShare: DefaultMinReversalShare,
		ProposeStages: true, MinUnmappedShare: DefaultMinUnmappedShare}
	// The ranges (min_cooccur ≥ 1, 0 < min_reversal_share ≤ 0.5,
	// 0 < min_unmapped_share ≤ 1, 0 < support_threshold ≤ 1) are the api
	// request's validate tags; callers pass checked values.
	var errs []models.FieldError
	if in.MinCooccur != nil {
		p.MinCooccur = *in.MinCooccur
	}
	if in.MinReversalShare != nil {
		p.MinReversalShare = *in.MinReversalShare
	}
	if in.MinUnmappedShare != nil {
		p.MinUnmappedShare = *in.MinUnmappedShare
	}
	if in.SupportThreshold != nil {
		p.SupportThreshold = *in.SupportThreshold
	}
	if z := in.MinAdjustedResidual; z != nil && (math.IsNaN(*z) || math.IsInf(*z, 0)) {
		errs = append(errs, models.FieldError{Field: "params.min_adjusted_residual", Message: "must be a finite number"})
	}
	for _, b := range []struct {
		v   *bool
		dst *bool
	}{{in.AddObserved, &p.AddObserved}, {in.DemoteUnsupported, &p.DemoteUnsupported}, {in.OptionalUnsupported, &p.OptionalUnsupported}, {in.ClusterReversals, &p.ClusterReversals},
		{in.MakeUnordered, &p.MakeUnordered}, {in.ProposeStages, &p.ProposeStages}} {
		if b.v != nil {
			*b.dst = *b.v
		}
	}
	return p, errs
}

func support(rep conformance.Report, sessionShare, caseShare *float64) float64 {
	v := sessionShare
	if rep.Params.Unit == conformance.UnitCase {
		v = caseShare
	}
	if v == nil {
		return 0
	}
	return *v
}

func transitionEvidence(comparison int64, rep conformance.Report, t conformance.TransitionRow) map[string]any {
	ev := map[string]any{"comparison": comparison, "count": t.Count, "sessions": t.Sessions, "cases": t.Cases,
		"support": support(rep, t.SessionSupport, t.CaseSupport), "unit": rep.Params.Unit}
	if t.AdjustedResidual != nil {
		ev["adjusted_residual"] = *t.AdjustedResidual
	}
	if t.YulesQ != nil {
		ev["yules_q"] = *t.YulesQ
	}
	return ev
}

// Synthesize applies the rules to a version's content and a comparison's
// report. It is pure: the same content, report and parameters give the
// same content and change log, in a fixed order (stages in model order,
// then transitions in the report's order, then the order-free groups in
// model order, then the reversal clusters, then the proposed stages by
// code).
func Synthesize(c models.Content, rep conformance.Report, comparison int64, p SynthesisParams) (models.Content, []models.ChangeLogEntry) {
	out := versions.NormalizeContent(c)
	var log []models.ChangeLogEntry
	stageIdx := map[string]int{}
	for i, s := range out.Stages {
		stageIdx[s.Key] = i
	}
	if p.OptionalUnsupported {
		for _, row := range rep.Stages {
			i, ok := stageIdx[row.Key]
			if !ok || out.Stages[i].Optional {
				continue
			}
			if sup := support(rep, row.SessionSupport, row.CaseSupport); sup < p.SupportThreshold {
				out.Stages[i].Optional = true
				log = append(log, models.ChangeLogEntry{Op: "mark_optional", Target: row.Key, Evidence: map[string]any{
					"comparison": comparison, "sessions": row.Sessions, "cases": row.Cases, "support": sup, "unit": rep.Params.Unit,
					"threshold": p.SupportThreshold, "rule": "the stage occurs in fewer sessions than the threshold"}})
			}
		}
	}
	declared := map[[2]string]int{}
	for i, t := range out.Transitions {
		declared[[2]string{t.From, t.To}] = i
	}
	supported := map[[2]string]conformance.TransitionRow{}
	for _, t := range rep.Transitions {
		sup := support(rep, t.SessionSupport, t.CaseSupport)
		if sup >= p.SupportThreshold && t.From != t.To {
			supported[[2]string{t.From, t.To}] = t
		}
		i, isDeclared := declared[[2]string{t.From, t.To}]
		switch {
		case isDeclared && p.DemoteUnsupported && out.Transitions[i].Kind == models.TransitionHypothesized && sup < p.SupportThreshold:
			out.Transitions[i].Kind = models.TransitionAlternative
			ev := transitionEvidence(comparison, rep, t)
			ev["threshold"], ev["rule"] = p.SupportThreshold, "a hypothesized transition observed in fewer sessions than the threshold"
			log = append(log, models.ChangeLogEntry{Op: "demote_transition", Target: t.From + "→" + t.To, Evidence: ev})
		case !isDeclared && !t.InModel && p.AddObserved && t.From != t.To && sup >= p.SupportThreshold &&
			(p.MinAdjustedResidual == nil || (t.AdjustedResidual != nil && *t.AdjustedResidual >= *p.MinAdjustedResidual)):
			if _, ok := stageIdx[t.From]; !ok {
				continue
			}
			if _, ok := stageIdx[t.To]; !ok {
				continue
			}
			out.Transitions = append(out.Transitions, models.Transition{From: t.From, To: t.To, Kind: models.TransitionAlternative,
				Note: "observed in " + strconv.Itoa(t.Sessions) + " sessions (synthesis)"})
			declared[[2]string{t.From, t.To}] = len(out.Transitions) - 1
			ev := transitionEvidence(comparison, rep, t)
			ev["threshold"], ev["rule"] = p.SupportThreshold, "an observed transition the model does not allow, with support at or above the threshold"
			if p.MinAdjustedResidual != nil {
				ev["min_adjusted_residual"] = *p.MinAdjustedResidual
			}
			log = append(log, models.ChangeLogEntry{Op: "add_transition", Target: t.From + "→" + t.To, Evidence: ev})
		}
	}
	if p.MakeUnordered {
		log = makeUnordered(&out, comparison, rep, p, log)
	}
	if p.ClusterReversals {
		log = clusterReversals(&out, supported, comparison, rep, p, log)
	}
	if p.ProposeStages {
		log = proposeStages(comparison, rep, p, log)
	}
	return out, log
}

// clusterReversals puts pairs of process stages that were observed, with
// support, in both orders into one "any order" cluster: a stage outside
// any cluster joins its partner's cluster, two free stages start a new
// one; two stages already in different clusters are left as they are.
func clusterReversals(out *models.Content, supported map[[2]string]conformance.TransitionRow, comparison int64, rep conformance.Report, p SynthesisParams, log []models.ChangeLogEntry) []models.ChangeLogEntry {
	clusterKeys := map[string]bool{}
	for _, k := range out.Clusters {
		clusterKeys[k.Key] = true
	}
	newCluster := func() string {
		for n := 1; ; n++ {
			k := "observed-" + strconv.Itoa(n)
			if !clusterKeys[k] {
				clusterKeys[k] = true
				return k
			}
		}
	}
	for i := range out.Stages {
		for j := i + 1; j < len(out.Stages); j++ {
			a, b := &out.Stages[i], &out.Stages[j]
			if a.Role != models.RoleProcess || b.Role != models.RoleProcess {
				continue
			}
			ab, ok1 := supported[[2]string{a.Key, b.Key}]
			ba, ok2 := supported[[2]string{b.Key, a.Key}]
			if !ok1 || !ok2 || (a.Cluster != "" && a.Cluster == b.Cluster) || (a.Cluster != "" && b.Cluster != "") {
				continue
			}
			evidence := map[string]any{"comparison": comparison, "threshold": p.SupportThreshold, "unit": rep.Params.Unit,
				"rule":              "two process stages observed, with support, in both orders",
				a.Key + "→" + b.Key: transitionEvidence(comparison, rep, ab), b.Key + "→" + a.Key: transitionEvidence(comparison, rep, ba)}
			switch {
			case a.Cluster == "" && b.Cluster == "":
				k := newCluster()
				out.Clusters = append(out.Clusters, models.Cluster{Key: k, Name: "Observed in either order"})
				log = append(log, models.ChangeLogEntry{Op: "add_cluster", Target: k, Evidence: evidence})
				a.Cluster, b.Cluster = k, k
				log = append(log, models.ChangeLogEntry{Op: "move_to_cluster", Target: a.Key, Evidence: map[string]any{"comparison": comparison, "cluster": k}},
					models.ChangeLogEntry{Op: "move_to_cluster", Target: b.Key, Evidence: map[string]any{"comparison": comparison, "cluster": k}})
			case a.Cluster == "":
				a.Cluster = b.Cluster
				evidence["cluster"] = b.Cluster
				log = append(log, models.ChangeLogEntry{Op: "move_to_cluster", Target: a.Key, Evidence: evidence})
			default:
				b.Cluster = a.Cluster
				evidence["cluster"] = a.Cluster
				log = append(log, models.ChangeLogEntry{Op: "move_to_cluster", Target: b.Key, Evidence: evidence})
			}
		}
	}
	return log
}

// Synthesize drafts the next version of the compared model: kind
// rational_empirical, parent the compared version, provenance the
// comparison, and a change log whose every entry cites its evidence. The
// model's PI (or an admin) edits and approves it like any draft.
func (s *Service) Synthesize(ctx context.Context, actor models.User, comparisonID int64, in SynthesisInput) (models.Version, error) {
	cmp, err := s.Comparison(ctx, actor, comparisonID) // 404 to whoever may not see it
	if err != nil {
		return models.Version{}, err
	}
	rep, err := ComparisonReport(cmp)
	if err != nil {
		return models.Version{}, err
	}
	p, errs := in.resolve(rep)
	if in.Notes != nil {
		core.CheckText(&errs, "notes", *in.Notes, false, 20000)
	}
	if err := models.Invalid(errs); err != nil {
		return models.Version{}, err
	}
	var v models.Version
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		m, err := s.versions.ModelForChange(ctx, actor, cmp.ModelSlug, "drafts versions")
		if err != nil {
			return err
		}
		base, err := s.store.VersionByNumber(ctx, m, cmp.VersionNumber)
		if err != nil {
			return err
		}
		var inputs ComparisonInputs
		if err := json.Unmarshal(cmp.Inputs, &inputs); err != nil {
			return err
		}
		if inputs.ContentHash != base.ContentHash {
			return models.Errf(models.ErrConflict, "version %d changed since comparison %d was made (it was a draft then); run a new comparison", base.Number, cmp.ID)
		}
		content, changes := Synthesize(base.Content, rep, cmp.ID, p)
		if fe := versions.ValidateContent(content); len(fe) > 0 {
			return fmt.Errorf("synthesis produced invalid content: %v", models.Invalid(fe))
		}
		notes := fmt.Sprintf("Rational-empirical synthesis of v%d from comparison %d (threshold %g per %s; add_observed=%t, demote_unsupported=%t, optional_unsupported=%t, cluster_reversals=%t%s; make_unordered=%t, min_cooccur=%d, min_reversal_share=%g; propose_stages=%t, min_unmapped_share=%g): %d change-log entries.",
			base.Number, cmp.ID, p.SupportThreshold, rep.Params.Unit, p.AddObserved, p.DemoteUnsupported, p.OptionalUnsupported, p.ClusterReversals,
			residualNote(p), p.MakeUnordered, p.MinCooccur, p.MinReversalShare, p.ProposeStages, p.MinUnmappedShare, len(changes))
		if in.Notes != nil && *in.Notes != "" {
			notes = *in.Notes + "\n\n" + notes
		}
		parent := base.Number
		id := cmp.ID
		v, err = s.versions.InsertDraft(ctx, actor, m, versions.VersionInput{Parent: &parent, Kind: models.KindRationalEmpirical, Notes: notes, Content: content},
			models.Provenance{Comparison: &id}, changes)
		if err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "version.synthesize", "version", fmt.Sprintf("%s/%d", m.Slug, v.Number), "comparison "+strconv.FormatInt(cmp.ID, 10))
	})
	return v, err
}

func residualNote(p SynthesisParams) string {
	if p.MinAdjustedResidual == nil {
		return ""
	}
	return fmt.Sprintf(", min_adjusted_residual=%g", *p.MinAdjustedResidual)
}

// precedence counts, for one pair of stages (a before b in model order),
// the sessions having both and those in which a's first occurrence comes
// before b's (AFirst) or after it (BFirst).
type precedence struct {
	Both, AFirst, BFirst int
}

// orderFree says whether a pair's counts meet the rule: at least
// min_cooccur sessions with both, and each order in at least
// min_reversal_share of them.
func (c precedence) orderFree(p SynthesisParams) bool {
	return c.Both >= p.MinCooccur && c.Both > 0 &&
		float64(c.AFirst)/float64(c.Both) >= p.MinReversalShare &&
		float64(c.BFirst)/float64(c.Both) >= p.MinReversalShare
}

// stageVariants groups the report's sessions by their stage sequence, in
// the report's order: each distinct sequence once, with its session count.
func stageVariants(rep conformance.Report) (seqs [][]string, counts []int) {
	idx := map[string]int{}
	for _, row := range rep.Sequences {
		k := strings.Join(row.Stages, "\x00")
		i, ok := idx[k]
		if !ok {
			i = len(seqs)
			idx[k] = i
			seqs = append(seqs, row.Stages)
			counts = append(counts, 0)
		}
		counts[i]++
	}
	return seqs, counts
}

// firstPositions maps each stage of a sequence to its first position.
func firstPositions(seq []string) map[string]int {
	first := make(map[string]int, len(seq))
	for i, st := range seq {
		if _, ok := first[st]; !ok {
			first[st] = i
		}
	}
	return first
}

// makeUnordered applies the order-free rule (domain.md "Synthesis and
// validation"). Pairwise precedence counts come from the first occurrences
// in each session's stage sequence. Order-free pairs link process stages
// into connected groups; each group becomes one "any order" cluster:
//   - no member in a cluster yet: a new cluster any-order-N holds them all;
//   - members in exactly one cluster K: the others join K;
//   - every member already in K: the model already says so, no change;
//   - members in two or more clusters: nothing is applied (merging whole
//     clusters would claim orders nobody observed); the entry says so, with
//     "applied": false, for the PI to decide.
//
// Hypothesized transitions between two stages of a group become
// "alternative": the cluster withdraws the hypothesis of their order, and
// nothing is deleted. Transitions into and out of the group stay as they
// are (a cluster's predecessors may go to any member, any member to its
// successors).
func makeUnordered(out *models.Content, comparison int64, rep conformance.Report, p SynthesisParams, log []models.ChangeLogEntry) []models.ChangeLogEntry {
	u := unordering{out: out, comparison: comparison, rep: rep, p: p}
	for i, s := range out.Stages {
		if s.Role == models.RoleProcess {
			u.process = append(u.process, i)
		}
	}
	if len(u.process) < 2 {
		return log
	}
	u.seqs, u.counts = stageVariants(rep)
	u.firsts = make([]map[string]int, len(u.seqs))
	for v, seq := range u.seqs {
		u.firsts[v] = firstPositions(seq)
	}
	u.np = len(u.process)
	u.countPairs()
	roots, groups := u.groups()
	u.clusterKeys = map[string]bool{}
	for _, k := range out.Clusters {
		u.clusterKeys[k.Key] = true
	}
	u.conformity = map[string]any{"sessions": rep.Summary.Sessions, "order_conforming": rep.Summary.OrderConforming}
	if rep.Summary.Sessions > 0 {
		u.conformity["share"] = float64(rep.Summary.OrderConforming) / float64(rep.Summary.Sessions)
	}
	if rep.Summary.MeanKendallTau != nil {
		u.conformity["mean_kendall_tau"] = *rep.Summary.MeanKendallTau
	}
	for _, r := range roots {
		if g := groups[r]; len(g) >= 2 {
			log = u.apply(g, log)
		}
	}
	return log
}

// unordering is makeUnordered's state: the process stages (indexes in
// model order; positions below are into process), the stage variants of
// the report with each one's first positions, and the precedence counts
// and order-free flags of each pair of positions x < y at [x*np+y].
type unordering struct {
	out        *models.Content
	comparison int64
	rep        conformance.Report
	p          SynthesisParams

	process     []int
	seqs        [][]string
	counts      []int
	firsts      []map[string]int
	np          int
	pair        []precedence
	free        []bool
	clusterKeys map[string]bool
	conformity  map[string]any
}

func (u *unordering) key(x int) string { return u.out.Stages[u.process[x]].Key }

// countPairs counts, per pair of process stages, the sessions having both
// and which came first.
func (u *unordering) countPairs() {
	np := u.np
	u.pair = make([]precedence, np*np)
	for v := range u.seqs {
		first, c := u.firsts[v], u.counts[v]
		for x := 0; x < np; x++ {
			fa, ok := first[u.key(x)]
			if !ok {
				continue
			}
			for y := x + 1; y < np; y++ {
				fb, ok := first[u.key(y)]
				if !ok {
					continue
				}
				pc := &u.pair[x*np+y]
				pc.Both += c
				if fa < fb {
					pc.AFirst += c
				} else {
					pc.BFirst += c
				}
			}
		}
	}
}

// groups joins order-free pairs into connected groups (union-find on
// process positions): the roots in model order and each root's members.
func (u *unordering) groups() ([]int, map[int][]int) {
	np := u.np
	parent := make([]int, np)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	u.free = make([]bool, np*np)
	for x := 0; x < np; x++ {
		for y := x + 1; y < np; y++ {
			if u.pair[x*np+y].orderFree(u.p) {
				u.free[x*np+y] = true
				if rx, ry := find(x), find(y); rx != ry {
					parent[max(rx, ry)] = min(rx, ry) // the root is the group's first stage in model order
				}
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for x := 0; x < np; x++ {
		r := find(x)
		if r == x {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], x)
	}
	return roots, groups
}

// evidence is the change log's evidence for group g (members in model
// order): its order-free pairs, how often its members appear in the
// model's order, and the rule.
func (u *unordering) evidence(g []int, members []string) map[string]any {
	np := u.np
	var pairs []map[string]any
	for i, x := range g {
		for _, y := range g[i+1:] {
			if !u.free[x*np+y] {
				continue
			}
			c := u.pair[x*np+y]
			pairs = append(pairs, map[string]any{"a": u.key(x), "b": u.key(y),
				"sessions": c.Both, "a_first": c.AFirst, "b_first": c.BFirst,
				"a_first_share": float64(c.AFirst) / float64(c.Both), "b_first_share": float64(c.BFirst) / float64(c.Both)})
		}
	}
	// How often the group's members appear in the model's order: among
	// the sessions with two or more members, those whose members' first
	// occurrences follow the model order.
	withTwo, inOrder := 0, 0
	for v := range u.seqs {
		last, n, ordered := -1, 0, true
		for _, x := range g {
			if pos, ok := u.firsts[v][u.key(x)]; ok {
				n++
				if pos < last {
					ordered = false
				}
				last = pos
			}
		}
		if n >= 2 {
			withTwo += u.counts[v]
			if ordered {
				inOrder += u.counts[v]
			}
		}
	}
	return map[string]any{"comparison": u.comparison, "members": members, "pairs": pairs,
		"min_cooccur": u.p.MinCooccur, "min_reversal_share": u.p.MinReversalShare,
		"rule":             "process stages whose first occurrences come in both orders, each order in at least min_reversal_share of the at least min_cooccur sessions having both",
		"order_conformity": u.conformity,
		"group_order":      map[string]any{"sessions_with_two_or_more": withTwo, "in_model_order": inOrder}}
}

// apply puts group g in one cluster (a new one when none of its members
// has one, the one they share, or none when they are in different
// clusters, which is left to the PI) and demotes the hypothesized
// transitions between its members to alternatives.
func (u *unordering) apply(g []int, log []models.ChangeLogEntry) []models.ChangeLogEntry {
	out, comparison := u.out, u.comparison
	var members, existing []string
	inGroup := map[string]bool{}
	for _, x := range g {
		st := out.Stages[u.process[x]]
		members = append(members, st.Key)
		inGroup[st.Key] = true
		if st.Cluster != "" && !slices.Contains(existing, st.Cluster) {
			existing = append(existing, st.Cluster)
		}
	}
	evidence := u.evidence(g, members)
	var key string
	switch len(existing) {
	case 0:
		for n := 1; ; n++ {
			key = "any-order-" + strconv.Itoa(n)
			if !u.clusterKeys[key] {
				break
			}
		}
		u.clusterKeys[key] = true
		out.Clusters = append(out.Clusters, models.Cluster{Key: key, Name: "Any order (observed in both orders)"})
		evidence["created"] = true
	case 1:
		key = existing[0]
		evidence["created"] = false
	default:
		evidence["applied"] = false
		evidence["clusters"] = existing
		evidence["reason"] = "the members already belong to different clusters; merging whole clusters is the PI's decision"
		return append(log, models.ChangeLogEntry{Op: "make_unordered", Target: strings.Join(members, "+"), Evidence: evidence})
	}
	var joined []string
	for _, x := range g {
		if out.Stages[u.process[x]].Cluster != key {
			joined = append(joined, u.key(x))
		}
	}
	if len(joined) == 0 {
		return log // the model already has them in one cluster
	}
	evidence["cluster"], evidence["joined"] = key, joined
	log = append(log, models.ChangeLogEntry{Op: "make_unordered", Target: key, Evidence: evidence})
	for _, x := range g {
		st := &out.Stages[u.process[x]]
		if st.Cluster == key {
			continue
		}
		st.Cluster = key
		log = append(log, models.ChangeLogEntry{Op: "move_to_cluster", Target: st.Key, Evidence: map[string]any{
			"comparison": comparison, "cluster": key, "rule": "a member of an order-free group (make_unordered)"}})
	}
	for i := range out.Transitions {
		t := &out.Transitions[i]
		if t.Kind == models.TransitionHypothesized && t.From != t.To && inGroup[t.From] && inGroup[t.To] {
			t.Kind = models.TransitionAlternative
			log = append(log, models.ChangeLogEntry{Op: "demote_transition", Target: t.From + "→" + t.To, Evidence: map[string]any{
				"comparison": comparison, "cluster": key, "rule": "both stages are in an order-free group: their order is no longer hypothesized"}})
		}
	}
	return log
}

// proposeStages notes each code that indicates no stage yet occurs in at
// least min_unmapped_share of the compared sessions (those with an empty
// stage sequence included) as a proposed stage; the content is unchanged.
func proposeStages(comparison int64, rep conformance.Report, p SynthesisParams, log []models.ChangeLogEntry) []models.ChangeLogEntry {
	total := rep.Summary.Sessions + rep.Summary.SkippedEmpty
	if total == 0 {
		return log
	}
	for _, c := range rep.UnmappedCodes {
		share := float64(c.Sessions) / float64(total)
		if c.Sessions == 0 || share < p.MinUnmappedShare {
			continue
		}
		log = append(log, models.ChangeLogEntry{Op: "propose_stage", Target: c.Code, Evidence: map[string]any{
			"comparison": comparison, "code": c.Code, "sessions": c.Sessions, "of": total, "share": share, "events": c.Count,
			"threshold": p.MinUnmappedShare, "applied": false,
			"rule": "a code that indicates no stage occurs in at least min_unmapped_share of the sessions: consider a stage for it"}})
	}
	return log
}
