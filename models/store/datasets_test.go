package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

func fp(v float64) *float64 { return &v }

// TestEachSessionCodes: sessions in (case label byte order, number) order;
// codes by onset when every event has one, else by segment; ties by input
// order; only restricts and reports the sessions without events.
func TestEachSessionCodes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var d models.Dataset
	err = s.InTx(ctx, func(ctx context.Context) error {
		u := models.User{Name: "u", Email: "u@example.org", Role: models.RolePI, CreatedAt: now}
		if err := s.CreateUser(ctx, &u, "h", nil); err != nil {
			return err
		}
		d = models.Dataset{Name: "d", OwnerID: u.ID, CodebookName: "custom", Codebook: []models.Code{{Code: "a", Family: "f"}}, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateDataset(ctx, &d); err != nil {
			return err
		}
		evs := []models.Event{
			// Case "b" (after "B" in byte order), session 10 before 9 in the file.
			{Case: "b", Session: 10, Coder: "x", Segment: 2, Code: "s2", Seq: 1},
			{Case: "b", Session: 10, Coder: "x", Segment: 1, Code: "s1-late", Seq: 3},
			{Case: "b", Session: 10, Coder: "x", Segment: 1, Code: "s1-first", Seq: 2},
			{Case: "b", Session: 9, Coder: "x", Segment: 5, Onset: fp(20), Code: "t20", Seq: 4},
			{Case: "b", Session: 9, Coder: "x", Segment: 1, Onset: fp(30), Code: "t30", Seq: 5},
			{Case: "b", Session: 9, Coder: "x", Segment: 9, Onset: fp(20), Code: "t20-later", Seq: 6},
			// One event without onset: by segment.
			{Case: "B", Session: 1, Coder: "x", Segment: 3, Onset: fp(1), Code: "seg3", Seq: 7},
			{Case: "B", Session: 1, Coder: "x", Segment: 2, Code: "seg2", Seq: 8},
			{Case: "B", Session: 2, Coder: "y", Segment: 1, Code: "other coder", Seq: 9},
		}
		_, err := s.ImportEvents(ctx, d.ID, func(emit func(models.Event) error) error {
			for _, e := range evs {
				if err := emit(e); err != nil {
					return err
				}
			}
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []models.SessionCodes
	collect := func(sc models.SessionCodes) error { got = append(got, sc); return nil }
	// Sessions come in no promised order; compare them sorted.
	sortCodes := func() {
		slices.SortFunc(got, func(a, b models.SessionCodes) int {
			return cmpOr(strings.Compare(a.Case, b.Case), a.Session-b.Session)
		})
	}
	// Without only, every session lacking the coder's events is missing:
	// B/2 has events by y alone.
	missing, err := s.EachSessionCodes(ctx, d.ID, "x", nil, collect)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]models.SessionKey{{Case: "B", Session: 2}}, missing); d != "" {
		t.Errorf("missing without only (-want +got):\n%s", d)
	}
	want := []models.SessionCodes{
		{Case: "B", Session: 1, Codes: []string{"seg2", "seg3"}},
		{Case: "b", Session: 9, Codes: []string{"t20", "t20-later", "t30"}},
		{Case: "b", Session: 10, Codes: []string{"s1-first", "s1-late", "s2"}},
	}
	sortCodes()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	got = nil
	only := []models.SessionKey{{Case: "b", Session: 10}, {Case: "B", Session: 2}, {Case: "Z", Session: 1}}
	missing, err = s.EachSessionCodes(ctx, d.ID, "x", only, collect)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[2:], got); d != "" {
		t.Errorf("only (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]models.SessionKey{{Case: "B", Session: 2}, {Case: "Z", Session: 1}}, missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
