package workflow_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
)

func newService(t *testing.T) (*workflow.Service, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "wf.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := workflow.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(svc.StopBatching)
	return svc, st
}

// TestDemoPanel: the demo model gets a closed two-round panel of five in
// which the stage "validate" misses consensus in round 1 and reaches it
// in round 2; seeding again adds nothing.
func TestDemoPanel(t *testing.T) {
	svc, st := newService(t)
	ctx := context.Background()
	demo, err := svc.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SeedDemo(ctx); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	m, err := st.ModelBySlug(ctx, workflow.DemoSlug)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.RoundsOfModel(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 2 || rounds[0].Status != models.RoundClosed || rounds[1].Status != models.RoundClosed {
		t.Fatalf("rounds: %+v", rounds)
	}
	want := map[int]string{1: "none", 2: "in"}
	for _, r := range rounds {
		res, err := svc.Rounds.Results(ctx, demo.PI, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Invited != 5 || res.Responded != 5 {
			t.Errorf("round %d: invited %d responded %d", r.Number, res.Invited, res.Responded)
		}
		found := false
		for _, it := range res.Items {
			if it.Target.Key == "validate" && it.Measure == models.MeasureRelevance {
				found = true
				if it.Consensus.Consensus != want[r.Number] {
					t.Errorf("round %d: validate is %s (%s), want %s", r.Number, it.Consensus.Consensus, it.Consensus.Reason, want[r.Number])
				}
			}
		}
		if !found {
			t.Errorf("round %d does not rate validate", r.Number)
		}
		if r.Number == 2 && (len(res.ReachedConsensus) == 0 || res.ReachedConsensus[0].Key != "validate") {
			t.Errorf("round 2 reached consensus: %+v", res.ReachedConsensus)
		}
	}
}
