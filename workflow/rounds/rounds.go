package rounds

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/stats"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Limits of a round and a review.
const (
	MaxPanelists          = 1000
	MaxProposalsPerReview = 50
)

// RoundInput is what a PI sends to create a round. A nil Scale is 1-9; an
// empty rule name is percent_agree; nil Items are every stage and
// transition of the version. CarryFrom names an earlier closed round of
// the model: its panelists are re-invited (Reinvite "all", the default, or
// "responders") in addition to Panelists, and with SkipConsensus the items
// whose decisive measure (stage relevance, transition agreement) reached
// consensus there (in or out) are left out.
type RoundInput struct {
	Panelists     []int64
	Scale         *models.RatingScale
	Rule          models.ConsensusRule
	ClosesAt      *time.Time
	Items         []models.ItemRef
	CarryFrom     *int64
	SkipConsensus bool
	Reinvite      string
	// MinGroup (nil: models.DefaultMinGroup) is the fewest ratings of an
	// item shown as statistics.
	MinGroup *int
}

// RoundView is a round as one caller may see it. Panelists (names and
// whether each responded, never what) is filled for the model's PI and
// admins only; Responded and OwnResponded are counts and the caller's own
// state.
type RoundView struct {
	Round        models.Round
	Manager      bool
	Invited      int
	Responded    int
	Panelists    []models.RoundPanelist
	OwnResponded *bool
}

// DecisiveMeasure is the measure whose consensus decides whether an item
// is settled: relevance for a stage, agreement for a transition.
func DecisiveMeasure(it models.ItemRef) string {
	if it.Type == models.ItemStage {
		return models.MeasureRelevance
	}
	return models.MeasureAgreement
}

// ItemLabel renders an item as "stage S3" or "transition S1->S2".
func ItemLabel(it models.ItemRef) string {
	if it.Type == models.ItemStage {
		return "stage " + it.Key
	}
	return "transition " + it.From + "->" + it.To
}

func itemID(it models.ItemRef) string {
	if it.Type == models.ItemStage {
		return "s:" + it.Key
	}
	return "t:" + it.From + "\x00" + it.To
}

// versionItems lists every item of a version: its stages, then its
// transitions, in version order.
func versionItems(c models.Content) []models.ItemRef {
	out := make([]models.ItemRef, 0, len(c.Stages)+len(c.Transitions))
	for _, st := range c.Stages {
		out = append(out, models.ItemRef{Type: models.ItemStage, Key: st.Key})
	}
	for _, t := range c.Transitions {
		out = append(out, models.ItemRef{Type: models.ItemTransition, From: t.From, To: t.To})
	}
	return out
}

func toStatsRule(r models.ConsensusRule) stats.Rule { return stats.Rule(r) }

func toStatsScale(s models.RatingScale) stats.Scale { return stats.Scale{Min: s.Min, Max: s.Max} }

func newSalt() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Pseudonyms assigns P1..Pn to a round's panelists: ordered by
// HMAC-SHA256 under the round's secret salt, so the numbering is stable
// for the round, unrelated to user ids or invitation order, and different
// in every round.
func Pseudonyms(r models.Round, panelists []int64) map[int64]string {
	type keyed struct {
		id  int64
		mac []byte
	}
	ks := make([]keyed, len(panelists))
	for i, id := range panelists {
		m := hmac.New(sha256.New, []byte(r.Salt))
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(id))
		m.Write(b[:])
		ks[i] = keyed{id, m.Sum(nil)}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(string(a.mac), string(b.mac)) })
	out := make(map[int64]string, len(ks))
	for i, k := range ks {
		out[k.id] = fmt.Sprintf("P%d", i+1)
	}
	return out
}

// roundAccess says how actor relates to round r: on the model team
// (manager), an invited panelist, or neither. A round is known only to the
// model team and the panelists it invites; to anyone else, other PIs and
// uninvited panelists included, it does not exist (ErrNotFound).
func (s *Service) roundAccess(ctx context.Context, actor models.User, r models.Round) (manager, invited bool, err error) {
	switch actor.Role {
	case models.RoleAdmin:
		return true, false, nil
	case models.RolePI:
		m, err := s.store.ModelBySlug(ctx, r.ModelSlug)
		if err != nil {
			return false, false, err
		}
		on, err := s.versions.OnModelTeam(ctx, actor, m)
		if err != nil {
			return false, false, err
		}
		if on {
			return true, false, nil
		}
	case models.RolePanelist:
		ok, err := s.store.IsInvited(ctx, r.ID, actor.ID)
		if err != nil {
			return false, false, err
		}
		if ok {
			return false, true, nil
		}
	}
	return false, false, models.Errf(models.ErrNotFound, "round %d not found", r.ID)
}

