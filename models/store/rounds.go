package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/stagewise/stagewise/models"
)

// roundsMigrations create the expert-panel tables (version 2). A review
// is one row per (round, panelist) holding its ratings and comments as a
// JSON document; proposals are rows of their own so that they keep
// stable ids and carry the PI's decisions.
var roundsMigrations = []migration{
	{
		version: 2,
		name:    "expert-panel rounds, panelists, reviews, proposals",
		sql: []string{
			`CREATE TABLE rounds (
				id {{id}},
				model_id BIGINT NOT NULL REFERENCES task_models(id),
				version_id BIGINT NOT NULL REFERENCES versions(id),
				number INTEGER NOT NULL,
				status TEXT NOT NULL,
				scale_min INTEGER NOT NULL,
				scale_max INTEGER NOT NULL,
				rule TEXT NOT NULL,
				items TEXT NOT NULL,
				closes_at {{ts}},
				carry_from BIGINT REFERENCES rounds(id),
				skip_consensus {{bool}} NOT NULL,
				reinvite TEXT NOT NULL,
				salt TEXT NOT NULL,
				reviews_rev BIGINT NOT NULL,
				created_by BIGINT NOT NULL REFERENCES users(id),
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL,
				opened_at {{ts}},
				closed_at {{ts}},
				UNIQUE (model_id, number)
			)`,
			`CREATE INDEX rounds_version ON rounds (version_id, number)`,
			`CREATE TABLE round_panelists (
				round_id BIGINT NOT NULL REFERENCES rounds(id),
				user_id BIGINT NOT NULL REFERENCES users(id),
				PRIMARY KEY (round_id, user_id)
			)`,
			`CREATE TABLE reviews (
				id {{id}},
				round_id BIGINT NOT NULL REFERENCES rounds(id),
				panelist_id BIGINT NOT NULL REFERENCES users(id),
				body TEXT NOT NULL,
				revision INTEGER NOT NULL,
				submitted_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL,
				UNIQUE (round_id, panelist_id)
			)`,
			`CREATE TABLE proposals (
				id {{id}},
				round_id BIGINT NOT NULL REFERENCES rounds(id),
				panelist_id BIGINT NOT NULL REFERENCES users(id),
				position INTEGER NOT NULL,
				kind TEXT NOT NULL,
				target TEXT NOT NULL,
				payload TEXT NOT NULL,
				rationale TEXT NOT NULL,
				decision TEXT NOT NULL,
				decision_note TEXT NOT NULL,
				decided_by BIGINT REFERENCES users(id),
				decided_at {{ts}},
				created_at {{ts}} NOT NULL
			)`,
			`CREATE INDEX proposals_round ON proposals (round_id, panelist_id)`,
		},
	},
}

type roundRow struct {
	ID            int64 `gorm:"primaryKey"`
	ModelID       int64
	VersionID     int64
	Number        int
	Status        string
	ScaleMin      int
	ScaleMax      int
	Rule          string
	Items         string
	ClosesAt      *time.Time
	CarryFrom     *int64
	SkipConsensus bool
	Reinvite      string
	MinGroup      int
	Salt          string
	ReviewsRev    int64
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	OpenedAt      *time.Time
	ClosedAt      *time.Time
	// Read-only: filled by roundQuery's joins.
	Slug          string `gorm:"->"`
	VersionNumber int    `gorm:"->"`
}

func (roundRow) TableName() string { return "rounds" }

type roundPanelistRow struct {
	RoundID int64 `gorm:"primaryKey"`
	UserID  int64 `gorm:"primaryKey"`
}

func (roundPanelistRow) TableName() string { return "round_panelists" }

type reviewRow struct {
	ID          int64 `gorm:"primaryKey"`
	RoundID     int64
	PanelistID  int64
	Body        string
	Revision    int
	SubmittedAt time.Time
	UpdatedAt   time.Time
}

func (reviewRow) TableName() string { return "reviews" }

