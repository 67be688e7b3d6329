package api

import (
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Request and response types of the HTTP contract (api.md), with named
// converters to and from the domain. Create and update requests are
// separate types; server-owned fields appear only in responses.

type userCreateRequest struct {
	Name  string `json:"name" validate:"notblank,max=200"`
	Email string `json:"email" validate:"required,email,max=254"`
	Role  string `json:"role" validate:"required,oneof=admin pi panelist coder client" doc:"admins create any role; PIs create panelist, coder and client"`
}

type userResponse struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"admin,pi,panelist,coder,client"`
	CreatedAt time.Time `json:"created_at"`
	// Token is present only in the response that creates an admin, PI or
	// client (and in a rotation or a claim): shown once.
	Token string `json:"token,omitempty"`
	// Invitation is present only when a panelist or coder is created or
	// re-invited: they claim their own token with its code.
	Invitation *invitationResponse `json:"invitation,omitempty"`
}

// invitationResponse is a one-use code, shown once, valid until expires_at.
type invitationResponse struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

func toUser(u models.User, token string) userResponse {
	return userResponse{ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), CreatedAt: u.CreatedAt, Token: token}
}

func toCreatedUser(u models.User, cred users.Credentials) userResponse {
	out := toUser(u, cred.Token)
	if cred.Invitation != nil {
		out.Invitation = &invitationResponse{Code: cred.Invitation.Code, ExpiresAt: cred.Invitation.ExpiresAt}
	}
	return out
}

type modelCreateRequest struct {
	Slug       string `json:"slug" validate:"required,max=80,slug" doc:"unique"`
	Title      string `json:"title" validate:"notblank,max=300"`
	Marker     string `json:"marker" validate:"notblank,max=2000" doc:"the client marker that opens the task"`
	Resolution string `json:"resolution" validate:"notblank,max=2000" doc:"what resolution of the task looks like"`
	Context    string `json:"context" default:"" validate:"max=5000" doc:"the treatment context"`
}

type ownerResponse struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type modelResponse struct {
	Slug       string        `json:"slug"`
	Title      string        `json:"title"`
	Marker     string        `json:"marker"`
	Resolution string        `json:"resolution"`
	Context    string        `json:"context"`
	Owner      ownerResponse `json:"owner"`
	// Team is the model team (PIs acting as the model's PI), its creator
	// first.
	Team      []teamMemberResponse `json:"team"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

type teamMemberResponse struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Creator bool   `json:"creator"`
}

// teamRequest replaces a model's co-investigators.
type teamRequest struct {
	PIs []int64 `json:"pis" validate:"required,max=200,dive,min=1" doc:"the user ids of the PIs on the team (the creator stays in any case)"`
}