func (s *Service) loadRound(ctx context.Context, actor models.User, id int64) (models.Round, bool, bool, error) {
	r, err := s.store.RoundByID(ctx, id)
	if err != nil {
		return r, false, false, err
	}
	manager, invited, err := s.roundAccess(ctx, actor, r)
	return r, manager, invited, err
}

func (s *Service) manageRound(ctx context.Context, actor models.User, id int64) (models.Round, error) {
	r, manager, _, err := s.loadRound(ctx, actor, id)
	if err != nil {
		return r, err
	}
	if !manager {
		return r, models.Errf(models.ErrForbidden, "only the model's PI or an admin manages round %d", id)
	}
	return r, nil
}

// CreateRound creates a draft round on version n, which must be in review.
func (s *Service) CreateRound(ctx context.Context, actor models.User, slug string, n int, in RoundInput) (models.Round, error) {
	var out models.Round
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		m, v, err := s.versions.LoadForChange(ctx, actor, slug, n)
		if err != nil {
			return err
		}
		if v.Status != models.StatusInReview {
			return models.Errf(models.ErrConflict, "version %d is %s; a panel reviews a version in review (submit it first)", n, v.Status)
		}
		r, panelists, err := s.buildRound(ctx, m, v, in)
		if err != nil {
			return err
		}
		now := s.core.Now()
		if err := s.store.LockModel(ctx, m.ID, now); err != nil {
			return err
		}
		num, err := s.store.MaxRoundNumber(ctx, m.ID)
		if err != nil {
			return err
		}
		if r.Salt, err = newSalt(); err != nil {
			return err
		}
		r.Number, r.Status, r.CreatedBy, r.CreatedAt, r.UpdatedAt = num+1, models.RoundDraft, actor.ID, now, now
		if err := s.store.CreateRound(ctx, &r, panelists); err != nil {
			return err
		}
		out = r
		return s.core.Audit(ctx, actor, "round.create", "round", core.Itoa(r.ID), fmt.Sprintf("%s/%d round %d, %d panelists", slug, n, r.Number, len(panelists)))
	})
	return out, err
}

// buildRound validates the input against the version and resolves
// defaults, panelists and items: it loads the panelists named and what a
// carried-on round brings (loadCarry), and planRound decides.
func (s *Service) buildRound(ctx context.Context, m models.TaskModel, v models.Version, in RoundInput) (models.Round, []int64, error) {
	var named []models.User
	if len(in.Panelists) > 0 && len(in.Panelists) <= MaxPanelists {
		var err error
		if named, err = s.store.UsersByIDs(ctx, in.Panelists); err != nil {
			return models.Round{}, nil, err
		}
	}
	carry, err := s.loadCarry(ctx, m, in)
	if err != nil {
		return models.Round{}, nil, err
	}
	r, invite, errs := planRound(in, m, v, s.core.Now(), named, carry)
	if err := models.Invalid(errs); err != nil {
		return models.Round{}, nil, err
	}
	return r, invite, nil
}

// loadCarry loads what in.CarryFrom brings to a new round of m: the
// earlier round, and when it may be carried on from (carryProblem), its
// panelists who are re-invited and the items that reached consensus there.
func (s *Service) loadCarry(ctx context.Context, m models.TaskModel, in RoundInput) (*carried, error) {
	if in.CarryFrom == nil {
		return nil, nil
	}
	prev, err := s.store.RoundByID(ctx, *in.CarryFrom)
	if errors.Is(err, models.ErrNotFound) {
		return &carried{id: *in.CarryFrom}, nil
	}
	if err != nil {
		return nil, err
	}
	c := &carried{id: prev.ID, prev: &prev}
	if carryProblem(prev, m) != "" {
		return c, nil
	}
	pans, err := s.store.RoundPanelists(ctx, prev.ID)
	if err != nil {
		return nil, err
	}
	reinvite := in.Reinvite
	if reinvite == "" {
		reinvite = models.ReinviteAll
	}
	ids := make([]int64, 0, len(pans))
	for _, p := range pans {
		if reinvite == models.ReinviteAll || p.RespondedAt != nil {
			ids = append(ids, p.UserID)
		}
	}
	if c.panelists, err = s.store.UsersByIDs(ctx, ids); err != nil {
		return nil, err
	}
	if in.SkipConsensus {
		res, err := s.roundStats(ctx, prev)
		if err != nil {
			return nil, err
		}
		c.settled = settledItems(res)
	}
	return c, nil
}