type proposalRow struct {
	ID           int64 `gorm:"primaryKey"`
	RoundID      int64
	PanelistID   int64
	Position     int
	Kind         string
	Target       string
	Payload      string
	Rationale    string
	Decision     string
	DecisionNote string
	DecidedBy    *int64
	DecidedAt    *time.Time
	CreatedAt    time.Time
}

func (proposalRow) TableName() string { return "proposals" }

// The stored JSON shapes of a round's rule and items and of a review's
// answers, frozen here like the version documents.
type ruleDoc struct {
	Name      string   `json:"rule"`
	AgreeMin  *float64 `json:"agree_min,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	MedianMin *float64 `json:"median_min,omitempty"`
	IQRMax    *float64 `json:"iqr_max,omitempty"`
	HighMin   *float64 `json:"high_min,omitempty"`
	LowMax    *float64 `json:"low_max,omitempty"`
	InShare   *float64 `json:"in_share,omitempty"`
	VetoShare *float64 `json:"veto_share,omitempty"`
}

type itemDoc struct {
	Type string `json:"type"`
	Key  string `json:"key,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

type reviewDoc struct {
	Stages      []stageReviewDoc      `json:"stages"`
	Transitions []transitionReviewDoc `json:"transitions"`
}

type stageReviewDoc struct {
	Key       string `json:"key"`
	Relevance *int   `json:"relevance"`
	Clarity   *int   `json:"clarity"`
	Comment   string `json:"comment"`
}

type transitionReviewDoc struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Agreement *int   `json:"agreement"`
	Comment   string `json:"comment"`
}

func roundToRow(r models.Round) (roundRow, error) {
	rule, err := json.Marshal(ruleDoc(r.Rule))
	if err != nil {
		return roundRow{}, err
	}
	items := make([]itemDoc, len(r.Items))
	for i, it := range r.Items {
		items[i] = itemDoc(it)
	}
	ib, err := json.Marshal(items)
	if err != nil {
		return roundRow{}, err
	}
	return roundRow{ID: r.ID, ModelID: r.ModelID, VersionID: r.VersionID, Number: r.Number, Status: string(r.Status),
		ScaleMin: r.Scale.Min, ScaleMax: r.Scale.Max, Rule: string(rule), Items: string(ib), ClosesAt: r.ClosesAt,
		CarryFrom: r.CarryFrom, SkipConsensus: r.SkipConsensus, Reinvite: r.Reinvite, MinGroup: r.EffectiveMinGroup(), Salt: r.Salt,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, OpenedAt: r.OpenedAt, ClosedAt: r.ClosedAt}, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r roundRow) toModel() (models.Round, error) {
	var rule ruleDoc
	if err := json.Unmarshal([]byte(r.Rule), &rule); err != nil {
		return models.Round{}, fmt.Errorf("round %d rule: %w", r.ID, err)
	}
	var items []itemDoc
	if err := json.Unmarshal([]byte(r.Items), &items); err != nil {
		return models.Round{}, fmt.Errorf("round %d items: %w", r.ID, err)
	}
	out := models.Round{ID: r.ID, ModelID: r.ModelID, ModelSlug: r.Slug, VersionID: r.VersionID, VersionNumber: r.VersionNumber,
		Number: r.Number, Status: models.RoundStatus(r.Status), Scale: models.RatingScale{Min: r.ScaleMin, Max: r.ScaleMax},
		Rule: models.ConsensusRule(rule), Items: make([]models.ItemRef, len(items)), ClosesAt: utcPtr(r.ClosesAt),
		CarryFrom: r.CarryFrom, SkipConsensus: r.SkipConsensus, Reinvite: r.Reinvite, MinGroup: r.MinGroup, Salt: r.Salt, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), OpenedAt: utcPtr(r.OpenedAt), ClosedAt: utcPtr(r.ClosedAt)}
	for i, it := range items {
		out.Items[i] = models.ItemRef(it)
	}
	return out, nil
}

