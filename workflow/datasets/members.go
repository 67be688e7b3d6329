package datasets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/dataset"
)

// MemberStore is the persistence of dataset teams and of the blind-coding
// state.
type MemberStore interface {
	// DatasetMember is ErrNotFound when the user is not on the team.
	DatasetMember(ctx context.Context, datasetID, userID int64) (models.DatasetMember, error)
	DatasetMembers(ctx context.Context, datasetID int64) ([]models.DatasetMember, error)
	ReplaceDatasetMembers(ctx context.Context, datasetID int64, by int64, ms []models.DatasetMember, now time.Time) error
	ListMemberDatasets(ctx context.Context, userID int64, p models.Page) ([]models.Dataset, error)
	SetDatasetUnblinded(ctx context.Context, id int64, at time.Time, by int64) error
	DeleteCoderEvents(ctx context.Context, datasetID int64, coder string, sessions []models.SessionKey) (int, error)
}

// DatasetAccess is what one user may do with one dataset (api.md "Who sees
// what"). Member: on the dataset's team (or an admin); PI: a team PI (the
// creator or a co-investigator) or an admin, who sees and changes
// everything; Coder: the name the member codes under ("" for admins and
// for PIs who gave none); Unblinded: a team PI has opened the coders' work
// to each other.
type DatasetAccess struct {
	Member, PI bool
	Coder      string
	Unblinded  bool
}

// Blind reports whether the member is a coder who may see only their own
// events: no other coder's events, no reliability, no consensus.
func (a DatasetAccess) Blind() bool { return a.Member && !a.PI && !a.Unblinded }

// DatasetAccess says what actor may do with d. Admins are Member and PI;
// the dataset's creator is always a PI of its team; anyone else is what
// their team membership says, and not a Member without one.
func (s *Service) DatasetAccess(ctx context.Context, actor models.User, d models.Dataset) (DatasetAccess, error) {
	acc := DatasetAccess{Unblinded: d.UnblindedAt != nil}
	if actor.Role == models.RoleAdmin {
		acc.Member, acc.PI = true, true
		return acc, nil
	}
	if actor.Role != models.RolePI && actor.Role != models.RoleCoder {
		return acc, nil
	}
	m, err := s.store.DatasetMember(ctx, d.ID, actor.ID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		if actor.ID == d.OwnerID {
			acc.Member, acc.PI = true, true
		}
		return acc, nil
	case err != nil:
		return acc, err
	}
	acc.Member = true
	acc.PI = m.Role == models.MemberPI || actor.ID == d.OwnerID
	acc.Coder = m.Coder
	return acc, nil
}

// errNoDataset is what a non-member learns about a dataset: nothing.
func errNoDataset() error { return models.Errf(models.ErrNotFound, "dataset not found") }

// DatasetFor loads dataset id for actor: 403 for roles that never work with
// datasets, 404 when the dataset does not exist or actor is not on its
// team.
func (s *Service) DatasetFor(ctx context.Context, actor models.User, id int64) (models.Dataset, DatasetAccess, error) {
	if err := canReadDatasets(actor); err != nil {
		return models.Dataset{}, DatasetAccess{}, err
	}
	d, err := s.store.DatasetByID(ctx, id)
	if err != nil {
		return models.Dataset{}, DatasetAccess{}, err
	}
	acc, err := s.DatasetAccess(ctx, actor, d)
	if err != nil {
		return models.Dataset{}, DatasetAccess{}, err
	}
	if !acc.Member {
		return models.Dataset{}, DatasetAccess{}, errNoDataset()
	}
	return d, acc, nil
}

// needTeamPI is the rule of the team-PI-only actions.
func needTeamPI(acc DatasetAccess, what string) error {
	if acc.PI {
		return nil
	}
	return models.Errf(models.ErrForbidden, "only the dataset's team PIs (or an admin) %s", what)
}

// NeedUnblinded is the rule of what a blind coder may not see.
func NeedUnblinded(acc DatasetAccess, what string) error {
	if !acc.Blind() {
		return nil
	}
	return models.Errf(models.ErrForbidden, "blind double coding: a coder sees %s only after a team PI unblinds the dataset", what)
}

// MemberInput is one member of a PUT …/members body. User 0 is missing.
type MemberInput struct {
	User  int64
	Role  string
	Coder string
}