// Round returns round id as actor may see it.
func (s *Service) Round(ctx context.Context, actor models.User, id int64) (RoundView, error) {
	r, manager, _, err := s.loadRound(ctx, actor, id)
	if err != nil {
		return RoundView{}, err
	}
	return s.roundView(ctx, actor, r, manager)
}

func (s *Service) roundView(ctx context.Context, actor models.User, r models.Round, manager bool) (RoundView, error) {
	pans, err := s.store.RoundPanelists(ctx, r.ID)
	if err != nil {
		return RoundView{}, err
	}
	v := RoundView{Round: r, Manager: manager, Invited: len(pans)}
	for _, p := range pans {
		if p.RespondedAt != nil {
			v.Responded++
		}
		if p.UserID == actor.ID {
			done := p.RespondedAt != nil
			v.OwnResponded = &done
		}
	}
	if manager {
		v.Panelists = pans
	}
	return v, nil
}

// ListRounds lists the rounds on version n: all of them for the model's
// PI and admins, the ones they are invited to for a panelist.
func (s *Service) ListRounds(ctx context.Context, actor models.User, slug string, n int, p models.Page) ([]RoundView, error) {
	m, v, err := s.versions.VisibleVersion(ctx, actor, slug, n)
	if err != nil {
		return nil, err
	}
	on, err := s.versions.OnModelTeam(ctx, actor, m)
	if err != nil {
		return nil, err
	}
	var onlyFor int64
	switch {
	case on:
	case actor.Role == models.RolePanelist:
		onlyFor = actor.ID
	default:
		return nil, models.Errf(models.ErrForbidden, "only the model's team, an admin or its panelists list its rounds")
	}
	rs, err := s.store.ListRounds(ctx, v.ID, onlyFor, p)
	if err != nil {
		return nil, err
	}
	return s.roundViews(ctx, actor, rs, onlyFor == 0)
}

// roundViews is roundView of each round of a list.
func (s *Service) roundViews(ctx context.Context, actor models.User, rs []models.Round, manager bool) ([]RoundView, error) {
	out := make([]RoundView, 0, len(rs))
	for _, r := range rs {
		rv, err := s.roundView(ctx, actor, r, manager)
		if err != nil {
			return nil, err
		}
		out = append(out, rv)
	}
	return out, nil
}

// MyRounds lists, across models, the rounds a panelist is invited to, the
// rounds of a PI's models, or every round for an admin, so that nobody
// has to know where a round lives to find it.
func (s *Service) MyRounds(ctx context.Context, actor models.User, p models.Page) ([]RoundView, error) {
	var invited, owner int64
	switch actor.Role {
	case models.RoleAdmin:
	case models.RolePI:
		owner = actor.ID
	case models.RolePanelist:
		invited = actor.ID
	default:
		return nil, models.Errf(models.ErrForbidden, "only PIs, admins and panelists have panel rounds")
	}
	rs, err := s.store.ListRoundsFor(ctx, invited, owner, p)
	if err != nil {
		return nil, err
	}
	return s.roundViews(ctx, actor, rs, invited == 0)
}

// RoundAction is a step of the round lifecycle.
type RoundAction string

// Round actions: open (draft → open) and close (open → closed).
const (
	RoundActionOpen  RoundAction = "open"
	RoundActionClose RoundAction = "close"
)