func (s *Store) roundQuery(ctx context.Context) *gorm.DB {
	return s.db(ctx).Model(&roundRow{}).
		Select("rounds.*, task_models.slug AS slug, versions.number AS version_number").
		Joins("JOIN task_models ON task_models.id = rounds.model_id").
		Joins("JOIN versions ON versions.id = rounds.version_id")
}

func rowsToRounds(rows []roundRow) ([]models.Round, error) {
	out := make([]models.Round, 0, len(rows))
	for _, h := range rows {
		r, err := h.toModel()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// CreateRound inserts r with its invited panelists and sets r.ID.
func (s *Store) CreateRound(ctx context.Context, r *models.Round, panelists []int64) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	row, err := roundToRow(*r)
	if err != nil {
		return err
	}
	if err := db.Create(&row).Error; err != nil {
		return conflict(err)
	}
	r.ID = row.ID
	if len(panelists) == 0 {
		return nil
	}
	rows := make([]roundPanelistRow, len(panelists))
	for i, id := range panelists {
		rows[i] = roundPanelistRow{RoundID: r.ID, UserID: id}
	}
	return conflict(db.Create(&rows).Error)
}

// UpdateRoundStatus writes a round's status and its lifecycle times.
func (s *Store) UpdateRoundStatus(ctx context.Context, r models.Round) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	res := db.Model(&roundRow{}).Where("id = ?", r.ID).Updates(map[string]any{
		"status": string(r.Status), "updated_at": r.UpdatedAt, "opened_at": r.OpenedAt, "closed_at": r.ClosedAt})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "round %d not found", r.ID)
	}
	return nil
}

// RoundByID finds a round.
func (s *Store) RoundByID(ctx context.Context, id int64) (models.Round, error) {
	var h roundRow
	if err := s.roundQuery(ctx).Where("rounds.id = ?", id).Take(&h).Error; err != nil {
		return models.Round{}, notFound(err, fmt.Sprintf("round %d", id))
	}
	return h.toModel()
}

// ListRounds lists the rounds on a version in number order after the
// cursor number; onlyFor, when non-zero, keeps the rounds that user is
// invited to.
func (s *Store) ListRounds(ctx context.Context, versionID int64, onlyFor int64, p models.Page) ([]models.Round, error) {
	q := s.roundQuery(ctx).Where("rounds.version_id = ? AND rounds.number > ?", versionID, p.Cursor)
	if onlyFor != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM round_panelists rp WHERE rp.round_id = rounds.id AND rp.user_id = ?)", onlyFor)
	}
	var hs []roundRow
	if err := q.Order("rounds.number").Limit(p.Limit).Find(&hs).Error; err != nil {
		return nil, err
	}
	return rowsToRounds(hs)
}

// ListRoundsFor lists rounds across models in id order after the cursor
// id: invitedUser, when non-zero, keeps the rounds that user is invited
// to; ownerID, when non-zero, keeps the rounds of the models whose team
// that PI is on (creator or co-investigator).
func (s *Store) ListRoundsFor(ctx context.Context, invitedUser, ownerID int64, p models.Page) ([]models.Round, error) {
	q := s.roundQuery(ctx).Where("rounds.id > ?", p.Cursor)
	if invitedUser != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM round_panelists rp WHERE rp.round_id = rounds.id AND rp.user_id = ?)", invitedUser)
	}
	if ownerID != 0 {
		q = q.Where("(task_models.owner_id = ? OR EXISTS (SELECT 1 FROM model_team t WHERE t.model_id = rounds.model_id AND t.user_id = ?))", ownerID, ownerID)
	}
	var hs []roundRow
	if err := q.Order("rounds.id").Limit(p.Limit).Find(&hs).Error; err != nil {
		return nil, err
	}
	return rowsToRounds(hs)
}

