package rounds

import (
	"fmt"
	"slices"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/stats"
)

// carried is what an earlier round (RoundInput.CarryFrom) brings to a new
// one, as loadCarry read it.
type carried struct {
	id int64
	// prev is the earlier round; nil when no round has that id.
	prev *models.Round
	// panelists are the current users among the earlier round's panelists
	// re-invited (all, or the responders); settled are the items whose
	// decisive measure reached consensus there (with SkipConsensus). Both
	// are read only when carryProblem finds nothing.
	panelists []models.User
	settled   map[string]bool
}

// carryProblem says why a new round of m may not carry on from prev ("":
// it may).
func carryProblem(prev models.Round, m models.TaskModel) string {
	switch {
	case prev.ModelID != m.ID:
		return fmt.Sprintf("round %d belongs to another model", prev.ID)
	case prev.Status != models.RoundClosed:
		return fmt.Sprintf("round %d is %s; carry on from a closed round", prev.ID, prev.Status)
	}
	return ""
}

// settledItems are the items whose decisive measure reached consensus
// (in or out), by item id.
func settledItems(res []ItemResult) map[string]bool {
	settled := map[string]bool{}
	for _, ir := range res {
		if ir.Measure == DecisiveMeasure(ir.Target) && ir.Consensus.Consensus != stats.ConsensusNone {
			settled[itemID(ir.Target)] = true
		}
	}
	return settled
}

// roundPlan collects a new round's field errors in request order.
type roundPlan struct{ errs []models.FieldError }

func (p *roundPlan) add(field, format string, args ...any) {
	p.errs = append(p.errs, models.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// planRound is the pure part of creating a round: it checks in against
// version v of model m at time now, with the users in.Panelists names
// (named) and what a carried-on round brings (nil without CarryFrom), and
// returns the round to store (without number, status, salt or creator),
// the sorted panelists to invite, and every field error.
func planRound(in RoundInput, m models.TaskModel, v models.Version, now time.Time, named []models.User, carry *carried) (models.Round, []int64, []models.FieldError) {
	var p roundPlan
	scale := models.RatingScale{Min: 1, Max: 9}
	if in.Scale != nil {
		scale = *in.Scale
	}
	rule, rerrs := toStatsRule(in.Rule).Resolve(toStatsScale(scale))
	for _, e := range rerrs {
		p.add(e.Field, "%s", e.Message)
	}
	if in.ClosesAt != nil && !in.ClosesAt.After(now) {
		p.add("closes_at", "must be in the future")
	}
	// The size of panelists and the words of reinvite are the request's
	// tags (api roundCreateRequest). min_group's floor is checked here as
	// well: it is the anonymity of every round, whoever creates it.
	minGroup := models.DefaultMinGroup
	if in.MinGroup != nil {
		minGroup = *in.MinGroup
		if minGroup < models.LeastMinGroup || minGroup > MaxPanelists {
			p.add("min_group", "must be a whole number from %d to %d, not %d", models.LeastMinGroup, MaxPanelists, minGroup)
		}
	}
	invite, seen := p.panelists(in.Panelists, named)
	items := p.items(versionItems(v.Content), in.Items, v.Number)
	reinvite := in.Reinvite
	if carry == nil {
		if reinvite != "" {
			p.add("reinvite", "applies only with carry_from")
		}
		if in.SkipConsensus {
			p.add("skip_consensus", "applies only with carry_from")
		}
	} else {
		if reinvite == "" {
			reinvite = models.ReinviteAll
		}
		invite, items = p.carry(carry, m, invite, seen, items)
	}
	if len(p.errs) == 0 && len(invite) == 0 {
		p.add("panelists", "invite at least one panelist")
	}
	if len(p.errs) == 0 && len(items) == 0 {
		p.add("items", "no items are left to rate")
	}
	if len(p.errs) > 0 {
		return models.Round{}, nil, p.errs
	}
	slices.Sort(invite)
	var closes *time.Time
	if in.ClosesAt != nil {
		t := in.ClosesAt.UTC().Truncate(time.Microsecond)
		closes = &t
	}
	r := models.Round{ModelID: m.ID, ModelSlug: m.Slug, VersionID: v.ID, VersionNumber: v.Number, Scale: scale,
		Rule: models.ConsensusRule(rule), Items: items, ClosesAt: closes, CarryFrom: in.CarryFrom,
		SkipConsensus: in.SkipConsensus, Reinvite: reinvite, MinGroup: minGroup}
	return r, invite, nil
}

// panelists checks the panelists a request names (ids, resolved to the
// users named) and returns those invited, and for each its position in
// ids plus one.
func (p *roundPlan) panelists(ids []int64, named []models.User) ([]int64, map[int64]int) {
	invite := []int64{}
	seen := map[int64]int{}
	if len(ids) == 0 || len(ids) > MaxPanelists {
		return invite, seen
	}
	byID := map[int64]models.User{}
	for _, u := range named {
		byID[u.ID] = u
	}
	for i, id := range ids {
		f := fmt.Sprintf("panelists[%d]", i)
		u, ok := byID[id]
		switch {
		case !ok:
			p.add(f, "no user has id %d", id)
		case u.Role != models.RolePanelist:
			p.add(f, "user %d has role %s; only panelists are invited", id, u.Role)
		case seen[id] > 0:
			p.add(f, "duplicates panelists[%d]", seen[id]-1)
		default:
			seen[id] = i + 1
			invite = append(invite, id)
		}
	}
	return invite, seen
}

// items checks the items a request picks from all (the version's items,
// in version order); nil picks every item. The result keeps version order.
func (p *roundPlan) items(all, pick []models.ItemRef, version int) []models.ItemRef {
	if pick == nil {
		return all
	}
	known := map[string]bool{}
	for _, it := range all {
		known[itemID(it)] = true
	}
	picked := map[string]int{}
	if len(pick) == 0 {
		p.add("items", "must name at least one item (or be left out for every item)")
	}
	for i, it := range pick {
		f := fmt.Sprintf("items[%d]", i)
		switch it.Type {
		case models.ItemStage:
			it = models.ItemRef{Type: it.Type, Key: it.Key}
		case models.ItemTransition:
			it = models.ItemRef{Type: it.Type, From: it.From, To: it.To}
		default:
			p.add(f+".type", "must be stage or transition")
			continue
		}
		id := itemID(it)
		switch {
		case !known[id]:
			p.add(f, "names no %s of version %d", ItemLabel(it), version)
		case picked[id] > 0:
			p.add(f, "duplicates items[%d]", picked[id]-1)
		default:
			picked[id] = i + 1
		}
	}
	var sub []models.ItemRef
	for _, it := range all {
		if picked[itemID(it)] > 0 {
			sub = append(sub, it)
		}
	}
	return sub
}

// carry checks the round carried on from and adds its re-invited
// panelists (those not already named) and, with SkipConsensus, drops the
// items settled there.
func (p *roundPlan) carry(c *carried, m models.TaskModel, invite []int64, seen map[int64]int, items []models.ItemRef) ([]int64, []models.ItemRef) {
	if c.prev == nil {
		p.add("carry_from", "no round %d", c.id)
		return invite, items
	}
	if why := carryProblem(*c.prev, m); why != "" {
		p.add("carry_from", "%s", why)
		return invite, items
	}
	for _, u := range c.panelists {
		if u.Role == models.RolePanelist && seen[u.ID] == 0 {
			seen[u.ID] = -1
			invite = append(invite, u.ID)
		}
	}
	if c.settled != nil {
		items = slices.DeleteFunc(items, func(it models.ItemRef) bool { return c.settled[itemID(it)] })
	}
	return invite, items
}