// TransitionRound opens or closes a round (the model's PI or an admin).
func (s *Service) TransitionRound(ctx context.Context, actor models.User, id int64, action RoundAction, note string) (RoundView, error) {
	var errs []models.FieldError
	core.CheckText(&errs, "note", note, false, 5000)
	if err := models.Invalid(errs); err != nil {
		return RoundView{}, err
	}
	var from, to models.RoundStatus
	switch action {
	case RoundActionOpen:
		from, to = models.RoundDraft, models.RoundOpen
	case RoundActionClose:
		from, to = models.RoundOpen, models.RoundClosed
	default:
		return RoundView{}, models.Errf(models.ErrNotFound, "no round action %q", action)
	}
	var out RoundView
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		r, err := s.manageRound(ctx, actor, id)
		if err != nil {
			return err
		}
		if r.Status != from {
			return models.Errf(models.ErrConflict, "cannot %s round %d: it is %s, and %s needs %s", action, id, r.Status, action, from)
		}
		now := s.core.Now()
		if action == RoundActionOpen {
			m, err := s.store.ModelBySlug(ctx, r.ModelSlug)
			if err != nil {
				return err
			}
			v, err := s.store.VersionByNumber(ctx, m, r.VersionNumber)
			if err != nil {
				return err
			}
			if v.Status != models.StatusInReview {
				return models.Errf(models.ErrConflict, "version %d is %s; a round opens only on a version in review", v.Number, v.Status)
			}
			if r.ClosesAt != nil && !r.ClosesAt.After(now) {
				return models.Errf(models.ErrConflict, "round %d's deadline %s has passed", id, r.ClosesAt.Format(time.RFC3339))
			}
			r.OpenedAt = &now
		} else {
			r.ClosedAt = &now
		}
		r.Status, r.UpdatedAt = to, now
		if err := s.store.UpdateRoundStatus(ctx, r); err != nil {
			return err
		}
		if err := s.core.Audit(ctx, actor, "round."+string(action), "round", core.Itoa(id), note); err != nil {
			return err
		}
		out, err = s.roundView(ctx, actor, r, true)
		return err
	})
	return out, err
}

// SubmitReview stores actor's review of an open round, replacing an
// earlier one. Only invited panelists review, while the round is open and
// before its deadline. The review is validated here and then written by
// the group-commit batcher (batch.go) together with concurrent ones.
func (s *Service) SubmitReview(ctx context.Context, actor models.User, roundID int64, in models.Review) (models.Review, error) {
	r, err := s.store.RoundByID(ctx, roundID)
	if err != nil {
		return models.Review{}, err
	}
	if actor.Role != models.RolePanelist {
		if _, _, err := s.roundAccess(ctx, actor, r); err != nil {
			return models.Review{}, err
		}
		return models.Review{}, models.Errf(models.ErrForbidden, "only invited panelists review; the PI reads the results")
	}
	if _, _, err := s.roundAccess(ctx, actor, r); err != nil {
		return models.Review{}, err
	}
	if err := s.reviewable(r); err != nil {
		return models.Review{}, err
	}
	content, err := s.roundContent(ctx, r)
	if err != nil {
		return models.Review{}, err
	}
	rv, err := validateReview(r, content, in)
	if err != nil {
		return models.Review{}, err
	}
	rv.RoundID, rv.PanelistID = r.ID, actor.ID
	return s.batcher().submit(ctx, actor, rv)
}

// reviewable is the state check before queuing; the batcher repeats it
// inside the transaction that writes the review.
func (s *Service) reviewable(r models.Round) error {
	if r.Status != models.RoundOpen {
		return models.Errf(models.ErrConflict, "round %d is %s; reviews are taken while it is open", r.ID, r.Status)
	}
	if r.ClosesAt != nil && !r.ClosesAt.After(s.core.Now()) {
		return models.Errf(models.ErrConflict, "round %d closed for reviews at %s", r.ID, r.ClosesAt.Format(time.RFC3339))
	}
	return nil
}

// writeReview is one review's write inside the batch transaction: the
// round must still be open and before its deadline.
func (s *Service) writeReview(ctx context.Context, actor models.User, rv *models.Review) error {
	now := s.core.Now()
	ok, err := s.store.LockOpenRound(ctx, rv.RoundID, now)
	if err != nil {
		return err
	}
	if !ok {
		return models.Errf(models.ErrConflict, "round %d is no longer open for reviews (closed or past its deadline)", rv.RoundID)
	}
	rv.UpdatedAt = now
	if err := s.store.SaveReview(ctx, rv); err != nil {
		return err
	}
	return s.core.AuditAs(ctx, "panelist", "review.submit", "round", core.Itoa(rv.RoundID), fmt.Sprintf("revision %d", rv.Revision))
}

