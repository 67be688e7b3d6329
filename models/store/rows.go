package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/stagewise/stagewise/models"
)

// notFound turns gorm's record-not-found into the domain's ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Errf(models.ErrNotFound, "%s not found", what)
	}
	return conflict(err)
}

// conflict turns unique-constraint violations into ErrConflict.
func conflict(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%w: %v", models.ErrConflict, "already exists")
	}
	return err
}

type userRow struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Email     string
	Role      string
	TokenHash string
	CreatedBy *int64
	CreatedAt time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) toModel() models.User {
	return models.User{ID: r.ID, Name: r.Name, Email: r.Email, Role: models.Role(r.Role), CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy}
}

type modelRow struct {
	ID         int64 `gorm:"primaryKey"`
	Slug       string
	Title      string
	Marker     string
	Resolution string
	Context    string
	OwnerID    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (modelRow) TableName() string { return "task_models" }

func (r modelRow) toModel() models.TaskModel {
	return models.TaskModel{ID: r.ID, Slug: r.Slug, Title: r.Title, Marker: r.Marker, Resolution: r.Resolution,
		Context: r.Context, OwnerID: r.OwnerID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type versionRow struct {
	ID          int64 `gorm:"primaryKey"`
	ModelID     int64
	Number      int
	Kind        string
	Status      string
	Parent      *int
	Notes       string
	Content     string
	ContentHash string
	Provenance  string
	ChangeLog   string
	StatusNote  string
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ApprovedAt  *time.Time
	ApprovedBy  *string
}

func (versionRow) TableName() string { return "versions" }

// The stored JSON shapes of a version's documents. They are frozen here so
// that renaming a domain field never changes what is on disk.
type contentDoc struct {
	Stages      []stageDoc      `json:"stages"`
	Transitions []transitionDoc `json:"transitions"`
	Clusters    []clusterDoc    `json:"clusters"`
}

type stageDoc struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Actor       string   `json:"actor"`
	Role        string   `json:"role"`
	Optional    bool     `json:"optional"`
	Cluster     string   `json:"cluster"`
	Codes       []string `json:"codes"`
}

type transitionDoc struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	Note string `json:"note"`
}

type clusterDoc struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

type provenanceDoc struct {
	Rounds     []int64 `json:"rounds"`
	Comparison *int64  `json:"comparison"`
}

type changeDoc struct {
	Op       string         `json:"op"`
	Target   string         `json:"target"`
	Evidence map[string]any `json:"evidence"`
}

func versionToRow(v models.Version) (versionRow, error) {
	c := contentDoc{Stages: []stageDoc{}, Transitions: []transitionDoc{}, Clusters: []clusterDoc{}}
	for _, s := range v.Content.Stages {
		c.Stages = append(c.Stages, stageDoc(s))
	}
	for _, t := range v.Content.Transitions {
		c.Transitions = append(c.Transitions, transitionDoc(t))
	}
	for _, k := range v.Content.Clusters {
		c.Clusters = append(c.Clusters, clusterDoc(k))
	}
	content, err := json.Marshal(c)
	if err != nil {
		return versionRow{}, err
	}
	prov, err := json.Marshal(provenanceDoc{Rounds: v.Provenance.Rounds, Comparison: v.Provenance.Comparison})
	if err != nil {
		return versionRow{}, err
	}
	changes := make([]changeDoc, 0, len(v.ChangeLog))
	for _, e := range v.ChangeLog {
		changes = append(changes, changeDoc(e))
	}
	cl, err := json.Marshal(changes)
	if err != nil {
		return versionRow{}, err
	}
	return versionRow{
		ID: v.ID, ModelID: v.ModelID, Number: v.Number, Kind: string(v.Kind), Status: string(v.Status),
		Parent: v.Parent, Notes: v.Notes, Content: string(content), ContentHash: v.ContentHash,
		Provenance: string(prov), ChangeLog: string(cl), StatusNote: v.StatusNote, CreatedBy: v.CreatedBy,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, ApprovedAt: v.ApprovedAt, ApprovedBy: v.ApprovedBy,
	}, nil
}

func (r versionRow) toModel(slug string) (models.Version, error) {
	var c contentDoc
	if err := json.Unmarshal([]byte(r.Content), &c); err != nil {
		return models.Version{}, fmt.Errorf("version %d content: %w", r.ID, err)
	}
	var p provenanceDoc
	if err := json.Unmarshal([]byte(r.Provenance), &p); err != nil {
		return models.Version{}, fmt.Errorf("version %d provenance: %w", r.ID, err)
	}
	var cl []changeDoc
	if err := json.Unmarshal([]byte(r.ChangeLog), &cl); err != nil {
		return models.Version{}, fmt.Errorf("version %d change log: %w", r.ID, err)
	}
	v := models.Version{
		ID: r.ID, ModelID: r.ModelID, ModelSlug: slug, Number: r.Number, Kind: models.VersionKind(r.Kind),
		Status: models.VersionStatus(r.Status), Parent: r.Parent, Notes: r.Notes, ContentHash: r.ContentHash,
		StatusNote: r.StatusNote, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ApprovedBy: r.ApprovedBy, Provenance: models.Provenance{Rounds: p.Rounds, Comparison: p.Comparison},
	}
	if r.ApprovedAt != nil {
		t := r.ApprovedAt.UTC()
		v.ApprovedAt = &t
	}
	for _, s := range c.Stages {
		v.Content.Stages = append(v.Content.Stages, models.Stage(s))
	}
	for _, t := range c.Transitions {
		v.Content.Transitions = append(v.Content.Transitions, models.Transition(t))
	}
	for _, k := range c.Clusters {
		v.Content.Clusters = append(v.Content.Clusters, models.Cluster(k))
	}
	for _, e := range cl {
		v.ChangeLog = append(v.ChangeLog, models.ChangeLogEntry(e))
	}
	return v, nil
}

type auditRow struct {
	Seq      int64 `gorm:"primaryKey;autoIncrement:false"`
	At       time.Time
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Detail   string
	PrevHash string
	Hash     string
}

func (auditRow) TableName() string { return "audit_log" }
