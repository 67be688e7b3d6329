package versions

import (
	"context"
	"errors"
	"fmt"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// VersionInput is what a PI writes: the content and notes of a draft.
type VersionInput struct {
	Parent  *int
	Kind    models.VersionKind
	Notes   string
	Content models.Content
}

func (s *Service) validateInput(ctx context.Context, m models.TaskModel, in *VersionInput, self int) error {
	var errs []models.FieldError
	if in.Kind == "" {
		in.Kind = models.KindRational
	}
	if in.Kind != models.KindRational && in.Kind != models.KindRationalEmpirical {
		errs = append(errs, models.FieldError{Field: "kind", Message: "must be rational or rational_empirical"})
	}
	core.CheckText(&errs, "notes", in.Notes, false, 20000)
	if in.Parent != nil {
		if *in.Parent < 1 || *in.Parent == self {
			errs = append(errs, models.FieldError{Field: "parent", Message: "must be the number of another version of this model"})
		} else if _, err := s.store.VersionByNumber(ctx, m, *in.Parent); errors.Is(err, models.ErrNotFound) {
			errs = append(errs, models.FieldError{Field: "parent", Message: fmt.Sprintf("version %d of %s does not exist", *in.Parent, m.Slug)})
		} else if err != nil {
			return err
		}
	}
	errs = append(errs, ValidateContent(in.Content)...)
	return models.Invalid(errs)
}

// CreateVersion drafts the next version of a model.
func (s *Service) CreateVersion(ctx context.Context, actor models.User, slug string, in VersionInput) (models.Version, error) {
	var v models.Version
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		m, err := s.ModelForChange(ctx, actor, slug, "drafts versions")
		if err != nil {
			return err
		}
		if err := s.validateInput(ctx, m, &in, 0); err != nil {
			return err
		}
		v, err = s.InsertDraft(ctx, actor, m, in, models.Provenance{}, nil)
		return err
	})
	return v, err
}

// InsertDraft numbers and stores a new draft inside the caller's transaction.
func (s *Service) InsertDraft(ctx context.Context, actor models.User, m models.TaskModel, in VersionInput, prov models.Provenance, changes []models.ChangeLogEntry) (models.Version, error) {
	now := s.core.Now()
	if err := s.store.LockModel(ctx, m.ID, now); err != nil {
		return models.Version{}, err
	}
	n, err := s.store.MaxVersionNumber(ctx, m.ID)
	if err != nil {
		return models.Version{}, err
	}
	content := NormalizeContent(in.Content)
	v := models.Version{
		ModelID: m.ID, ModelSlug: m.Slug, Number: n + 1, Kind: in.Kind, Status: models.StatusDraft, Parent: in.Parent,
		Notes: in.Notes, Content: content, ContentHash: ContentHash(content), Provenance: prov, ChangeLog: changes,
		CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now,
	}
	if err := s.store.CreateVersion(ctx, &v); err != nil {
		return models.Version{}, err
	}
	return v, s.core.Audit(ctx, actor, "version.create", "version", fmt.Sprintf("%s/%d", m.Slug, v.Number), v.ContentHash)
}

// Version returns version n ("latest" is resolved by LatestVersion), as
// actor may see it: a version actor may not know of is ErrNotFound.
func (s *Service) Version(ctx context.Context, actor models.User, slug string, n int) (models.Version, error) {
	_, v, err := s.VisibleVersion(ctx, actor, slug, n)
	return v, err
}

// LatestVersion returns the newest approved version. Approved versions
// are visible to every role, so this needs no caller (and is cached).
func (s *Service) LatestVersion(ctx context.Context, slug string) (models.Version, error) {
	m, err := s.store.ModelBySlug(ctx, slug)
	if err != nil {
		return models.Version{}, err
	}
	return s.store.LatestApproved(ctx, m)
}