// RoundsOfModel lists every round of a model in number order.
func (s *Store) RoundsOfModel(ctx context.Context, modelID int64) ([]models.Round, error) {
	var hs []roundRow
	if err := s.roundQuery(ctx).Where("rounds.model_id = ?", modelID).Order("rounds.number").Find(&hs).Error; err != nil {
		return nil, err
	}
	return rowsToRounds(hs)
}

// MaxRoundNumber is the highest round number of a model, 0 when none.
func (s *Store) MaxRoundNumber(ctx context.Context, modelID int64) (int, error) {
	var n *int
	if err := s.db(ctx).Model(&roundRow{}).Select("MAX(number)").Where("model_id = ?", modelID).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// RoundPanelists lists a round's invited panelists in user-id order, with
// when each last submitted a review (nil: not yet).
func (s *Store) RoundPanelists(ctx context.Context, roundID int64) ([]models.RoundPanelist, error) {
	var rows []struct {
		UserID    int64
		Name      string
		Email     string
		UpdatedAt *time.Time
	}
	err := s.db(ctx).Table("round_panelists rp").
		Select("rp.user_id AS user_id, users.name AS name, users.email AS email, reviews.updated_at AS updated_at").
		Joins("JOIN users ON users.id = rp.user_id").
		Joins("LEFT JOIN reviews ON reviews.round_id = rp.round_id AND reviews.panelist_id = rp.user_id").
		Where("rp.round_id = ?", roundID).Order("rp.user_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.RoundPanelist, len(rows))
	for i, r := range rows {
		out[i] = models.RoundPanelist{UserID: r.UserID, Name: r.Name, Email: r.Email, RespondedAt: utcPtr(r.UpdatedAt)}
	}
	return out, nil
}

// IsInvited reports whether user is a panelist of the round.
func (s *Store) IsInvited(ctx context.Context, roundID, userID int64) (bool, error) {
	var n int64
	err := s.db(ctx).Model(&roundPanelistRow{}).Where("round_id = ? AND user_id = ?", roundID, userID).Count(&n).Error
	return n > 0, err
}

// LockOpenRound checks, inside the write transaction, that the round is
// open and its deadline (if any) is after now, and takes the round row's
// lock for the rest of the transaction: a close in another process waits
// for this transaction, and one that committed first makes this check
// fail (PostgreSQL re-evaluates the WHERE after waiting on the lock).
func (s *Store) LockOpenRound(ctx context.Context, roundID int64, now time.Time) (bool, error) {
	db, err := s.wdb(ctx)
	if err != nil {
		return false, err
	}
	res := db.Exec(`UPDATE rounds SET reviews_rev = reviews_rev + 1 WHERE id = ? AND status = ? AND (closes_at IS NULL OR closes_at > ?)`,
		roundID, string(models.RoundOpen), now)
	return res.RowsAffected == 1, res.Error
}

// Savepoint runs fn inside a savepoint of the caller's transaction: when
// fn fails, what it wrote is rolled back and the transaction goes on.
func (s *Store) Savepoint(ctx context.Context, fn func(ctx context.Context) error) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	if err := db.Exec("SAVEPOINT review_write").Error; err != nil {
		return err
	}
	if ferr := fn(ctx); ferr != nil {
		if err := db.Exec("ROLLBACK TO SAVEPOINT review_write").Error; err != nil {
			return fmt.Errorf("%w (and rolling back: %v)", ferr, err)
		}
		if err := db.Exec("RELEASE SAVEPOINT review_write").Error; err != nil {
			return fmt.Errorf("%w (and releasing: %v)", ferr, err)
		}
		return ferr
	}
	return db.Exec("RELEASE SAVEPOINT review_write").Error
}

func reviewBody(rv models.Review) (string, error) {
	d := reviewDoc{Stages: make([]stageReviewDoc, len(rv.Stages)), Transitions: make([]transitionReviewDoc, len(rv.Transitions))}
	for i, s := range rv.Stages {
		d.Stages[i] = stageReviewDoc(s)
	}
	for i, t := range rv.Transitions {
		d.Transitions[i] = transitionReviewDoc(t)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func (r reviewRow) toModel() (models.Review, error) {
	var d reviewDoc
	if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
		return models.Review{}, fmt.Errorf("review %d: %w", r.ID, err)
	}
	rv := models.Review{RoundID: r.RoundID, PanelistID: r.PanelistID, Revision: r.Revision,
		SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Stages: make([]models.StageReview, len(d.Stages)), Transitions: make([]models.TransitionReview, len(d.Transitions))}
	for i, s := range d.Stages {
		rv.Stages[i] = models.StageReview(s)
	}
	for i, t := range d.Transitions {
		rv.Transitions[i] = models.TransitionReview(t)
	}
	return rv, nil
}

// SaveReview writes a panelist's review in the caller's transaction,
// replacing an earlier one: one row per (round, panelist). Proposals the
// new review repeats unchanged (same kind, target, payload and rationale)
// keep their ids; the others are replaced. It fills rv.Revision and the
// proposals' ids.
func (s *Store) SaveReview(ctx context.Context, rv *models.Review) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	body, err := reviewBody(*rv)
	if err != nil {
		return err
	}
	row := reviewRow{RoundID: rv.RoundID, PanelistID: rv.PanelistID, Body: body, Revision: 1, SubmittedAt: rv.UpdatedAt, UpdatedAt: rv.UpdatedAt}
	err = db.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "round_id"}, {Name: "panelist_id"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "body"}, Value: gorm.Expr("excluded.body")},
			{Column: clause.Column{Name: "updated_at"}, Value: gorm.Expr("excluded.updated_at")},
			{Column: clause.Column{Name: "revision"}, Value: gorm.Expr("reviews.revision + 1")},
		},
	}, clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "revision"}, {Name: "submitted_at"}}}).Create(&row).Error
	if err != nil {
		return err
	}
	rv.Revision, rv.SubmittedAt = row.Revision, row.SubmittedAt.UTC()
	return s.replaceProposals(db, rv)
}

