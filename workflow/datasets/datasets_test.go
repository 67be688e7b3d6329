package datasets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store/storetest"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/users"
)

// TestBlindCodingOnTheDemoDataset: on the demonstration dataset (twelve
// selected sessions coded by "consensus", four of them also by "coder2")
// the team PI measures the two coders' reliability on the four sessions
// both coded; a PI off the team learns nothing of the dataset; the coder
// sees only their own events and no reliability until the PI unblinds.
func TestBlindCodingOnTheDemoDataset(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	c := core.New(st, nil)
	us, ds := users.New(c, st), datasets.New(c, st)
	admin := models.User{Role: models.RoleAdmin}
	mk := func(email string, role models.Role) models.User {
		u, _, err := us.CreateUser(ctx, admin, users.NewUser{Name: email, Email: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	pi, other, coder := mk("pi@x.invalid", models.RolePI), mk("other@x.invalid", models.RolePI), mk("coder@x.invalid", models.RoleCoder)
	if err := ds.SeedDemoDataset(ctx, pi); err != nil {
		t.Fatal(err)
	}
	if err := ds.SeedDemoDataset(ctx, pi); err != nil { // seeding again adds nothing
		t.Fatal(err)
	}
	list, err := ds.ListDatasets(ctx, pi, models.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].Name != datasets.DemoDatasetName {
		t.Fatalf("datasets: %+v %v", list, err)
	}
	id := list[0].ID

	rep, err := ds.Reliability(ctx, pi, id, []string{"consensus", "coder2"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sessions != 4 || rep.SessionsOnlyA != 8 || rep.SessionsOnlyB != 0 || rep.Units == 0 || rep.Overall.PercentAgreement == nil {
		t.Errorf("reliability: sessions %d, only consensus %d, only coder2 %d, units %d", rep.Sessions, rep.SessionsOnlyA, rep.SessionsOnlyB, rep.Units)
	}
	var ve *models.ValidationError
	for _, coders := range [][]string{{"consensus"}, {"consensus", "consensus"}, {"consensus", "nobody"}} {
		if _, err := ds.Reliability(ctx, pi, id, coders); !errors.As(err, &ve) || ve.Fields[0].Field != "coders" {
			t.Errorf("coders %v: %v", coders, err)
		}
	}

	if _, err := ds.Dataset(ctx, other, id); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a PI off the team: %v", err)
	}
	if _, err := ds.SetMembers(ctx, pi, id, []datasets.MemberInput{{User: coder.ID, Role: models.MemberCoder, Coder: "coder2"}}); err != nil {
		t.Fatal(err)
	}
	info, err := ds.Dataset(ctx, coder, id)
	if err != nil || !info.Access.Blind() || info.Access.Coder != "coder2" {
		t.Fatalf("the coder's access: %+v %v", info.Access, err)
	}
	evs, err := ds.ListEvents(ctx, coder, id, models.EventFilter{}, models.Page{Limit: 1000})
	if err != nil || len(evs) == 0 {
		t.Fatalf("the coder's events: %d %v", len(evs), err)
	}
	for _, e := range evs {
		if e.Coder != "coder2" {
			t.Fatalf("a blind coder sees %q's events", e.Coder)
		}
	}
	if _, err := ds.Reliability(ctx, coder, id, []string{"consensus", "coder2"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a blind coder's reliability: %v", err)
	}
	if _, err := ds.Unblind(ctx, coder, id); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a coder unblinding: %v", err)
	}
	if _, err := ds.Unblind(ctx, pi, id); err != nil {
		t.Fatal(err)
	}
	if again, err := ds.Reliability(ctx, coder, id, []string{"consensus", "coder2"}); err != nil || again.Units != rep.Units {
		t.Errorf("after unblinding: %v", err)
	}
}