// ListVersions lists the versions actor may see.
func (s *Service) ListVersions(ctx context.Context, actor models.User, slug string, p models.Page) ([]models.Version, error) {
	m, err := s.ModelFor(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	scope, err := s.versionScope(ctx, actor, m)
	if err != nil {
		return nil, err
	}
	return s.store.ListVersions(ctx, m, scope, p)
}

// Precondition checks the current state of an object inside the
// transaction that changes it (If-Match).
type Precondition func(v models.Version) error

// ReplaceDraft replaces a draft's content; check (may be nil) runs against
// the stored version first.
func (s *Service) ReplaceDraft(ctx context.Context, actor models.User, slug string, n int, in VersionInput, check Precondition) (models.Version, error) {
	var v models.Version
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		m, cur, err := s.LoadForChange(ctx, actor, slug, n)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		if cur.Status != models.StatusDraft {
			return models.Errf(models.ErrConflict, "version %d is %s; only a draft can be changed", n, cur.Status)
		}
		if err := s.validateInput(ctx, m, &in, n); err != nil {
			return err
		}
		content := NormalizeContent(in.Content)
		cur.Kind, cur.Notes, cur.Parent, cur.Content = in.Kind, in.Notes, in.Parent, content
		cur.ContentHash = ContentHash(content)
		cur.UpdatedAt = s.core.Now()
		if err := s.store.UpdateVersion(ctx, cur); err != nil {
			return err
		}
		v = cur
		return s.core.Audit(ctx, actor, "version.replace", "version", fmt.Sprintf("%s/%d", slug, n), cur.ContentHash)
	})
	return v, err
}

// LoadForChange loads version n for a change by the model team: hidden
// from actor → ErrNotFound; visible but actor is not on the team →
// ErrForbidden.
func (s *Service) LoadForChange(ctx context.Context, actor models.User, slug string, n int) (models.TaskModel, models.Version, error) {
	m, v, err := s.VisibleVersion(ctx, actor, slug, n)
	if err != nil {
		return m, v, err
	}
	on, err := s.OnModelTeam(ctx, actor, m)
	if err != nil {
		return m, v, err
	}
	if !on {
		return m, v, models.Errf(models.ErrForbidden, "only the model's team or an admin changes its versions")
	}
	return m, v, nil
}

// Action is a lifecycle step.
type Action string

// The lifecycle actions and the one transition each allows.
const (
	ActionSubmit  Action = "submit"
	ActionApprove Action = "approve"
	ActionReject  Action = "reject"
	ActionRetire  Action = "retire"
)

var lifecycle = map[Action][2]models.VersionStatus{
	ActionSubmit:  {models.StatusDraft, models.StatusInReview},
	ActionApprove: {models.StatusInReview, models.StatusApproved},
	ActionReject:  {models.StatusInReview, models.StatusRejected},
	ActionRetire:  {models.StatusApproved, models.StatusRetired},
}

// Transition applies a lifecycle action to version n.
func (s *Service) Transition(ctx context.Context, actor models.User, slug string, n int, action Action, note string) (models.Version, error) {
	step, ok := lifecycle[action]
	if !ok {
		return models.Version{}, models.Errf(models.ErrNotFound, "no action %q", action)
	}
	var errs []models.FieldError
	core.CheckText(&errs, "note", note, false, 5000)
	if err := models.Invalid(errs); err != nil {
		return models.Version{}, err
	}
	var v models.Version
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		_, cur, err := s.LoadForChange(ctx, actor, slug, n)
		if err != nil {
			return err
		}
		if cur.Status != step[0] {
			return models.Errf(models.ErrConflict, "cannot %s version %d: it is %s, and %s needs %s", action, n, cur.Status, action, step[0])
		}
		now := s.core.Now()
		cur.Status, cur.StatusNote, cur.UpdatedAt = step[1], note, now
		if action == ActionApprove {
			by := actor.Name
			cur.ApprovedAt, cur.ApprovedBy = &now, &by
		}
		if err := s.store.UpdateVersion(ctx, cur); err != nil {
			return err
		}
		v = cur
		return s.core.Audit(ctx, actor, "version."+string(action), "version", fmt.Sprintf("%s/%d", slug, n), note)
	})
	return v, err
}
