package versions_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store/storetest"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/rounds"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// TestWhoSeesWhichVersion walks the one visibility rule (versions'
// teams.go) through a model's life: the model team (its creator, its
// co-investigators, admins) sees every version; a panelist the versions
// their rounds review; everyone else the approved ones, and the model
// only once one is approved.
func TestWhoSeesWhichVersion(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	c := core.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	us := users.New(c, st)
	vs := versions.New(c, st)
	rs := rounds.New(c, st, us, vs)
	defer rs.StopBatching()
	admin := models.User{Role: models.RoleAdmin}
	mk := func(email string, role models.Role) models.User {
		u, _, err := us.CreateUser(ctx, admin, users.NewUser{Name: email, Email: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	owner, coPI, otherPI := mk("a@x.invalid", models.RolePI), mk("b@x.invalid", models.RolePI), mk("c@x.invalid", models.RolePI)
	client, invited, notInvited := mk("d@x.invalid", models.RoleClient), mk("e@x.invalid", models.RolePanelist), mk("f@x.invalid", models.RolePanelist)

	nm, in := versions.DemoModel()
	if _, err := vs.CreateModel(ctx, owner, nm); err != nil {
		t.Fatal(err)
	}
	if _, err := vs.SetModelTeam(ctx, owner, nm.Slug, []int64{coPI.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := vs.CreateVersion(ctx, owner, nm.Slug, in); err != nil {
		t.Fatal(err)
	}
	if _, err := vs.Transition(ctx, coPI, nm.Slug, 1, versions.ActionSubmit, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.CreateRound(ctx, owner, nm.Slug, 1, rounds.RoundInput{Panelists: []int64{invited.ID}}); err != nil {
		t.Fatal(err)
	}
	parent := 1
	in.Parent = &parent
	if _, err := vs.CreateVersion(ctx, coPI, nm.Slug, in); err != nil {
		t.Fatal(err)
	}

	sees := func(u models.User) string {
		if _, err := vs.ModelFor(ctx, u, nm.Slug); errors.Is(err, models.ErrNotFound) {
			return "nothing"
		} else if err != nil {
			t.Fatal(err)
		}
		list, err := vs.ListVersions(ctx, u, nm.Slug, models.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, v := range list {
			out += fmt.Sprintf("v%d", v.Number)
		}
		for n := 1; n <= 2; n++ {
			_, err := vs.Version(ctx, u, nm.Slug, n)
			if listed := strings.Contains(out, fmt.Sprintf("v%d", n)); listed != (err == nil) {
				t.Errorf("v%d: listed %v, read %v", n, listed, err)
			}
		}
		return out
	}
	check := func(when string, want map[string]string) {
		t.Helper()
		for name, u := range map[string]models.User{"owner": owner, "co-PI": coPI, "admin": admin, "other PI": otherPI,
			"client": client, "invited": invited, "not invited": notInvited} {
			if got := sees(u); got != want[name] {
				t.Errorf("%s: %s sees %q, want %q", when, name, got, want[name])
			}
		}
	}
	team := "v1v2"
	check("in review", map[string]string{"owner": team, "co-PI": team, "admin": team, "other PI": "nothing",
		"client": "nothing", "invited": "v1", "not invited": "nothing"})
	if _, err := vs.Transition(ctx, owner, nm.Slug, 1, versions.ActionApprove, ""); err != nil {
		t.Fatal(err)
	}
	check("v1 approved", map[string]string{"owner": team, "co-PI": team, "admin": team, "other PI": "v1",
		"client": "v1", "invited": "v1", "not invited": "v1"})

	// Only the team changes the team; every id must name a PI.
	if _, err := vs.SetModelTeam(ctx, otherPI, nm.Slug, []int64{otherPI.ID}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a PI off the team changing it: %v", err)
	}
	_, err := vs.SetModelTeam(ctx, coPI, nm.Slug, []int64{client.ID, 999})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 || ve.Fields[0].Field != "pis[0]" || ve.Fields[1].Field != "pis[1]" {
		t.Errorf("a client and a stranger on the team: %v", err)
	}
	m, err := vs.SetModelTeam(ctx, coPI, nm.Slug, []int64{otherPI.ID, owner.ID})
	if err != nil || len(m.Team) != 2 || m.Team[0].ID != owner.ID || !m.Team[0].Creator || m.Team[1].ID != otherPI.ID {
		t.Fatalf("team: %+v %v", m.Team, err)
	}
	check("team changed", map[string]string{"owner": team, "co-PI": "v1", "admin": team, "other PI": team,
		"client": "v1", "invited": "v1", "not invited": "v1"})
}