func toModel(m models.TaskModel) modelResponse {
	out := modelResponse{Slug: m.Slug, Title: m.Title, Marker: m.Marker, Resolution: m.Resolution, Context: m.Context,
		Owner: ownerResponse{ID: m.OwnerID, Name: m.OwnerName}, Team: make([]teamMemberResponse, len(m.Team)), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	for i, t := range m.Team {
		out.Team[i] = teamMemberResponse(t)
	}
	return out
}

type stageDTO struct {
	Key         string   `json:"key" validate:"required,max=64" doc:"letters, digits, '_', '.' or '-', starting with a letter or digit; unique in the version"`
	Name        string   `json:"name" validate:"notblank,max=200"`
	Description string   `json:"description" validate:"max=5000" default:""`
	Actor       string   `json:"actor" validate:"required,oneof=patient therapist dyad"`
	Role        string   `json:"role" validate:"required,oneof=marker process resolution"`
	Optional    bool     `json:"optional" default:"false"`
	Cluster     string   `json:"cluster" default:"" doc:"the key of a cluster of this version, or empty"`
	Codes       []string `json:"codes" validate:"required,min=1,max=100,dive,required,max=32" doc:"the indicator codes of the stage, printable characters without spaces; a code indicates one stage"`
}

type transitionDTO struct {
	From string `json:"from" validate:"required" doc:"a stage key"`
	To   string `json:"to" validate:"required" doc:"a stage key"`
	Kind string `json:"kind" validate:"omitempty,oneof=hypothesized alternative loop" default:"hypothesized"`
	Note string `json:"note" validate:"max=2000" default:""`
}

type clusterDTO struct {
	Key  string `json:"key" validate:"required,max=64"`
	Name string `json:"name" validate:"notblank,max=200"`
}

// versionRequest creates a draft or replaces a draft's content.
type versionRequest struct {
	Parent      *int            `json:"parent" doc:"the version number this one derives from"`
	Kind        string          `json:"kind" validate:"omitempty,oneof=rational rational_empirical" default:"rational"`
	Notes       string          `json:"notes" default:""`
	Stages      []stageDTO      `json:"stages" validate:"required,min=1,max=200,dive" doc:"at least one marker and one resolution stage"`
	Transitions []transitionDTO `json:"transitions" validate:"max=2000,dive" default:"[]"`
	Clusters    []clusterDTO    `json:"clusters" validate:"max=50,dive" default:"[]"`
}

func (versionRequest) openAPIName() string { return "Version" }

// moreProblems is what the content rules (versions.ValidateContent) find
// in a body that broke a tag: the graph rules a tag cannot state.
func (r *versionRequest) moreProblems() []models.FieldError {
	return versions.ValidateContent(versions.NormalizeContent(r.toInput().Content))
}

func (r versionRequest) toInput() versions.VersionInput {
	in := versions.VersionInput{Parent: r.Parent, Kind: models.VersionKind(r.Kind), Notes: r.Notes}
	for _, s := range r.Stages {
		in.Content.Stages = append(in.Content.Stages, models.Stage(s))
	}
	for _, t := range r.Transitions {
		in.Content.Transitions = append(in.Content.Transitions, models.Transition(t))
	}
	for _, k := range r.Clusters {
		in.Content.Clusters = append(in.Content.Clusters, models.Cluster(k))
	}
	return in
}

type provenanceDTO struct {
	Rounds     []int64 `json:"rounds"`
	Comparison *int64  `json:"comparison"`
}

type changeDTO struct {
	Op       string         `json:"op"`
	Target   string         `json:"target"`
	Evidence map[string]any `json:"evidence" doc:"the numbers behind the change, by op: the comparison id and the report rows cited (support, count, sessions, adjusted_residual, …) for synthesis entries; reason for entries not applied. An open object: keys may be added"`
}

type versionResponse struct {
	Model       string          `json:"model"`
	Number      int             `json:"number"`
	Kind        string          `json:"kind" enum:"rational,rational_empirical"`
	Status      string          `json:"status" enum:"draft,in_review,approved,rejected,retired"`
	Parent      *int            `json:"parent"`
	Notes       string          `json:"notes"`
	Stages      []stageDTO      `json:"stages"`
	Transitions []transitionDTO `json:"transitions"`
	Clusters    []clusterDTO    `json:"clusters"`
	Provenance  provenanceDTO   `json:"provenance"`
	ChangeLog   []changeDTO     `json:"change_log"`
	ContentHash string          `json:"content_hash"`
	StatusNote  string          `json:"status_note"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	ApprovedAt  *time.Time      `json:"approved_at"`
	ApprovedBy  *string         `json:"approved_by"`
}

func toStages(ss []models.Stage) []stageDTO {
	out := make([]stageDTO, 0, len(ss))
	for _, s := range ss {
		d := stageDTO(s)
		if d.Codes == nil {
			d.Codes = []string{}
		}
		out = append(out, d)
	}
	return out
}

func toTransitions(ts []models.Transition) []transitionDTO {
	out := make([]transitionDTO, 0, len(ts))
	for _, t := range ts {
		out = append(out, transitionDTO(t))
	}
	return out
}

func toClusters(cs []models.Cluster) []clusterDTO {
	out := make([]clusterDTO, 0, len(cs))
	for _, c := range cs {
		out = append(out, clusterDTO(c))
	}
	return out
}

func toVersion(v models.Version) versionResponse {
	r := versionResponse{
		Model: v.ModelSlug, Number: v.Number, Kind: string(v.Kind), Status: string(v.Status), Parent: v.Parent, Notes: v.Notes,
		Stages: toStages(v.Content.Stages), Transitions: toTransitions(v.Content.Transitions), Clusters: toClusters(v.Content.Clusters),
		Provenance:  provenanceDTO{Rounds: v.Provenance.Rounds, Comparison: v.Provenance.Comparison},
		ChangeLog:   []changeDTO{},
		ContentHash: v.ContentHash, StatusNote: v.StatusNote, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
		ApprovedAt: v.ApprovedAt, ApprovedBy: v.ApprovedBy,
	}
	if r.Provenance.Rounds == nil {
		r.Provenance.Rounds = []int64{}
	}
	for _, e := range v.ChangeLog {
		ev := e.Evidence
		if ev == nil {
			ev = map[string]any{}
		}
		r.ChangeLog = append(r.ChangeLog, changeDTO{Op: e.Op, Target: e.Target, Evidence: ev})
	}
	return r
}

type actionRequest struct {
	Note string `json:"note" default:"" doc:"why; kept with the status change"`
}

func (actionRequest) openAPIName() string { return "Action" }

type fieldChangeDTO struct {
	From any `json:"from"`
	To   any `json:"to"`
}

type stageChangeDTO struct {
	Key    string                    `json:"key"`
	Fields map[string]fieldChangeDTO `json:"fields"`
}

type transitionRefDTO struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

type diffStagesDTO struct {
	Added   []stageDTO       `json:"added"`
	Removed []stageDTO       `json:"removed"`
	Changed []stageChangeDTO `json:"changed"`
}

type diffTransitionsDTO struct {
	Added   []transitionRefDTO `json:"added"`
	Removed []transitionRefDTO `json:"removed"`
}

type diffClustersDTO struct {
	Added   []clusterDTO     `json:"added"`
	Removed []clusterDTO     `json:"removed"`
	Changed []stageChangeDTO `json:"changed"`
}

type diffResponse struct {
	From        int                `json:"from"`
	To          int                `json:"to"`
	Stages      diffStagesDTO      `json:"stages"`
	Transitions diffTransitionsDTO `json:"transitions"`
	Clusters    diffClustersDTO    `json:"clusters"`
}

func toDiff(d versions.Diff) diffResponse {
	fields := func(f map[string]versions.FieldChange) map[string]fieldChangeDTO {
		out := map[string]fieldChangeDTO{}
		for k, v := range f {
			out[k] = fieldChangeDTO(v)
		}
		return out
	}
	refs := func(ts []models.Transition) []transitionRefDTO {
		out := make([]transitionRefDTO, 0, len(ts))
		for _, t := range ts {
			out = append(out, transitionRefDTO{From: t.From, To: t.To, Kind: t.Kind})
		}
		return out
	}
	r := diffResponse{From: d.From, To: d.To,
		Stages:      diffStagesDTO{Added: toStages(d.StagesAdded), Removed: toStages(d.StagesRemoved), Changed: []stageChangeDTO{}},
		Transitions: diffTransitionsDTO{Added: refs(d.TransAdded), Removed: refs(d.TransRemoved)},
		Clusters:    diffClustersDTO{Added: toClusters(d.ClustersAdded), Removed: toClusters(d.ClustersRemoved), Changed: []stageChangeDTO{}},
	}
	for _, c := range d.StagesChanged {
		r.Stages.Changed = append(r.Stages.Changed, stageChangeDTO{Key: c.Key, Fields: fields(c.Fields)})
	}
	for _, c := range d.ClustersChanged {
		r.Clusters.Changed = append(r.Clusters.Changed, stageChangeDTO{Key: c.Key, Fields: fields(c.Fields)})
	}
	return r
}

type auditEntryResponse struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Detail   string    `json:"detail"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

func toAudit(e models.AuditEntry) auditEntryResponse {
	return auditEntryResponse(e)
}

type auditVerifyResponse struct {
	OK          bool   `json:"ok"`
	Entries     int64  `json:"entries"`
	FirstBadSeq *int64 `json:"first_bad_seq"`
}

type healthResponse struct {
	Status string `json:"status"`
}

type readyResponse struct {
	Status     string `json:"status"`
	Database   string `json:"database"`
	Migrations string `json:"migrations"`
}

// list is the envelope of every list: items and, unless this is the last
// page, the cursor of the next one.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
