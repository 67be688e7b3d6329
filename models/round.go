package models

import "time"

// RoundStatus is a step of the panel-round lifecycle: draft → open → closed.
type RoundStatus string

// Round statuses.
const (
	RoundDraft  RoundStatus = "draft"
	RoundOpen   RoundStatus = "open"
	RoundClosed RoundStatus = "closed"
)

// Re-invitation policies for a round that carries on from an earlier one.
const (
	ReinviteAll        = "all"
	ReinviteResponders = "responders"
)

// Item types and measures of a panel round.
const (
	ItemStage      = "stage"
	ItemTransition = "transition"

	MeasureRelevance = "relevance"
	MeasureClarity   = "clarity"
	MeasureAgreement = "agreement"
)

// Proposal kinds (domain.md, "Panel round").
const (
	ProposeAddStage         = "add_stage"
	ProposeRemoveStage      = "remove_stage"
	ProposeRenameStage      = "rename_stage"
	ProposeMergeStages      = "merge_stages"
	ProposeSplitStage       = "split_stage"
	ProposeAddTransition    = "add_transition"
	ProposeRemoveTransition = "remove_transition"
	ProposeMoveToCluster    = "move_to_cluster"
	ProposeOther            = "other"
)

// ProposalKinds lists every proposal kind in the documented order.
var ProposalKinds = []string{ProposeAddStage, ProposeRemoveStage, ProposeRenameStage, ProposeMergeStages, ProposeSplitStage,
	ProposeAddTransition, ProposeRemoveTransition, ProposeMoveToCluster, ProposeOther}

// Proposal decisions of the PI; an undecided proposal has an empty decision.
const (
	DecisionAccepted = "accepted"
	DecisionRejected = "rejected"
	DecisionDeferred = "deferred"
)

// RatingScale is the closed integer scale Min..Max of a round.
type RatingScale struct {
	Min int
	Max int
}

// ConsensusRule is a round's consensus rule with its parameters; a nil
// parameter is "not given" (workflow/stats.Rule has the same shape and
// the definitions).
type ConsensusRule struct {
	Name      string
	AgreeMin  *float64
	Threshold *float64
	MedianMin *float64
	IQRMax    *float64
	HighMin   *float64
	LowMax    *float64
	InShare   *float64
	VetoShare *float64
}

// ItemRef names one item a panel rates: a stage (Key) or a transition
// (From, To).
type ItemRef struct {
	Type string
	Key  string
	From string
	To   string
}

// Round is one expert-panel round on a version. Number counts the rounds
// of a model (1, 2, …) across its versions, so a Delphi study keeps
// counting when a round moves to a revised version.
type Round struct {
	ID            int64
	ModelID       int64
	ModelSlug     string
	VersionID     int64
	VersionNumber int
	Number        int
	Status        RoundStatus
	Scale         RatingScale
	// Rule is stored resolved: every parameter of the rule is set.
	Rule ConsensusRule
	// Items are the items this round asks about, in version order.
	Items         []ItemRef
	ClosesAt      *time.Time
	CarryFrom     *int64
	SkipConsensus bool
	Reinvite      string
	// MinGroup is the fewest panelists whose ratings of an item are shown
	// as statistics; an item rated by fewer shows only its n.
	MinGroup int
	// Salt keys the per-round pseudonyms; it never leaves the service.
	Salt      string
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	OpenedAt  *time.Time
	ClosedAt  *time.Time
}

// RoundPanelist is one invited panelist with whether they have responded;
// only the model's PI (for reminders) and admins see this list.
type RoundPanelist struct {
	UserID      int64
	Name        string
	Email       string
	RespondedAt *time.Time
}

// StageReview is one panelist's answer on a stage; a nil rating is
// missing, not zero.
type StageReview struct {
	Key       string
	Relevance *int
	Clarity   *int
	Comment   string
}

// TransitionReview is one panelist's answer on a transition.
type TransitionReview struct {
	From      string
	To        string
	Agreement *int
	Comment   string
}

// Proposal is a change a panelist proposes, with the PI's decision.
// Payload is the kind's JSON object as decoded (see workflow for the
// shape of each kind).
type Proposal struct {
	ID           int64
	RoundID      int64
	PanelistID   int64
	Position     int
	Kind         string
	Target       string
	Payload      map[string]any
	Rationale    string
	Decision     string
	DecisionNote string
	DecidedBy    *int64
	DecidedAt    *time.Time
	CreatedAt    time.Time
}

// Review is one panelist's review in one round; a later submission
// replaces it.
type Review struct {
	RoundID     int64
	PanelistID  int64
	Stages      []StageReview
	Transitions []TransitionReview
	Proposals   []Proposal
	Revision    int
	SubmittedAt time.Time
	UpdatedAt   time.Time
}

// DefaultMinGroup and LeastMinGroup bound a round's min_group.
const (
	DefaultMinGroup = 3
	LeastMinGroup   = 2
)

// EffectiveMinGroup is the round's min_group, the default when unset.
func (r Round) EffectiveMinGroup() int {
	if r.MinGroup < LeastMinGroup {
		return DefaultMinGroup
	}
	return r.MinGroup
}
