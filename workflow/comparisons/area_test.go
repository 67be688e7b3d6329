package comparisons_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store/storetest"
	"github.com/stagewise/stagewise/workflow/comparisons"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// TestWhoSeesWhichComparison compares the demo model with the demo
// dataset's selected sessions and checks the comparison rule: the model
// and dataset teams see a comparison, a blind coder only comparisons of
// their own events, everyone else nothing; synthesis drafts the next
// version through the versions service, for the model's team only.
func TestWhoSeesWhichComparison(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	c := core.New(st, nil)
	us, vs, ds := users.New(c, st), versions.New(c, st), datasets.New(c, st)
	cs := comparisons.New(c, st, vs, ds)
	admin := models.User{Role: models.RoleAdmin}
	mk := func(email string, role models.Role) models.User {
		u, _, err := us.CreateUser(ctx, admin, users.NewUser{Name: email, Email: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	pi, other, coder := mk("pi@x.invalid", models.RolePI), mk("other@x.invalid", models.RolePI), mk("coder@x.invalid", models.RoleCoder)
	nm, in := versions.DemoModel()
	if _, err := vs.CreateModel(ctx, pi, nm); err != nil {
		t.Fatal(err)
	}
	if _, err := vs.CreateVersion(ctx, pi, nm.Slug, in); err != nil {
		t.Fatal(err)
	}
	for _, a := range []versions.Action{versions.ActionSubmit, versions.ActionApprove} {
		if _, err := vs.Transition(ctx, pi, nm.Slug, 1, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := ds.SeedDemoDataset(ctx, pi); err != nil {
		t.Fatal(err)
	}
	list, err := ds.ListDatasets(ctx, pi, models.Page{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("datasets: %v", err)
	}
	dsID := list[0].ID
	if _, err := ds.SetMembers(ctx, pi, dsID, []datasets.MemberInput{{User: coder.ID, Role: models.MemberCoder, Coder: "coder2"}}); err != nil {
		t.Fatal(err)
	}

	all, err := cs.CreateComparison(ctx, pi, comparisons.ComparisonInput{Model: nm.Slug, Version: 1, Dataset: dsID})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := comparisons.ComparisonReport(all)
	if err != nil || rep.Summary.Sessions != 12 {
		t.Fatalf("the selected sessions coded by consensus: %d %v", rep.Summary.Sessions, err)
	}
	if _, err := cs.CreateComparison(ctx, coder, comparisons.ComparisonInput{Model: nm.Slug, Version: 1, Dataset: dsID}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a blind coder comparing the consensus: %v", err)
	}
	own, err := cs.CreateComparison(ctx, coder, comparisons.ComparisonInput{Model: nm.Slug, Version: 1, Dataset: dsID, Coder: "coder2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateComparison(ctx, other, comparisons.ComparisonInput{Model: nm.Slug, Version: 1, Dataset: dsID}); err == nil {
		t.Error("a PI off the dataset's team compared with it")
	}
	visible := func(u models.User) []int64 {
		got, err := cs.ListComparisons(ctx, u, models.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
			if _, err := cs.Comparison(ctx, u, c.ID); err != nil {
				t.Errorf("listed %d but not readable: %v", c.ID, err)
			}
		}
		return ids
	}
	if got := visible(pi); len(got) != 2 {
		t.Errorf("the PI sees %v", got)
	}
	if got := visible(coder); len(got) != 1 || got[0] != own.ID {
		t.Errorf("the blind coder sees %v, want only %d", got, own.ID)
	}
	if got := visible(other); len(got) != 0 {
		t.Errorf("a PI off both teams sees %v", got)
	}
	if _, err := cs.Comparison(ctx, other, all.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a PI off both teams reading it: %v", err)
	}

	if _, err := cs.Synthesize(ctx, coder, own.ID, comparisons.SynthesisInput{}); err == nil {
		t.Error("a coder drafted a version")
	}
	v2, err := cs.Synthesize(ctx, pi, all.ID, comparisons.SynthesisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 || v2.Status != models.StatusDraft || v2.Kind != models.KindRationalEmpirical ||
		v2.Provenance.Comparison == nil || *v2.Provenance.Comparison != all.ID || len(v2.ChangeLog) == 0 {
		t.Errorf("synthesized: v%d %s %s provenance %+v, %d changes", v2.Number, v2.Status, v2.Kind, v2.Provenance, len(v2.ChangeLog))
	}
}
