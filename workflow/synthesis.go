package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
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
}

// SynthesisInput is the PI's request; nil fields take their defaults.
type SynthesisInput struct {
	SupportThreshold    *float64
	MinAdjustedResidual *float64
	AddObserved         *bool
	DemoteUnsupported   *bool
	OptionalUnsupported *bool
	ClusterReversals    *bool
	Notes               *string
}

func (in SynthesisInput) resolve(rep conformance.Report) (SynthesisParams, []models.FieldError) {
	p := SynthesisParams{SupportThreshold: rep.Params.SupportThreshold, AddObserved: true, DemoteUnsupported: true,
		OptionalUnsupported: true, ClusterReversals: true, MinAdjustedResidual: in.MinAdjustedResidual}
	var errs []models.FieldError
	if in.SupportThreshold != nil {
		p.SupportThreshold = *in.SupportThreshold
		if !(p.SupportThreshold > 0 && p.SupportThreshold <= 1) {
			errs = append(errs, models.FieldError{Field: "params.support_threshold", Message: "must be in (0, 1]"})
		}
	}
	if z := in.MinAdjustedResidual; z != nil && (math.IsNaN(*z) || math.IsInf(*z, 0)) {
		errs = append(errs, models.FieldError{Field: "params.min_adjusted_residual", Message: "must be a finite number"})
	}
	for _, b := range []struct {
		v   *bool
		dst *bool
	}{{in.AddObserved, &p.AddObserved}, {in.DemoteUnsupported, &p.DemoteUnsupported}, {in.OptionalUnsupported, &p.OptionalUnsupported}, {in.ClusterReversals, &p.ClusterReversals}} {
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
// then transitions in the report's order, then clusters).
func Synthesize(c models.Content, rep conformance.Report, comparison int64, p SynthesisParams) (models.Content, []models.ChangeLogEntry) {
	out := NormalizeContent(c)
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
	if p.ClusterReversals {
		log = clusterReversals(&out, supported, comparison, rep, p, log)
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
	cmp, err := s.store.ComparisonByID(ctx, comparisonID)
	if err != nil {
		return models.Version{}, err
	}
	rep, err := ComparisonReport(cmp)
	if err != nil {
		return models.Version{}, err
	}
	p, errs := in.resolve(rep)
	if in.Notes != nil {
		checkText(&errs, "notes", *in.Notes, false, 20000)
	}
	if err := models.Invalid(errs); err != nil {
		return models.Version{}, err
	}
	var v models.Version
	err = s.inTx(ctx, func(ctx context.Context) error {
		m, err := s.store.ModelBySlug(ctx, cmp.ModelSlug)
		if err != nil {
			return err
		}
		if !canChange(actor, m) {
			return models.Errf(models.ErrForbidden, "only the model's PI or an admin drafts versions")
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
		if fe := ValidateContent(content); len(fe) > 0 {
			return fmt.Errorf("synthesis produced invalid content: %v", models.Invalid(fe))
		}
		notes := fmt.Sprintf("Rational-empirical synthesis of v%d from comparison %d (threshold %g per %s; add_observed=%t, demote_unsupported=%t, optional_unsupported=%t, cluster_reversals=%t%s): %d changes.",
			base.Number, cmp.ID, p.SupportThreshold, rep.Params.Unit, p.AddObserved, p.DemoteUnsupported, p.OptionalUnsupported, p.ClusterReversals,
			residualNote(p), len(changes))
		if in.Notes != nil && *in.Notes != "" {
			notes = *in.Notes + "\n\n" + notes
		}
		parent := base.Number
		id := cmp.ID
		v, err = s.insertDraft(ctx, actor, m, VersionInput{Parent: &parent, Kind: models.KindRationalEmpirical, Notes: notes, Content: content},
			models.Provenance{Comparison: &id}, changes)
		if err != nil {
			return err
		}
		return s.audit(ctx, actor, "version.synthesize", "version", fmt.Sprintf("%s/%d", m.Slug, v.Number), "comparison "+strconv.FormatInt(cmp.ID, 10))
	})
	return v, err
}

func residualNote(p SynthesisParams) string {
	if p.MinAdjustedResidual == nil {
		return ""
	}
	return fmt.Sprintf(", min_adjusted_residual=%g", *p.MinAdjustedResidual)
}
