package datasets

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

// TestPlanMembers: the creator stays a PI (with their coder name and
// join time) when left out; members keep when they joined; every problem
// is named by its field.
func TestPlanMembers(t *testing.T) {
	d := models.Dataset{ID: 5, OwnerID: 1}
	joined := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := []models.DatasetMember{{DatasetID: 5, UserID: 1, Role: models.MemberPI, Coder: "pi", AddedAt: joined},
		{DatasetID: 5, UserID: 3, Role: models.MemberCoder, Coder: "ana", AddedAt: joined.Add(time.Hour)}}
	users := []models.User{{ID: 1, Role: models.RolePI}, {ID: 2, Role: models.RolePI}, {ID: 3, Role: models.RoleCoder}, {ID: 4, Role: models.RoleClient}}

	out, errs := planMembers(d, old, []MemberInput{{User: 3, Role: models.MemberCoder, Coder: "ana"}, {User: 2, Role: models.MemberPI}}, users)
	want := []models.DatasetMember{
		{DatasetID: 5, UserID: 1, Role: models.MemberPI, Coder: "pi", AddedAt: joined},
		{DatasetID: 5, UserID: 3, Role: models.MemberCoder, Coder: "ana", AddedAt: joined.Add(time.Hour)},
		{DatasetID: 5, UserID: 2, Role: models.MemberPI},
	}
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	_, errs = planMembers(d, old, []MemberInput{
		{User: 0, Role: models.MemberPI},
		{User: 9, Role: "boss"},
		{User: 4, Role: models.MemberCoder, Coder: " x"},
		{User: 3, Role: models.MemberCoder},
		{User: 3, Role: models.MemberCoder, Coder: models.ConsensusCoder},
		{User: 1, Role: models.MemberCoder, Coder: "pi"},
		{User: 2, Role: models.MemberPI, Coder: "pi"},
	}, users)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+": "+e.Message)
	}
	wantErrs := []string{
		"members[0].user: is required: a user id",
		"members[1].user: no user 9",
		`members[1].role: must be "pi" or "coder", not "boss"`,
		`members[2].role: user 4 is a client; only coders join a team as "coder"`,
		"members[2].coder: must not begin or end with spaces",
		"members[3].coder: is required for a coder: the name they code under in the events files",
		"members[4].user: duplicate of members[3].user",
		`members[4].coder: "consensus" is where the consensus step writes; a coder codes under a name of their own`,
		"members[5].role: the dataset's creator stays a PI of its team",
		"members[6].coder: duplicate of members[5].coder: a coder name belongs to one member",
	}
	if d := cmp.Diff(wantErrs, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