func (s *Store) replaceProposals(db *gorm.DB, rv *models.Review) error {
	var old []proposalRow
	if err := db.Where("round_id = ? AND panelist_id = ?", rv.RoundID, rv.PanelistID).Order("id").Find(&old).Error; err != nil {
		return err
	}
	if len(old) == 0 && len(rv.Proposals) == 0 {
		return nil
	}
	used := make([]bool, len(old))
	var fresh []proposalRow
	var freshIdx []int
	for i := range rv.Proposals {
		p := &rv.Proposals[i]
		p.RoundID, p.PanelistID, p.Position = rv.RoundID, rv.PanelistID, i
		payload, err := json.Marshal(p.Payload)
		if err != nil {
			return err
		}
		matched := false
		for j, o := range old {
			if used[j] || o.Kind != p.Kind || o.Target != p.Target || o.Rationale != p.Rationale || !samePayload(o.Payload, payload) {
				continue
			}
			used[j], matched = true, true
			p.ID, p.CreatedAt = o.ID, o.CreatedAt.UTC()
			if o.Position != i {
				if err := db.Model(&proposalRow{}).Where("id = ?", o.ID).Update("position", i).Error; err != nil {
					return err
				}
			}
			break
		}
		if !matched {
			p.CreatedAt = rv.UpdatedAt
			fresh = append(fresh, proposalRow{RoundID: rv.RoundID, PanelistID: rv.PanelistID, Position: i, Kind: p.Kind,
				Target: p.Target, Payload: string(payload), Rationale: p.Rationale, CreatedAt: rv.UpdatedAt})
			freshIdx = append(freshIdx, i)
		}
	}
	var drop []int64
	for j, o := range old {
		if !used[j] {
			drop = append(drop, o.ID)
		}
	}
	if len(drop) > 0 {
		if err := db.Where("id IN ?", drop).Delete(&proposalRow{}).Error; err != nil {
			return err
		}
	}
	if len(fresh) > 0 {
		if err := db.Create(&fresh).Error; err != nil {
			return err
		}
		for k, i := range freshIdx {
			rv.Proposals[i].ID = fresh[k].ID
		}
	}
	return nil
}

