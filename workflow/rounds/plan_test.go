package rounds

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/versions"
)

func planFixture() (models.TaskModel, models.Version, time.Time) {
	_, in := versions.DemoModel()
	m := models.TaskModel{ID: 3, Slug: "m"}
	v := models.Version{ID: 9, ModelID: 3, Number: 1, Content: in.Content}
	return m, v, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
}

func fields(errs []models.FieldError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Field+": "+e.Message)
	}
	return out
}

// TestPlanRoundDefaults: a 1-9 scale, percent agreement, every item of the
// version in version order, the named panelists sorted.
func TestPlanRoundDefaults(t *testing.T) {
	m, v, now := planFixture()
	named := []models.User{{ID: 7, Role: models.RolePanelist}, {ID: 5, Role: models.RolePanelist}}
	r, invite, errs := planRound(RoundInput{Panelists: []int64{7, 5}}, m, v, now, named, nil)
	if len(errs) != 0 {
		t.Fatal(fields(errs))
	}
	if d := cmp.Diff([]int64{5, 7}, invite); d != "" {
		t.Errorf("invite: %s", d)
	}
	if r.Scale != (models.RatingScale{Min: 1, Max: 9}) || r.Rule.Name != "percent_agree" || r.MinGroup != models.DefaultMinGroup {
		t.Errorf("defaults: %+v %+v %d", r.Scale, r.Rule, r.MinGroup)
	}
	if len(r.Items) != len(v.Content.Stages)+len(v.Content.Transitions) || r.Items[0].Key != v.Content.Stages[0].Key {
		t.Errorf("items: %+v", r.Items)
	}
	if r.ModelID != m.ID || r.VersionID != v.ID || r.VersionNumber != 1 || r.ModelSlug != "m" {
		t.Errorf("round: %+v", r)
	}
}

// TestPlanRoundErrors: every field error, in request order.
func TestPlanRoundErrors(t *testing.T) {
	m, v, now := planFixture()
	past := now.Add(-time.Second)
	zero := 0
	in := RoundInput{
		Panelists: []int64{5, 6, 5, 8},
		ClosesAt:  &past,
		MinGroup:  &zero,
		Items: []models.ItemRef{{Type: models.ItemStage, Key: "marker"}, {Type: "edge"}, {Type: models.ItemStage, Key: "nope"},
			{Type: models.ItemStage, Key: "marker"}},
		Reinvite:      "all",
		SkipConsensus: true,
	}
	named := []models.User{{ID: 5, Role: models.RolePanelist}, {ID: 6, Role: models.RoleCoder}}
	_, _, errs := planRound(in, m, v, now, named, nil)
	want := []string{
		"closes_at: must be in the future",
		"min_group: must be a whole number from 2 to 1000, not 0",
		"panelists[1]: user 6 has role coder; only panelists are invited",
		"panelists[2]: duplicates panelists[0]",
		"panelists[3]: no user has id 8",
		"items[1].type: must be stage or transition",
		"items[2]: names no stage nope of version 1",
		"items[3]: duplicates items[0]",
		"reinvite: applies only with carry_from",
		"skip_consensus: applies only with carry_from",
	}
	if d := cmp.Diff(want, fields(errs)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestPlanRoundCarry: a carried-on round must exist, be of the model and
// closed; its re-invited panelists join those named (once, panelists
// only) and its settled items are left out.
func TestPlanRoundCarry(t *testing.T) {
	m, v, now := planFixture()
	id := int64(4)
	in := RoundInput{CarryFrom: &id, SkipConsensus: true, Panelists: []int64{5}}
	named := []models.User{{ID: 5, Role: models.RolePanelist}}
	for _, tc := range []struct {
		carry *carried
		want  string
	}{
		{&carried{id: 4}, "carry_from: no round 4"},
		{&carried{id: 4, prev: &models.Round{ID: 4, ModelID: 8, Status: models.RoundClosed}}, "carry_from: round 4 belongs to another model"},
		{&carried{id: 4, prev: &models.Round{ID: 4, ModelID: 3, Status: models.RoundOpen}}, "carry_from: round 4 is open; carry on from a closed round"},
	} {
		_, _, errs := planRound(in, m, v, now, named, tc.carry)
		if d := cmp.Diff([]string{tc.want}, fields(errs)); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	}
	prev := models.Round{ID: 4, ModelID: 3, Status: models.RoundClosed}
	settled := map[string]bool{}
	for _, it := range versionItems(v.Content)[1:] {
		settled[itemID(it)] = true
	}
	c := &carried{id: 4, prev: &prev, settled: settled,
		panelists: []models.User{{ID: 5, Role: models.RolePanelist}, {ID: 2, Role: models.RolePanelist}, {ID: 3, Role: models.RoleClient}}}
	r, invite, errs := planRound(in, m, v, now, named, c)
	if len(errs) != 0 {
		t.Fatal(fields(errs))
	}
	if d := cmp.Diff([]int64{2, 5}, invite); d != "" {
		t.Errorf("invite: %s", d)
	}
	if len(r.Items) != 1 || r.Items[0] != versionItems(v.Content)[0] || r.Reinvite != models.ReinviteAll {
		t.Errorf("items %+v reinvite %q", r.Items, r.Reinvite)
	}
	// Everything settled: nothing is left to rate.
	for _, it := range versionItems(v.Content) {
		settled[itemID(it)] = true
	}
	if _, _, errs := planRound(in, m, v, now, named, c); len(errs) != 1 || errs[0].Field != "items" {
		t.Errorf("all settled: %v", fields(errs))
	}
}
