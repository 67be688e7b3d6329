package comparisons

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// ComparisonModel turns a version's content into the analysis model.
func ComparisonModel(c models.Content) conformance.Model {
	var m conformance.Model
	for _, s := range c.Stages {
		m.Stages = append(m.Stages, conformance.Stage{Key: s.Key, Role: s.Role, Optional: s.Optional, Cluster: s.Cluster, Codes: s.Codes})
	}
	for _, t := range c.Transitions {
		m.Transitions = append(m.Transitions, conformance.Transition{From: t.From, To: t.To, Kind: t.Kind})
	}
	for _, k := range c.Clusters {
		m.Clusters = append(m.Clusters, k.Key)
	}
	return m
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
func (s *Service) CreateComparison(ctx context.Context, actor models.User, in ComparisonInput) (models.Comparison, error) {
	if err := canCompare(actor); err != nil {
		return models.Comparison{}, err
	}
	var errs []models.FieldError
	if in.Sessions == "" {
		in.Sessions = "selected"
	}
	if in.Sessions != "selected" && in.Sessions != "all" {
		errs = append(errs, models.FieldError{Field: "sessions", Message: `must be "selected" or "all"`})
	}
	if in.Coder == "" {
		in.Coder = "consensus"
	}
	p, perrs := in.params()
	errs = append(errs, perrs...)
	m, err := s.versions.ModelFor(ctx, actor, in.Model)
	if errors.Is(err, models.ErrNotFound) {
		errs = append(errs, models.FieldError{Field: "model", Message: fmt.Sprintf("no model with slug %q", in.Model)})
	} else if err != nil {
		return models.Comparison{}, err
	}
	var v models.Version
	if m.ID != 0 {
		v, err = s.versions.VersionOf(ctx, actor, m, in.Version)
		if errors.Is(err, models.ErrNotFound) {
			errs = append(errs, models.FieldError{Field: "version", Message: fmt.Sprintf("%s has no version %d", in.Model, in.Version)})
		} else if err != nil {
			return models.Comparison{}, err
		}
	}
	var bv models.Version
	if in.CompareTo != nil && m.ID != 0 {
		bv, err = s.versions.VersionOf(ctx, actor, m, *in.CompareTo)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs = append(errs, models.FieldError{Field: "compare_to", Message: fmt.Sprintf("%s has no version %d", in.Model, *in.CompareTo)})
		case err != nil:
			return models.Comparison{}, err
		case *in.CompareTo == in.Version:
			errs = append(errs, models.FieldError{Field: "compare_to", Message: "is the compared version itself; name another version of the model"})
		}
	}
	// Only the dataset's team compares with it; to others it does not
	// exist. A blind coder compares only their own events.
	d, dacc, err := s.datasets.DatasetFor(ctx, actor, in.Dataset)
	if errors.Is(err, models.ErrNotFound) {
		errs = append(errs, models.FieldError{Field: "dataset", Message: fmt.Sprintf("no dataset %d", in.Dataset)})
	} else if err != nil {
		return models.Comparison{}, err
	} else if dacc.Blind() && in.Coder != dacc.Coder {
		return models.Comparison{}, datasets.NeedUnblinded(dacc, fmt.Sprintf("the %q events (compare your own: coder %q)", in.Coder, dacc.Coder))
	}
	var only []models.SessionKey
	var selection *int64
	if d.ID != 0 && in.Sessions == "selected" {
		sel, err := s.store.LatestSelection(ctx, d.ID)
		if errors.Is(err, models.ErrNotFound) {
			errs = append(errs, models.FieldError{Field: "sessions", Message: `the dataset has no stored selection; store one (POST …/selection) or use "all"`})
		} else if err != nil {
			return models.Comparison{}, err
		} else {
			selection = &sel.ID
			only = make([]models.SessionKey, 0, len(sel.Selected))
			for _, x := range sel.Selected {
				only = append(only, models.SessionKey{Case: x.Case, Session: x.Session})
			}
		}
	}
	if d.ID != 0 && len(errs) == 0 {
		if ok, err := s.store.CoderHasEvents(ctx, d.ID, in.Coder); err != nil {
			return models.Comparison{}, err
		} else if !ok {
			errs = append(errs, models.FieldError{Field: "coder", Message: fmt.Sprintf("coder %q has no events in dataset %d", in.Coder, d.ID)})
		}
	}
	if err := models.Invalid(errs); err != nil {
		return models.Comparison{}, err
	}
	analyzer := func(c models.Content, field string) (*conformance.Analyzer, error) {
		a, err := conformance.NewAnalyzer(ComparisonModel(c), p)
		var fe conformance.FieldErrors
		if errors.As(err, &fe) {
			out := make([]models.FieldError, 0, len(fe))
			for _, e := range fe {
				out = append(out, models.FieldError{Field: field, Message: e.Field + ": " + e.Message})
			}
			return nil, models.Invalid(out)
		}
		return a, err
	}
	a, err := analyzer(v.Content, "version")
	if err != nil {
		return models.Comparison{}, err
	}
	var b *conformance.Analyzer
	if in.CompareTo != nil {
		if b, err = analyzer(bv.Content, "compare_to"); err != nil {
			return models.Comparison{}, err
		}
	}
	// The reported outcome: each session's resolution rating by the chosen
	// rater, passed to the analysis as a plain value.
	var ratings map[models.SessionKey]int
	if p.Outcome == conformance.OutcomeReported {
		all, err := s.store.AllSessions(ctx, d.ID)
		if err != nil {
			return models.Comparison{}, err
		}
		ratings = make(map[models.SessionKey]int, len(all))
		for _, x := range all {
			for _, r := range x.Reports {
				if r.Rater == p.OutcomeRater && r.Resolution != nil {
					ratings[models.SessionKey{Case: x.Case, Session: x.Number}] = *r.Resolution
				}
			}
		}
	}
	// The data hash must not depend on the order sessions come in: each
	// session (a unique case and session number) is hashed alone and the
	// hashes are combined by XOR, with the count.
	var data [sha256.Size]byte
	var nsess int
	h := sha256.New()
	var buf []byte
	missing, err := s.store.EachSessionCodes(ctx, d.ID, in.Coder, only, func(sc models.SessionCodes) error {
		h.Reset()
		buf = fmt.Appendf(buf[:0], "%s\x1f%d\x1f%s", sc.Case, sc.Session, strings.Join(sc.Codes, "\x1f"))
		sess := conformance.Session{Case: sc.Case, Session: sc.Session, Codes: sc.Codes}
		if ratings != nil {
			// The rating is data used: it enters the session's hash.
			if r, ok := ratings[models.SessionKey{Case: sc.Case, Session: sc.Session}]; ok {
				sess.Reported = &r
				buf = fmt.Appendf(buf, "\x1e%d", r)
			} else {
				buf = append(buf, "\x1e-"...)
			}
		}
		h.Write(buf)
		var sum [sha256.Size]byte
		h.Sum(sum[:0])
		for i := range data {
			data[i] ^= sum[i]
		}
		nsess++
		a.Add(sess)
		if b != nil {
			b.Add(sess)
		}
		return nil
	})
	if err != nil {
		return models.Comparison{}, err
	}
	rep := a.Report()
	left := make([]conformance.SessionRef, 0, len(missing))
	for _, k := range missing {
		left = append(left, conformance.SessionRef{Case: k.Case, Session: k.Session})
	}
	rep.SetLeftOut(left)
	inputs := ComparisonInputs{Model: m.Slug, Version: v.Number, ContentHash: v.ContentHash, Dataset: d.ID, Sessions: in.Sessions,
		Selection: selection, Coder: in.Coder, DataHash: fmt.Sprintf("xor-sha256:%d:%s", nsess, hex.EncodeToString(data[:])), Params: rep.Params,
		EngineVersion: ComparisonEngine}
	if b != nil {
		base := b.Report()
		base.SetLeftOut(left)
		rep.Baseline = conformance.NewBaseline(bv.Number, &rep, &base)
		inputs.CompareTo, inputs.BaselineContentHash = &bv.Number, bv.ContentHash
	}
	ib, err := marshalPlain(inputs)
	if err != nil {
		return models.Comparison{}, err
	}
	rb, err := rep.AppendJSON(make([]byte, 0, 1<<20))
	if err != nil {
		return models.Comparison{}, err
	}
	sb, err := marshalPlain(rep.Summary)
	if err != nil {
		return models.Comparison{}, err
	}
	ih := sha256.Sum256(ib)
	c := models.Comparison{ModelID: m.ID, ModelSlug: m.Slug, VersionNumber: v.Number, DatasetID: d.ID, Sessions: in.Sessions,
		Coder: in.Coder, Inputs: ib, InputsHash: "sha256:" + hex.EncodeToString(ih[:]), Report: rb, Summary: sb,
		CreatedBy: actor.ID, CreatedAt: s.now()}
	err = s.inTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateComparison(ctx, &c); err != nil {
			return err
		}
		return s.audit(ctx, actor, "comparison.create", "comparison", strconv.FormatInt(c.ID, 10),
			fmt.Sprintf("%s/%d vs dataset %d; %s", m.Slug, v.Number, d.ID, c.InputsHash))
	})
	return c, err
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
