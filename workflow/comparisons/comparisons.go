package comparisons

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/datasets"
)

// ComparisonEngine names the analysis code and its version; it is part of
// every comparison's inputs, so a report can be traced to the code that
// made it.
//
// Version 2: end stages symmetric to start stages; self-pairs listed under
// allow_repeats; report.variants and report.validation; params.outcome
// (with outcome_min and outcome_rater); report.baseline with compare_to.
const ComparisonEngine = "stagewise-conformance/2"

// ComparisonInput asks for a comparison. Nil parameters take their
// defaults (support threshold 0.5, unit session, lag 1, repeats collapsed,
// unmapped events as deviations).
type ComparisonInput struct {
	Model            string
	Version          int
	Dataset          int64
	Sessions         string // "selected" (default) or "all"
	Coder            string // default "consensus"
	SupportThreshold *float64
	Unit             *string
	Lag              *int
	AllowRepeats     *bool
	Unmapped         *string
	// Outcome, OutcomeMin and OutcomeRater define the validation's
	// resolved sessions (conformance.Params).
	Outcome      *string
	OutcomeMin   *int
	OutcomeRater *string
	// CompareTo, when set, is another version of the same model compared on
	// exactly the same sessions and parameters: report.baseline.
	CompareTo *int
}

// ComparisonInputs is what a report was computed from; equal inputs give
// byte-identical reports.
type ComparisonInputs struct {
	Model         string             `json:"model"`
	Version       int                `json:"version"`
	ContentHash   string             `json:"content_hash"`
	Dataset       int64              `json:"dataset"`
	Sessions      string             `json:"sessions"`
	Selection     *int64             `json:"selection"`
	Coder         string             `json:"coder"`
	DataHash      string             `json:"data_hash"`
	Params        conformance.Params `json:"params"`
	EngineVersion string             `json:"engine_version"`
	// CompareTo and BaselineContentHash name the baseline version, when
	// one was asked for.
	CompareTo           *int   `json:"compare_to,omitempty"`
	BaselineContentHash string `json:"baseline_content_hash,omitempty"`
}

func canCompare(actor models.User) error {
	switch actor.Role {
	case models.RoleAdmin, models.RolePI, models.RoleCoder:
		return nil
	}
	return models.Errf(models.ErrForbidden, "only admins, PIs and coders run and read comparisons")
}

func (in ComparisonInput) params() (conformance.Params, []models.FieldError) {
	p := conformance.Params{}.WithDefaults()
	var errs []models.FieldError
	if in.SupportThreshold != nil {
		p.SupportThreshold = *in.SupportThreshold
	}
	if in.Unit != nil {
		p.Unit = *in.Unit
	}
	if in.Lag != nil {
		p.Lag = *in.Lag
	}
	if in.AllowRepeats != nil {
		p.AllowRepeats = *in.AllowRepeats
	}
	if in.Unmapped != nil {
		p.Unmapped = *in.Unmapped
	}
	if in.Outcome != nil {
		p.Outcome = *in.Outcome
	}
	if in.OutcomeMin != nil {
		p.OutcomeMin = *in.OutcomeMin
		if p.OutcomeMin == 0 {
			p.OutcomeMin = -1 // an explicit 0 is out of range, not "the default"
		}
	}
	if in.OutcomeRater != nil {
		p.OutcomeRater = *in.OutcomeRater
		if p.OutcomeRater == "" {
			p.OutcomeRater = " "
		}
	}
	p = p.WithOutcomeDefaults()
	for _, e := range p.Validate() {
		errs = append(errs, models.FieldError{Field: e.Field, Message: e.Message})
	}
	return p, errs
}

// CreateComparison compares a model version with a dataset's coded
// sessions and stores the report. Sessions come from the dataset's latest
// stored selection ("selected", the default) or all sessions; the events of
// Coder are used, and a session without that coder's events is left out
// and listed in the report.
//
// It reads as load (comparisonPlan: the versions, the dataset, the
// selection and the reported outcomes, every input error named) → pure
// analysis (comparisonRun fed one session at a time, then
// comparisonRecord) → store.
func (s *Service) CreateComparison(ctx context.Context, actor models.User, in ComparisonInput) (models.Comparison, error) {
	if err := canCompare(actor); err != nil {
		return models.Comparison{}, err
	}
	pl, err := s.plan(ctx, actor, in)
	if err != nil {
		return models.Comparison{}, err
	}
	run, err := newComparisonRun(pl)
	if err != nil {
		return models.Comparison{}, err
	}
	missing, err := s.store.EachSessionCodes(ctx, pl.dataset.ID, pl.in.Coder, pl.only, func(sc models.SessionCodes) error {
		run.add(sc)
		return nil
	})
	if err != nil {
		return models.Comparison{}, err
	}
	c, err := run.record(missing)
	if err != nil {
		return models.Comparison{}, err
	}
	c.CreatedBy, c.CreatedAt = actor.ID, s.core.Now()
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateComparison(ctx, &c); err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "comparison.create", "comparison", strconv.FormatInt(c.ID, 10),
			fmt.Sprintf("%s/%d vs dataset %d; %s", pl.model.Slug, pl.version.Number, pl.dataset.ID, c.InputsHash))
	})
	return c, err
}