func samePayload(stored string, b []byte) bool {
	if stored == string(b) {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(stored), &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func (r proposalRow) toModel() (models.Proposal, error) {
	var payload map[string]any
	if err := json.Unmarshal([]byte(r.Payload), &payload); err != nil {
		return models.Proposal{}, fmt.Errorf("proposal %d: %w", r.ID, err)
	}
	if payload == nil {
		payload = map[string]any{}
	}
	return models.Proposal{ID: r.ID, RoundID: r.RoundID, PanelistID: r.PanelistID, Position: r.Position, Kind: r.Kind,
		Target: r.Target, Payload: payload, Rationale: r.Rationale, Decision: r.Decision, DecisionNote: r.DecisionNote,
		DecidedBy: r.DecidedBy, DecidedAt: utcPtr(r.DecidedAt), CreatedAt: r.CreatedAt.UTC()}, nil
}

func proposalsOf(rows []proposalRow) ([]models.Proposal, error) {
	out := make([]models.Proposal, 0, len(rows))
	for _, r := range rows {
		p, err := r.toModel()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ReviewOf finds one panelist's review in a round, with its proposals.
func (s *Store) ReviewOf(ctx context.Context, roundID, panelistID int64) (models.Review, error) {
	var r reviewRow
	if err := s.db(ctx).Where("round_id = ? AND panelist_id = ?", roundID, panelistID).Take(&r).Error; err != nil {
		return models.Review{}, notFound(err, "review")
	}
	rv, err := r.toModel()
	if err != nil {
		return rv, err
	}
	var rows []proposalRow
	if err := s.db(ctx).Where("round_id = ? AND panelist_id = ?", roundID, panelistID).Order("position").Find(&rows).Error; err != nil {
		return rv, err
	}
	rv.Proposals, err = proposalsOf(rows)
	return rv, err
}

// ReviewsOf lists every review of a round (answers only, no proposals),
// in panelist order.
func (s *Store) ReviewsOf(ctx context.Context, roundID int64) ([]models.Review, error) {
	var rows []reviewRow
	if err := s.db(ctx).Where("round_id = ?", roundID).Order("panelist_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.Review, 0, len(rows))
	for _, r := range rows {
		rv, err := r.toModel()
		if err != nil {
			return nil, err
		}
		out = append(out, rv)
	}
	return out, nil
}

// ProposalsOf lists a round's proposals in id order after the cursor id;
// a zero limit lists them all.
func (s *Store) ProposalsOf(ctx context.Context, roundID int64, p models.Page) ([]models.Proposal, error) {
	q := s.db(ctx).Where("round_id = ? AND id > ?", roundID, p.Cursor).Order("id")
	if p.Limit > 0 {
		q = q.Limit(p.Limit)
	}
	var rows []proposalRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return proposalsOf(rows)
}

// ProposalByID finds a proposal of a round.
func (s *Store) ProposalByID(ctx context.Context, roundID, id int64) (models.Proposal, error) {
	var r proposalRow
	if err := s.db(ctx).Where("round_id = ? AND id = ?", roundID, id).Take(&r).Error; err != nil {
		return models.Proposal{}, notFound(err, fmt.Sprintf("proposal %d of round %d", id, roundID))
	}
	return r.toModel()
}

// DecideProposal records the PI's decision on a proposal.
func (s *Store) DecideProposal(ctx context.Context, p models.Proposal) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	res := db.Model(&proposalRow{}).Where("id = ?", p.ID).Updates(map[string]any{
		"decision": p.Decision, "decision_note": p.DecisionNote, "decided_by": p.DecidedBy, "decided_at": p.DecidedAt})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "proposal %d not found", p.ID)
	}
	return nil
}