// MyReview returns actor's own review of a round.
func (s *Service) MyReview(ctx context.Context, actor models.User, roundID int64) (models.Review, error) {
	r, err := s.store.RoundByID(ctx, roundID)
	if err != nil {
		return models.Review{}, err
	}
	_, invited, err := s.roundAccess(ctx, actor, r)
	if err != nil {
		return models.Review{}, err
	}
	if !invited {
		return models.Review{}, models.Errf(models.ErrForbidden, "only panelists have reviews; the PI reads the results")
	}
	rv, err := s.store.ReviewOf(ctx, roundID, actor.ID)
	if errors.Is(err, models.ErrNotFound) {
		return rv, models.Errf(models.ErrNotFound, "you have not reviewed round %d yet", roundID)
	}
	return rv, err
}

func checkRating(errs *[]models.FieldError, field string, v *int, s models.RatingScale) {
	if v != nil && (*v < s.Min || *v > s.Max) {
		*errs = append(*errs, models.FieldError{Field: field, Message: fmt.Sprintf("must be a whole number on the round's scale %d-%d, not %d", s.Min, s.Max, *v)})
	}
}

// validateReview checks a review against the round and its version and
// returns it normalized (proposal payloads in canonical form).
func validateReview(r models.Round, c models.Content, in models.Review) (models.Review, error) {
	var errs []models.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, models.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	inRound := map[string]bool{}
	for _, it := range r.Items {
		inRound[itemID(it)] = true
	}
	stages := map[string]bool{}
	for _, st := range c.Stages {
		stages[st.Key] = true
	}
	trans := map[[2]string]bool{}
	for _, t := range c.Transitions {
		trans[[2]string{t.From, t.To}] = true
	}
	if len(in.Stages) > versions.MaxStages {
		add("stages", "at most %d stages", versions.MaxStages)
	}
	if len(in.Transitions) > versions.MaxTransitions {
		add("transitions", "at most %d transitions", versions.MaxTransitions)
	}
	if len(in.Proposals) > MaxProposalsPerReview {
		add("proposals", "at most %d proposals", MaxProposalsPerReview)
	}
	if len(errs) > 0 {
		return in, models.Invalid(errs)
	}
	seen := map[string]int{}
	for i, st := range in.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		id := itemID(models.ItemRef{Type: models.ItemStage, Key: st.Key})
		switch {
		case !stages[st.Key]:
			add(p+".key", "names no stage of version %d: %q", r.VersionNumber, st.Key)
		case !inRound[id]:
			add(p+".key", "stage %q is not among the items of round %d", st.Key, r.Number)
		case seen[id] > 0:
			add(p+".key", "duplicates stages[%d]", seen[id]-1)
		default:
			seen[id] = i + 1
		}
		checkRating(&errs, p+".relevance", st.Relevance, r.Scale)
		checkRating(&errs, p+".clarity", st.Clarity, r.Scale)
		core.CheckText(&errs, p+".comment", st.Comment, false, versions.MaxComment)
	}
	for i, t := range in.Transitions {
		p := fmt.Sprintf("transitions[%d]", i)
		it := models.ItemRef{Type: models.ItemTransition, From: t.From, To: t.To}
		id := itemID(it)
		switch {
		case !trans[[2]string{t.From, t.To}]:
			add(p, "names no transition of version %d: %s -> %s", r.VersionNumber, t.From, t.To)
		case !inRound[id]:
			add(p, "transition %s -> %s is not among the items of round %d", t.From, t.To, r.Number)
		case seen[id] > 0:
			add(p, "duplicates transitions[%d]", seen[id]-1)
		default:
			seen[id] = i + 1
		}
		checkRating(&errs, p+".agreement", t.Agreement, r.Scale)
		core.CheckText(&errs, p+".comment", t.Comment, false, versions.MaxComment)
	}
	props, perrs := versions.CheckProposals(c, in.Proposals)
	errs = append(errs, perrs...)
	out := models.Review{Stages: in.Stages, Transitions: in.Transitions, Proposals: props}
	if out.Stages == nil {
		out.Stages = []models.StageReview{}
	}
	if out.Transitions == nil {
		out.Transitions = []models.TransitionReview{}
	}
	return out, models.Invalid(errs)
}

// ItemResult is the statistics of one measure of one item.
type ItemResult struct {
	Target    models.ItemRef
	Measure   string
	Ratings   []int
	Desc      stats.Description
	Consensus stats.ItemConsensus
	// Suppressed marks an item rated by fewer than the round's min_group
	// panelists: only its n is kept (Ratings, Desc and Consensus are
	// empty, and it never counts as having reached consensus).
	Suppressed bool
	// Set from the second round on, for items the previous round rated.
	Stability *float64
	Previous  *ItemResult
	// Own is the caller's own rating (panelists, after close).
	Own *int
}