// comparisonPlan is what a comparison reads before the sessions: the
// input with its defaults, the analysis parameters, the model, the
// version compared (and the baseline with CompareTo), the dataset, the
// sessions of the stored selection (nil: all) and, for the reported
// outcome, each session's resolution rating by the chosen rater.
type comparisonPlan struct {
	in        ComparisonInput
	params    conformance.Params
	model     models.TaskModel
	version   models.Version
	baseline  models.Version
	dataset   models.Dataset
	only      []models.SessionKey
	selection *int64
	ratings   map[models.SessionKey]int
}

// plan loads and checks everything a comparison needs before the
// sessions, naming every input error at once.
func (s *Service) plan(ctx context.Context, actor models.User, in ComparisonInput) (comparisonPlan, error) {
	pl := comparisonPlan{in: in}
	var errs []models.FieldError
	if pl.in.Sessions == "" { // "selected" or "all": the api request's validate tag
		pl.in.Sessions = "selected"
	}
	if pl.in.Coder == "" {
		pl.in.Coder = "consensus"
	}
	var perrs []models.FieldError
	pl.params, perrs = pl.in.params()
	errs = append(errs, perrs...)
	verrs, err := s.planVersions(ctx, actor, &pl)
	if err != nil {
		return pl, err
	}
	errs = append(errs, verrs...)
	derrs, err := s.planData(ctx, actor, &pl, len(errs) == 0)
	if err != nil {
		return pl, err
	}
	if err := models.Invalid(append(errs, derrs...)); err != nil {
		return pl, err
	}
	return pl, s.planRatings(ctx, &pl)
}

// planVersions loads the model, the version compared and the baseline, as
// actor may see them.
func (s *Service) planVersions(ctx context.Context, actor models.User, pl *comparisonPlan) ([]models.FieldError, error) {
	var errs []models.FieldError
	in := pl.in
	m, err := s.versions.ModelFor(ctx, actor, in.Model)
	if errors.Is(err, models.ErrNotFound) {
		return []models.FieldError{{Field: "model", Message: fmt.Sprintf("no model with slug %q", in.Model)}}, nil
	} else if err != nil {
		return nil, err
	}
	pl.model = m
	pl.version, err = s.versions.VersionOf(ctx, actor, m, in.Version)
	if errors.Is(err, models.ErrNotFound) {
		errs = append(errs, models.FieldError{Field: "version", Message: fmt.Sprintf("%s has no version %d", in.Model, in.Version)})
	} else if err != nil {
		return nil, err
	}
	if in.CompareTo != nil {
		pl.baseline, err = s.versions.VersionOf(ctx, actor, m, *in.CompareTo)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs = append(errs, models.FieldError{Field: "compare_to", Message: fmt.Sprintf("%s has no version %d", in.Model, *in.CompareTo)})
		case err != nil:
			return nil, err
		case *in.CompareTo == in.Version:
			errs = append(errs, models.FieldError{Field: "compare_to", Message: "is the compared version itself; name another version of the model"})
		}
	}
	return errs, nil
}

// planData loads the dataset and its stored selection and, when nothing
// else is wrong (checkCoder), checks that the coder has events. Only the
// dataset's team compares with it; to others it does not exist. A blind
// coder compares only their own events.
func (s *Service) planData(ctx context.Context, actor models.User, pl *comparisonPlan, checkCoder bool) ([]models.FieldError, error) {
	var errs []models.FieldError
	in := pl.in
	d, dacc, err := s.datasets.DatasetFor(ctx, actor, in.Dataset)
	if errors.Is(err, models.ErrNotFound) {
		return []models.FieldError{{Field: "dataset", Message: fmt.Sprintf("no dataset %d", in.Dataset)}}, nil
	} else if err != nil {
		return nil, err
	} else if dacc.Blind() && in.Coder != dacc.Coder {
		return nil, datasets.NeedUnblinded(dacc, fmt.Sprintf("the %q events (compare your own: coder %q)", in.Coder, dacc.Coder))
	}
	pl.dataset = d
	if in.Sessions == "selected" {
		sel, err := s.store.LatestSelection(ctx, d.ID)
		if errors.Is(err, models.ErrNotFound) {
			errs = append(errs, models.FieldError{Field: "sessions", Message: `the dataset has no stored selection; store one (POST …/selection) or use "all"`})
		} else if err != nil {
			return nil, err
		} else {
			pl.selection = &sel.ID
			pl.only = make([]models.SessionKey, 0, len(sel.Selected))
			for _, x := range sel.Selected {
				pl.only = append(pl.only, models.SessionKey{Case: x.Case, Session: x.Session})
			}
		}
	}
	if checkCoder && len(errs) == 0 {
		if ok, err := s.store.CoderHasEvents(ctx, d.ID, in.Coder); err != nil {
			return nil, err
		} else if !ok {
			errs = append(errs, models.FieldError{Field: "coder", Message: fmt.Sprintf("coder %q has no events in dataset %d", in.Coder, d.ID)})
		}
	}
	return errs, nil
}

