package models

import "time"

// TaskModel is a stage-process model of one therapeutic task; its content
// lives in numbered versions.
type TaskModel struct {
	ID         int64
	Slug       string
	Title      string
	Marker     string
	Resolution string
	Context    string
	OwnerID    int64
	OwnerName  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Team is the model team, its creator (the owner) first; filled where
	// a model is shown, not on every load.
	Team []TeamMember
}

// TeamMember is one PI of a model team.
type TeamMember struct {
	ID      int64
	Name    string
	Creator bool
}

// VersionKind says how a version was derived.
type VersionKind string

// Version kinds.
const (
	KindRational          VersionKind = "rational"
	KindRationalEmpirical VersionKind = "rational_empirical"
)

// VersionStatus is a step of the version lifecycle.
type VersionStatus string

// Version statuses: draft → in_review → approved (or rejected); approved → retired.
const (
	StatusDraft    VersionStatus = "draft"
	StatusInReview VersionStatus = "in_review"
	StatusApproved VersionStatus = "approved"
	StatusRejected VersionStatus = "rejected"
	StatusRetired  VersionStatus = "retired"
)

// Stage actors and roles.
const (
	ActorPatient   = "patient"
	ActorTherapist = "therapist"
	ActorDyad      = "dyad"

	RoleMarker     = "marker"
	RoleProcess    = "process"
	RoleResolution = "resolution"

	TransitionHypothesized = "hypothesized"
	TransitionAlternative  = "alternative"
	TransitionLoop         = "loop"
)

// Stage is one step of the model. Key is stable across versions.
type Stage struct {
	Key         string
	Name        string
	Description string
	Actor       string
	Role        string
	Optional    bool
	Cluster     string
	Codes       []string
}

// Transition is a hypothesized move between two stages.
type Transition struct {
	From string
	To   string
	Kind string
	Note string
}

// Cluster is a set of stages that may occur in any order, each optional,
// repeats allowed. Members name it in Stage.Cluster.
type Cluster struct {
	Key  string
	Name string
}

// Content is the part of a version that is frozen once it leaves draft.
type Content struct {
	Stages      []Stage
	Transitions []Transition
	Clusters    []Cluster
}

// Provenance records what a version was derived from.
type Provenance struct {
	Rounds     []int64
	Comparison *int64
}

// ChangeLogEntry is one change from the parent version with its evidence.
type ChangeLogEntry struct {
	Op       string
	Target   string
	Evidence map[string]any
}

// Version is one numbered, content-hashed state of a model.
type Version struct {
	ID          int64
	ModelID     int64
	ModelSlug   string
	Number      int
	Kind        VersionKind
	Status      VersionStatus
	Parent      *int
	Notes       string
	Content     Content
	Provenance  Provenance
	ChangeLog   []ChangeLogEntry
	ContentHash string
	CreatedAt   time.Time
	CreatedBy   int64
	UpdatedAt   time.Time
	StatusNote  string
	ApprovedAt  *time.Time
	ApprovedBy  *string
}

// Page asks for one page of a list: items after Cursor, at most Limit.
type Page struct {
	Cursor int64
	Limit  int
}

// VersionScope says which versions of a model a caller may see. The model
// team (All) sees every version; everyone else sees the approved and
// retired ones, and an invited panelist (Panelist, a user id) also the
// versions that a round inviting them reviews.
type VersionScope struct {
	All      bool
	Panelist int64
}

// ModelScope says which models a caller may list: all of them (admins),
// or those with a version the caller may see, and for a PI (TeamPI, a user
// id) also the models whose team they are on.
type ModelScope struct {
	All      bool
	TeamPI   int64
	Panelist int64
}