// DroppedItem is an item of the previous round that this round does not
// rate, and why: "consensus" (left out because it reached consensus),
// "removed" (no longer in the version) or "not_selected".
type DroppedItem struct {
	Target models.ItemRef
	Reason string
}

// RoundResults is the group feedback of a round.
type RoundResults struct {
	Round     models.Round
	Rule      stats.Rule
	Invited   int
	Responded int
	Items     []ItemResult
	// SCVIAve and SCVIUA are defined on the 1-4 scale only, over the
	// stage-relevance items that are not suppressed (SCVIItems of them);
	// KendallW when at least two panelists, and no fewer than min_group,
	// rated at least two stages' relevance.
	SCVIAve, SCVIUA *float64
	SCVIItems       int
	KendallW        *float64
	Kendall         *stats.KendallW
	// From the second round on.
	Previous         *models.Round
	ReachedConsensus []models.ItemRef
	Dropped          []DroppedItem
	CarriedOver      []models.ItemRef
	// Own is the caller's own review (panelists, after close).
	Own *models.Review
}

// Results computes a round's statistics for the model team and the
// invited panelists (with their own answers beside the group's), after
// the round closes only: results that change while reviews come in would
// tell whoever watches them what the latest responder answered. Results
// carry no identities, and an item rated by fewer than min_group
// panelists shows only its n (see computeItems).
func (s *Service) Results(ctx context.Context, actor models.User, roundID int64) (RoundResults, error) {
	r, _, invited, err := s.loadRound(ctx, actor, roundID)
	if err != nil {
		return RoundResults{}, err
	}
	if r.Status != models.RoundClosed {
		return RoundResults{}, models.Errf(models.ErrForbidden, "the results of round %d are shown after it closes (it is %s)", roundID, r.Status)
	}
	in := resultInputs{round: r}
	if in.reviews, err = s.store.ReviewsOf(ctx, r.ID); err != nil {
		return RoundResults{}, err
	}
	pans, err := s.store.RoundPanelists(ctx, r.ID)
	if err != nil {
		return RoundResults{}, err
	}
	in.invited = len(pans)
	if in.prev, err = s.previousRound(ctx, r); err != nil {
		return RoundResults{}, err
	}
	if in.prev != nil {
		if in.prevReviews, err = s.store.ReviewsOf(ctx, in.prev.ID); err != nil {
			return RoundResults{}, err
		}
		in.current = s.versionKeys(ctx, r)
	}
	if invited {
		own, err := s.store.ReviewOf(ctx, r.ID, actor.ID)
		if err == nil {
			in.own = &own
		} else if !errors.Is(err, models.ErrNotFound) {
			return RoundResults{}, err
		}
	}
	return computeResults(in), nil
}

// previousRound is the round this one carries on from, or else the
// model's round numbered one less.
func (s *Service) previousRound(ctx context.Context, r models.Round) (*models.Round, error) {
	if r.CarryFrom != nil {
		p, err := s.store.RoundByID(ctx, *r.CarryFrom)
		if err != nil {
			return nil, err
		}
		return &p, nil
	}
	if r.Number <= 1 {
		return nil, nil
	}
	rs, err := s.store.RoundsOfModel(ctx, r.ModelID)
	if err != nil {
		return nil, err
	}
	for _, p := range rs {
		if p.Number == r.Number-1 {
			return &p, nil
		}
	}
	return nil, nil
}

// versionKeys is the set of items of the round's version (for telling
// items removed from the model from those left out).
func (s *Service) versionKeys(ctx context.Context, r models.Round) map[string]bool {
	out := map[string]bool{}
	m, err := s.store.ModelBySlug(ctx, r.ModelSlug)
	if err != nil {
		return out
	}
	v, err := s.store.VersionByNumber(ctx, m, r.VersionNumber)
	if err != nil {
		return out
	}
	for _, it := range versionItems(v.Content) {
		out[itemID(it)] = true
	}
	return out
}