// SetMembers replaces a dataset's team (team PIs and admins). The creator
// always stays a PI: left out, they are kept as they were; listed, they
// must be listed as a PI. Every member must be an existing user whose role
// fits the member role (PIs for "pi", coders for "coder"), listed once;
// coders need a coder name; a coder name is unique in the team, follows
// the rules of the events file's coder column and is not "consensus" for
// a coder (the consensus step writes under it). Every bad field is named.
// in nil (the field missing) is invalid; empty leaves the creator alone.
func (s *Service) SetMembers(ctx context.Context, actor models.User, id int64, in []MemberInput) (DatasetInfo, error) {
	var out DatasetInfo
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		d, acc, err := s.DatasetFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := needTeamPI(acc, "change its team"); err != nil {
			return err
		}
		if in == nil {
			return models.InvalidField("members", "is required: a list of {user, role, coder}; the creator stays without being listed")
		}
		if err := s.store.LockDataset(ctx, id, s.core.Now()); err != nil {
			return err
		}
		old, err := s.store.DatasetMembers(ctx, id)
		if err != nil {
			return err
		}
		ms, err := s.checkMembers(ctx, d, old, in)
		if err != nil {
			return err
		}
		if err := s.store.ReplaceDatasetMembers(ctx, id, actor.ID, ms, s.core.Now()); err != nil {
			return err
		}
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = fmt.Sprintf("user:%d=%s", m.UserID, m.Role)
			if m.Coder != "" {
				parts[i] += "(" + m.Coder + ")"
			}
		}
		if err := s.core.Audit(ctx, actor, "dataset.members", "dataset", core.Itoa(id), strings.Join(parts, " ")); err != nil {
			return err
		}
		// The caller's access as the new team has it (their coder name may
		// have changed); a PI who left the team still gets the team they set.
		now, err := s.DatasetAccess(ctx, actor, d)
		if err != nil {
			return err
		}
		if now.Member {
			acc = now
		}
		out, err = s.datasetInfo(ctx, d, acc)
		return err
	})
	return out, err
}

