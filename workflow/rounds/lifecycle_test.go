package rounds

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store/storetest"
)

// TestRoundLifecycleOnTheClock: a round with a deadline, on the injected
// clock. Reviews are taken while it is open and before the deadline (a
// second review replaces the first); results and proposals wait until it
// closes; a panelist who was not invited learns nothing of the round; the
// team decides a proposal once, after the close.
func TestRoundLifecycleOnTheClock(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	s := newTestService(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer s.StopBatching()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s.core.SetClock(func() time.Time { return now })
	pi, panel, _, slug := submittedDemo(t, s, "a@x.invalid", "b@x.invalid", "o@x.invalid")
	a, b, outsider := panel[0], panel[1], panel[2]
	closes := now.Add(time.Hour)
	minGroup := 2
	r, err := s.CreateRound(ctx, pi, slug, 1, RoundInput{Panelists: []int64{a.ID, b.ID}, ClosesAt: &closes, MinGroup: &minGroup})
	if err != nil {
		t.Fatal(err)
	}
	rating := func(v int) models.Review {
		return models.Review{Stages: []models.StageReview{{Key: "marker", Relevance: &v}}}
	}
	if _, err := s.SubmitReview(ctx, a, r.ID, rating(5)); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a review of a draft round: %v", err)
	}
	if _, err := s.TransitionRound(ctx, pi, r.ID, RoundActionOpen, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Round(ctx, outsider, r.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a panelist not invited: %v", err)
	}
	if _, err := s.SubmitReview(ctx, outsider, r.ID, rating(5)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a review by a panelist not invited: %v", err)
	}
	if _, err := s.SubmitReview(ctx, a, r.ID, rating(3)); err != nil {
		t.Fatal(err)
	}
	withProposal := rating(9)
	withProposal.Proposals = []models.Proposal{{Kind: models.ProposeRenameStage, Target: "marker", Rationale: "clearer", Payload: map[string]any{"name": "Marker"}}}
	if _, err := s.SubmitReview(ctx, a, r.ID, withProposal); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitReview(ctx, b, r.ID, rating(8)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Results(ctx, pi, r.ID); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("results of an open round: %v", err)
	}
	now = closes // the deadline is not after now: no more reviews
	if _, err := s.SubmitReview(ctx, b, r.ID, rating(1)); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a review at the deadline: %v", err)
	}
	if _, err := s.TransitionRound(ctx, pi, r.ID, RoundActionClose, ""); err != nil {
		t.Fatal(err)
	}
	res, err := s.Results(ctx, a, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Responded != 2 || res.Own == nil {
		t.Fatalf("responded %d, own %v", res.Responded, res.Own)
	}
	for _, it := range res.Items {
		if it.Target.Key == "marker" && it.Measure == models.MeasureRelevance {
			if len(it.Ratings) != 2 || it.Own == nil || *it.Own != 9 {
				t.Errorf("marker relevance: ratings %v, own %v (a's second review replaces the first)", it.Ratings, it.Own)
			}
		}
	}
	ps, err := s.Proposals(ctx, pi, r.ID, models.Page{Limit: 10})
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals: %+v %v", ps, err)
	}
	if _, err := s.Decide(ctx, a, r.ID, ps[0].ID, models.DecisionAccepted, ""); err == nil {
		t.Error("a panelist decided a proposal")
	}
	d, err := s.Decide(ctx, pi, r.ID, ps[0].ID, models.DecisionAccepted, "yes")
	if err != nil || d.Decision != models.DecisionAccepted {
		t.Fatalf("decide: %+v %v", d, err)
	}
}