// roundStats computes the per-item statistics of a round.
func (s *Service) roundStats(ctx context.Context, r models.Round) ([]ItemResult, error) {
	reviews, err := s.store.ReviewsOf(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return computeItems(r, reviews), nil
}

// PseudonymousProposal is a proposal with its author as the round's
// pseudonym.
type PseudonymousProposal struct {
	models.Proposal
	Author string
}

// Proposals lists a round's proposals for the model team, with
// pseudonymous authors, once the round has closed (watched live, each new
// proposal would be tied to whoever had just responded) and only when at
// least min_group panelists responded (otherwise each could be tied to a
// person by elimination).
func (s *Service) Proposals(ctx context.Context, actor models.User, roundID int64, p models.Page) ([]PseudonymousProposal, error) {
	r, err := s.manageRound(ctx, actor, roundID)
	if err != nil {
		return nil, err
	}
	if err := s.proposalsShown(ctx, r); err != nil {
		return nil, err
	}
	ps, err := s.store.ProposalsOf(ctx, r.ID, p)
	if err != nil {
		return nil, err
	}
	names, err := s.pseudonyms(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]PseudonymousProposal, len(ps))
	for i, pr := range ps {
		out[i] = PseudonymousProposal{Proposal: pr, Author: names[pr.PanelistID]}
	}
	return out, nil
}

// proposalsShown says whether the team may read (and decide) the
// proposals of round r: after close, with at least min_group responders.
func (s *Service) proposalsShown(ctx context.Context, r models.Round) error {
	if r.Status != models.RoundClosed {
		return models.Errf(models.ErrForbidden, "the proposals of round %d are shown after it closes (it is %s)", r.ID, r.Status)
	}
	pans, err := s.store.RoundPanelists(ctx, r.ID)
	if err != nil {
		return err
	}
	responded := 0
	for _, p := range pans {
		if p.RespondedAt != nil {
			responded++
		}
	}
	if min := r.EffectiveMinGroup(); responded < min {
		return models.Errf(models.ErrForbidden, "only %d panelists responded to round %d, fewer than its min_group %d: its proposals are withheld, since each could be tied to its author", responded, r.ID, min)
	}
	return nil
}

func (s *Service) pseudonyms(ctx context.Context, r models.Round) (map[int64]string, error) {
	pans, err := s.store.RoundPanelists(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(pans))
	for i, p := range pans {
		ids[i] = p.UserID
	}
	return Pseudonyms(r, ids), nil
}

// Decide records the PI's decision on a proposal of a closed round. The
// decision (accepted, rejected or deferred) and the note's length are the
// api request's validate tags; callers pass checked values.
func (s *Service) Decide(ctx context.Context, actor models.User, roundID, proposalID int64, decision, note string) (PseudonymousProposal, error) {
	var out PseudonymousProposal
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		r, err := s.manageRound(ctx, actor, roundID)
		if err != nil {
			return err
		}
		if r.Status != models.RoundClosed {
			return models.Errf(models.ErrConflict, "round %d is %s; proposals are decided after it closes", roundID, r.Status)
		}
		if err := s.proposalsShown(ctx, r); err != nil {
			return err
		}
		p, err := s.store.ProposalByID(ctx, roundID, proposalID)
		if err != nil {
			return err
		}
		now := s.core.Now()
		by := actor.ID
		p.Decision, p.DecisionNote, p.DecidedBy, p.DecidedAt = decision, note, &by, &now
		if err := s.store.DecideProposal(ctx, p); err != nil {
			return err
		}
		names, err := s.pseudonyms(ctx, r)
		if err != nil {
			return err
		}
		out = PseudonymousProposal{Proposal: p, Author: names[p.PanelistID]}
		return s.core.Audit(ctx, actor, "proposal.decide", "proposal", core.Itoa(p.ID), decision)
	})
	return out, err
}

// The demonstration panel: five panelists, two closed rounds on demo
// version 1. In round 1 the stage "validate" misses consensus (relevance
// 7, 8, 5, 6, 9: 60 % rate 7-9, below 80 %), and so does the alternative
// transition explore → renegotiate; round 2 carries over only what missed
// consensus, and both reach it.
var demoRound1 = map[string][5]int{
	"marker": {9, 8, 9, 8, 9}, "explore": {8, 7, 9, 8, 8}, "validate": {7, 8, 5, 6, 9},
	"rationale": {8, 7, 8, 9, 7}, "renegotiate": {9, 9, 8, 9, 8}, "reengage": {9, 8, 9, 9, 8},
}

