package rounds

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/models/store/storetest"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// TestBatchIsolatesFailures: one batch holds reviews for an open round and
// for a round that closed after they were queued; the late ones fail with
// a conflict, the others are written, each with its audit entry.
func TestBatchIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	s := newTestService(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer s.StopBatching()
	pi, panel, ids, slug := submittedDemo(t, s, "a@x.invalid", "b@x.invalid", "c@x.invalid")
	var rounds []models.Round
	for i := 0; i < 2; i++ {
		r, err := s.CreateRound(ctx, pi, slug, 1, RoundInput{Panelists: ids})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.TransitionRound(ctx, pi, r.ID, RoundActionOpen, ""); err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, r)
	}
	rating := 8
	job := func(r models.Round, u models.User) *reviewJob {
		return &reviewJob{actor: u, done: make(chan struct{}), review: models.Review{RoundID: r.ID, PanelistID: u.ID,
			Stages: []models.StageReview{{Key: "marker", Relevance: &rating}}}}
	}
	jobs := []*reviewJob{job(rounds[0], panel[0]), job(rounds[1], panel[0]), job(rounds[0], panel[1]), job(rounds[1], panel[2])}
	// Round 2 closes after the reviews were validated and queued.
	if _, err := s.TransitionRound(ctx, pi, rounds[1].ID, RoundActionClose, ""); err != nil {
		t.Fatal(err)
	}
	before, _ := st.AuditAfter(ctx, 0, 10000)
	s.writeBatch(jobs)
	for i, j := range jobs {
		late := j.review.RoundID == rounds[1].ID
		if late != errors.Is(j.err, models.ErrConflict) || (!late && j.err != nil) {
			t.Errorf("job %d (late %v): %v", i, late, j.err)
		}
		select {
		case <-j.done:
		default:
			t.Errorf("job %d not acknowledged", i)
		}
	}
	for _, r := range rounds {
		rvs, err := st.ReviewsOf(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if r.ID == rounds[1].ID {
			want = 0
		}
		if len(rvs) != want {
			t.Errorf("round %d holds %d reviews, want %d", r.ID, len(rvs), want)
		}
	}
	after, _ := st.AuditAfter(ctx, 0, 10000)
	if len(after)-len(before) != 2 {
		t.Errorf("%d audit entries for 2 written reviews", len(after)-len(before))
	}
	prev := ""
	for i, e := range after {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.ComputeHash() != e.Hash {
			t.Errorf("audit chain breaks at entry %d: %+v", i+1, e)
			break
		}
		prev = e.Hash
	}
}

// submittedDemo starts what every round test starts from: a PI, one
// panelist per email, and the demonstration model's version 1 submitted
// for review. It returns the PI, the panelists, their ids and the slug.
func submittedDemo(t *testing.T, s *Service, emails ...string) (models.User, []models.User, []int64, string) {
	t.Helper()
	ctx := context.Background()
	admin := models.User{Role: models.RoleAdmin}
	pi, _, err := s.users.CreateUser(ctx, admin, users.NewUser{Name: "PI", Email: "pi@x.invalid", Role: models.RolePI})
	if err != nil {
		t.Fatal(err)
	}
	var panel []models.User
	var ids []int64
	for _, e := range emails {
		u, _, err := s.users.CreateUser(ctx, admin, users.NewUser{Name: e, Email: e, Role: models.RolePanelist})
		if err != nil {
			t.Fatal(err)
		}
		panel, ids = append(panel, u), append(ids, u.ID)
	}
	nm, in := versions.DemoModel()
	if _, err := s.versions.CreateModel(ctx, pi, nm); err != nil {
		t.Fatal(err)
	}
	if _, err := s.versions.CreateVersion(ctx, pi, nm.Slug, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.versions.Transition(ctx, pi, nm.Slug, 1, versions.ActionSubmit, ""); err != nil {
		t.Fatal(err)
	}
	return pi, panel, ids, nm.Slug
}

// newTestService builds the rounds service and the services it depends
// on over one store, as workflow.New does.
func newTestService(st *store.Store, log *slog.Logger) *Service {
	c := core.New(st, log)
	return New(c, st, users.New(c, st), versions.New(c, st))
}

// errInjected is the failure the fault-injecting stores below return.
var errInjected = errors.New("injected failure")

// faultyStore fails LockOpenRound or the transaction's BEGIN on demand.
type faultyStore struct {
	Store
	failLock, failBegin bool
}

func (f faultyStore) LockOpenRound(ctx context.Context, id int64, now time.Time) (bool, error) {
	if f.failLock {
		return false, errInjected
	}
	return f.Store.LockOpenRound(ctx, id, now)
}

func (f faultyStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if f.failBegin {
		return errInjected
	}
	return f.Store.InTx(ctx, fn)
}

// TestBatchFailureReachesEveryJob: when the batch's transaction fails before
// any review is written (LockOpenRound or BEGIN fails), no job may be
// acknowledged as written: each gets the transaction's error, and nothing
// is stored. (Found by a tester: the jobs kept err == nil and the API
// answered 200 for reviews that were lost.)
func TestBatchFailureReachesEveryJob(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultyStore
	}{
		{"LockOpenRound fails", faultyStore{failLock: true}},
		{"BEGIN fails", faultyStore{failBegin: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.SQLite(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			s := newTestService(st, log)
			pi, panel, ids, slug := submittedDemo(t, s, "a@x.invalid", "b@x.invalid")
			r, err := s.CreateRound(ctx, pi, slug, 1, RoundInput{Panelists: ids})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.TransitionRound(ctx, pi, r.ID, RoundActionOpen, ""); err != nil {
				t.Fatal(err)
			}
			fault := tc.fault
			fault.Store = st
			fs := New(core.New(fault, log), fault, nil, nil)
			defer fs.StopBatching()
			rating := 8
			var jobs []*reviewJob
			for _, u := range panel {
				jobs = append(jobs, &reviewJob{actor: u, done: make(chan struct{}), review: models.Review{RoundID: r.ID, PanelistID: u.ID,
					Stages: []models.StageReview{{Key: "marker", Relevance: &rating}}}})
			}
			fs.writeBatch(jobs)
			for i, j := range jobs {
				select {
				case <-j.done:
				default:
					t.Errorf("job %d not acknowledged", i)
				}
				if !errors.Is(j.err, errInjected) {
					t.Errorf("job %d: err = %v, want the transaction's error", i, j.err)
				}
			}
			if rvs, err := st.ReviewsOf(ctx, r.ID); err != nil || len(rvs) != 0 {
				t.Errorf("round holds %d reviews (%v), want 0", len(rvs), err)
			}
			// Through the public path too: the caller gets the error.
			if _, err := fs.batcher().submit(ctx, panel[0], jobs[0].review); !errors.Is(err, errInjected) {
				t.Errorf("submit: %v, want the transaction's error", err)
			}
		})
	}
}