// checkMembers validates a new member list against the users table and
// returns the team to store, creator included.
func (s *Service) checkMembers(ctx context.Context, d models.Dataset, old []models.DatasetMember, in []MemberInput) ([]models.DatasetMember, error) {
	var ids []int64
	for _, m := range in {
		if m.User > 0 {
			ids = append(ids, m.User)
		}
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out, errs := planMembers(d, old, in, users)
	if err := models.Invalid(errs); err != nil {
		return nil, err
	}
	return out, nil
}

// planMembers is the pure part of checkMembers: the new team of d from
// the members requested (in), the users they name and the team before
// (old), or every problem named by its field.
func planMembers(d models.Dataset, old []models.DatasetMember, in []MemberInput, users []models.User) ([]models.DatasetMember, []models.FieldError) {
	mc := memberCheck{d: d, byID: make(map[int64]models.User, len(users)), seenUser: map[int64]int{}, seenCoder: map[string]int{}}
	for _, u := range users {
		mc.byID[u.ID] = u
	}
	creatorListed := false
	var out []models.DatasetMember
	for i, m := range in {
		coder := mc.member(i, m)
		if m.User == d.OwnerID {
			creatorListed = true
		}
		out = append(out, models.DatasetMember{DatasetID: d.ID, UserID: m.User, Role: m.Role, Coder: coder})
	}
	if !creatorListed {
		// The creator stays as they were.
		creator := models.DatasetMember{DatasetID: d.ID, UserID: d.OwnerID, Role: models.MemberPI}
		if k := slices.IndexFunc(old, func(m models.DatasetMember) bool { return m.UserID == d.OwnerID }); k >= 0 {
			creator.Coder, creator.AddedAt = old[k].Coder, old[k].AddedAt
		}
		if j, dup := mc.seenCoder[creator.Coder]; dup && creator.Coder != "" {
			mc.errs = append(mc.errs, models.FieldError{Field: fmt.Sprintf("members[%d].coder", j),
				Message: fmt.Sprintf("%q is the coder name of the dataset's creator", creator.Coder)})
		}
		out = append([]models.DatasetMember{creator}, out...)
	}
	if len(mc.errs) > 0 {
		return nil, mc.errs
	}
	// Keep when each member joined.
	for i := range out {
		if k := slices.IndexFunc(old, func(m models.DatasetMember) bool { return m.UserID == out[i].UserID }); k >= 0 && out[i].AddedAt.IsZero() {
			out[i].AddedAt = old[k].AddedAt
		}
	}
	return out, mc.errs
}

// memberCheck is planMembers' state: the users named, the first member
// naming each user and coder name, and the errors so far.
type memberCheck struct {
	d         models.Dataset
	byID      map[int64]models.User
	seenUser  map[int64]int
	seenCoder map[string]int
	errs      []models.FieldError
}

func (mc *memberCheck) bad(i int, field, format string, args ...any) {
	mc.errs = append(mc.errs, models.FieldError{Field: fmt.Sprintf("members[%d].%s", i, field), Message: fmt.Sprintf(format, args...)})
}

// member checks members[i]'s user, role and coder name and returns the
// coder name.
func (mc *memberCheck) member(i int, m MemberInput) string {
	u, known := mc.byID[m.User]
	switch {
	case m.User <= 0:
		mc.bad(i, "user", "is required: a user id")
	case !known:
		mc.bad(i, "user", "no user %d", m.User)
	default:
		if j, dup := mc.seenUser[m.User]; dup {
			mc.bad(i, "user", "duplicate of members[%d].user", j)
		}
		mc.seenUser[m.User] = i
	}
	switch m.Role {
	case models.MemberPI:
		if known && u.Role != models.RolePI && m.User != mc.d.OwnerID {
			mc.bad(i, "role", "user %d is a %s; only PIs join a team as \"pi\"", m.User, u.Role)
		}
	case models.MemberCoder:
		if m.User == mc.d.OwnerID {
			mc.bad(i, "role", "the dataset's creator stays a PI of its team")
		} else if known && u.Role != models.RoleCoder {
			mc.bad(i, "role", "user %d is a %s; only coders join a team as \"coder\"", m.User, u.Role)
		}
	case "":
		mc.bad(i, "role", `is required: "pi" or "coder"`)
	default:
		mc.bad(i, "role", `must be "pi" or "coder", not %q`, m.Role)
	}
	coder := strings.TrimSpace(m.Coder)
	switch {
	case coder != m.Coder:
		mc.bad(i, "coder", "must not begin or end with spaces")
	case coder == "" && m.Role == models.MemberCoder:
		mc.bad(i, "coder", "is required for a coder: the name they code under in the events files")
	case coder == "":
	case dataset.CheckLabel(coder) != "":
		mc.bad(i, "coder", "%s", dataset.CheckLabel(coder))
	case coder == models.ConsensusCoder && m.Role == models.MemberCoder:
		mc.bad(i, "coder", "%q is where the consensus step writes; a coder codes under a name of their own", models.ConsensusCoder)
	default:
		if j, dup := mc.seenCoder[coder]; dup {
			mc.bad(i, "coder", "duplicate of members[%d].coder: a coder name belongs to one member", j)
		}
		mc.seenCoder[coder] = i
	}
	return coder
}

// Members returns a dataset's team (team PIs and admins; a coder member
// gets 403).
func (s *Service) Members(ctx context.Context, actor models.User, id int64) ([]models.DatasetMember, error) {
	_, acc, err := s.DatasetFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := needTeamPI(acc, "see its team"); err != nil {
		return nil, err
	}
	return s.store.DatasetMembers(ctx, id)
}

// Unblind opens a blind-coded dataset (team PIs and admins): from then on
// its coders see each other's events, the reliability and the consensus.
// It is audited and cannot be undone; unblinding an open dataset is a
// conflict.
func (s *Service) Unblind(ctx context.Context, actor models.User, id int64) (DatasetInfo, error) {
	var out DatasetInfo
	if err := canReadDatasets(actor); err != nil {
		return DatasetInfo{}, err
	}
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		// Lock first, so that of two concurrent requests the second sees
		// the first's unblinding (a refusal rolls the lock back).
		if err := s.store.LockDataset(ctx, id, s.core.Now()); err != nil {
			return err
		}
		d, acc, err := s.DatasetFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := needTeamPI(acc, "unblind it"); err != nil {
			return err
		}
		if d.UnblindedAt != nil {
			return models.Errf(models.ErrConflict, "the dataset was unblinded at %s", d.UnblindedAt.Format(time.RFC3339))
		}
		now := s.core.Now()
		if err := s.store.SetDatasetUnblinded(ctx, id, now, actor.ID); err != nil {
			return err
		}
		if err := s.core.Audit(ctx, actor, "dataset.unblind", "dataset", core.Itoa(id), ""); err != nil {
			return err
		}
		d.UnblindedAt, d.UnblindedBy = &now, &actor.ID
		d.UpdatedAt = now
		acc.Unblinded = true
		out, err = s.datasetInfo(ctx, d, acc)
		return err
	})
	return out, err
}

// datasetInfo is d with its counts as acc may see them, and its team when
// acc is a team PI.
func (s *Service) datasetInfo(ctx context.Context, d models.Dataset, acc DatasetAccess) (DatasetInfo, error) {
	st, err := s.store.DatasetStats(ctx, d.ID)
	if err != nil {
		return DatasetInfo{}, err
	}
	out := DatasetInfo{Dataset: d, Stats: blindStats(st, acc), Access: acc}
	if acc.PI {
		if out.Members, err = s.store.DatasetMembers(ctx, d.ID); err != nil {
			return DatasetInfo{}, err
		}
	}
	return out, nil
}

// blindStats keeps, for a blind coder, only their own events in the counts.
func blindStats(st models.DatasetStats, acc DatasetAccess) models.DatasetStats {
	if !acc.Blind() {
		return st
	}
	st.Events = 0
	own := []models.CoderCount{}
	for _, c := range st.Coders {
		if c.Coder == acc.Coder {
			own = append(own, c)
			st.Events = c.Events
		}
	}
	st.Coders = own
	return st
}