var demoRound2 = map[string][5]int{"validate": {8, 8, 7, 7, 9}}

func demoTransitionRating(t models.Transition, round, panelist int) int {
	if t.From == "explore" && t.To == "renegotiate" {
		if round == 1 {
			return [5]int{6, 7, 5, 8, 7}[panelist]
		}
		return [5]int{7, 8, 7, 7, 8}[panelist]
	}
	return [5]int{8, 9, 7, 8, 9}[panelist]
}

// SeedDemoPanel adds the demonstration panel rounds to the demo model,
// unless the model has rounds already.
func (s *Service) SeedDemoPanel(ctx context.Context, pi models.User, m models.TaskModel) error {
	existing, err := s.store.RoundsOfModel(ctx, m.ID)
	if err != nil || len(existing) > 0 {
		return err
	}
	v, err := s.store.VersionByNumber(ctx, m, 1)
	if err != nil {
		return err
	}
	var panel []models.User
	var ids []int64
	for i := 1; i <= 5; i++ {
		u, _, err := s.users.EnsureUser(ctx, pi, users.NewUser{Name: fmt.Sprintf("Panelist %d", i), Email: fmt.Sprintf("panelist%d@demo.stagewise.invalid", i), Role: models.RolePanelist})
		if err != nil {
			return err
		}
		panel = append(panel, u)
		ids = append(ids, u.ID)
	}
	r1, err := s.CreateRound(ctx, pi, m.Slug, v.Number, RoundInput{Panelists: ids, Rule: models.ConsensusRule{Name: stats.RulePercentAgree}})
	if err != nil {
		return err
	}
	if _, err := s.TransitionRound(ctx, pi, r1.ID, RoundActionOpen, "demo"); err != nil {
		return err
	}
	for i, u := range panel {
		rv := demoReview(v.Content, r1.Items, demoRound1, 1, i)
		if i == 2 {
			rv.Proposals = []models.Proposal{{Kind: models.ProposeRenameStage, Target: "validate",
				Payload:   map[string]any{"name": "Validate the patient's defensive posture"},
				Rationale: "Say whose posture is validated; raters confused it with validating the therapist's own stance."}}
		}
		if _, err := s.SubmitReview(ctx, u, r1.ID, rv); err != nil {
			return err
		}
	}
	if _, err := s.TransitionRound(ctx, pi, r1.ID, RoundActionClose, "demo"); err != nil {
		return err
	}
	props, err := s.store.ProposalsOf(ctx, r1.ID, models.Page{})
	if err != nil {
		return err
	}
	for _, p := range props {
		if _, err := s.Decide(ctx, pi, r1.ID, p.ID, models.DecisionDeferred, "Revisit when the empirical comparison is in."); err != nil {
			return err
		}
	}
	from := r1.ID
	r2, err := s.CreateRound(ctx, pi, m.Slug, v.Number, RoundInput{Rule: models.ConsensusRule{Name: stats.RulePercentAgree},
		CarryFrom: &from, SkipConsensus: true, Reinvite: models.ReinviteAll})
	if err != nil {
		return err
	}
	if _, err := s.TransitionRound(ctx, pi, r2.ID, RoundActionOpen, "demo"); err != nil {
		return err
	}
	for i, u := range panel {
		if _, err := s.SubmitReview(ctx, u, r2.ID, demoReview(v.Content, r2.Items, demoRound2, 2, i)); err != nil {
			return err
		}
	}
	_, err = s.TransitionRound(ctx, pi, r2.ID, RoundActionClose, "demo")
	return err
}

func demoReview(c models.Content, items []models.ItemRef, relevance map[string][5]int, round, i int) models.Review {
	rv := models.Review{}
	for _, it := range items {
		if it.Type == models.ItemStage {
			rel := relevance[it.Key][i]
			if rel == 0 {
				rel = demoRound1[it.Key][i]
			}
			clar := 6 + (i+len(it.Key))%4
			rv.Stages = append(rv.Stages, models.StageReview{Key: it.Key, Relevance: &rel, Clarity: &clar})
			continue
		}
		for _, t := range c.Transitions {
			if t.From == it.From && t.To == it.To {
				a := demoTransitionRating(t, round, i)
				rv.Transitions = append(rv.Transitions, models.TransitionReview{From: t.From, To: t.To, Agreement: &a})
			}
		}
	}
	return rv
}