// planRatings loads, for the reported outcome, each session's resolution
// rating by the chosen rater (passed to the analysis as a plain value).
func (s *Service) planRatings(ctx context.Context, pl *comparisonPlan) error {
	if pl.params.Outcome != conformance.OutcomeReported {
		return nil
	}
	all, err := s.store.AllSessions(ctx, pl.dataset.ID)
	if err != nil {
		return err
	}
	pl.ratings = make(map[models.SessionKey]int, len(all))
	for _, x := range all {
		for _, r := range x.Reports {
			if r.Rater == pl.params.OutcomeRater && r.Resolution != nil {
				pl.ratings[models.SessionKey{Case: x.Case, Session: x.Number}] = *r.Resolution
			}
		}
	}
	return nil
}

// marshalPlain is JSON without HTML escaping and without a trailing newline.
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Comparison returns a stored comparison with its report. It is visible
// to the dataset's team and the model's team (see comparisonVisible) and
// ErrNotFound to everyone else.
func (s *Service) Comparison(ctx context.Context, actor models.User, id int64) (models.Comparison, error) {
	if err := canCompare(actor); err != nil {
		return models.Comparison{}, err
	}
	c, err := s.store.ComparisonByID(ctx, id)
	if err != nil {
		return c, err
	}
	if ok, err := s.comparisonVisible(ctx, actor, c); err != nil {
		return models.Comparison{}, err
	} else if !ok {
		return models.Comparison{}, models.Errf(models.ErrNotFound, "comparison not found")
	}
	return c, nil
}

// ListComparisons lists the comparisons actor may see, without their
// reports.
func (s *Service) ListComparisons(ctx context.Context, actor models.User, p models.Page) ([]models.Comparison, error) {
	if err := canCompare(actor); err != nil {
		return nil, err
	}
	return s.visibleComparisons(ctx, actor, p)
}

// ComparisonReport decodes a stored report.
func ComparisonReport(c models.Comparison) (conformance.Report, error) {
	var r conformance.Report
	err := json.Unmarshal(c.Report, &r)
	return r, err
}

// SeedDemoComparison returns the demo comparison of version n with the
// demo dataset (its stored selection, the consensus coder), creating it
// once; compareTo, when set, adds the baseline of that version (the
// validation of v2 against v1 on the same sessions and parameters).
func (s *Service) SeedDemoComparison(ctx context.Context, pi models.User, m models.TaskModel, n int, compareTo *int) (models.Comparison, error) {
	if c, ok, err := s.demoComparisonOf(ctx, m, n); err != nil || ok {
		return c, err
	}
	d, err := s.store.DatasetByName(ctx, datasets.DemoDatasetName)
	if err != nil {
		return models.Comparison{}, err
	}
	return s.CreateComparison(ctx, pi, ComparisonInput{Model: m.Slug, Version: n, Dataset: d.ID, CompareTo: compareTo})
}

// demoComparisonOf finds the first stored comparison of version n of m.
func (s *Service) demoComparisonOf(ctx context.Context, m models.TaskModel, n int) (models.Comparison, bool, error) {
	if k, err := s.store.ComparisonCount(ctx, m.ID); err != nil || k == 0 {
		return models.Comparison{}, false, err
	}
	p := models.Page{Limit: 200}
	for {
		cs, err := s.store.ListComparisons(ctx, p)
		if err != nil {
			return models.Comparison{}, false, err
		}
		for _, c := range cs {
			if c.ModelID == m.ID && c.VersionNumber == n {
				return c, true, nil
			}
		}
		if len(cs) < p.Limit {
			return models.Comparison{}, false, nil
		}
		p.Cursor = cs[len(cs)-1].ID
	}
}
