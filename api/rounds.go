package api

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/rounds"
	"github.com/stagewise/stagewise/workflow/sheet"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Expert-panel rounds (api.md, "Expert-panel rounds"). Rounds are
// numbered per model (1, 2, … across its versions). Results and the
// proposal list name panelists only by per-round pseudonyms P1..Pn.
func (s *server) roundRoutes() []route {
	const (
		tag         = "expert-panel rounds"
		versionPath = "/api/v1/models/{slug}/versions/{n}"
		roundPath   = "/api/v1/rounds/{id}"
	)
	page := pageQuery{}
	action := func(name, summary string) route {
		return route{method: http.MethodPost, path: roundPath + "/" + name, summary: summary, tag: tag, auth: true,
			h: s.roundAction(rounds.RoundAction(name)), req: actionRequest{}, optionalBody: true, resp: roundResponse{}, status: 200, errs: []int{400, 403, 404, 409, 422}}
	}
	return []route{
		{method: http.MethodPost, path: versionPath + "/rounds", summary: "Create a draft panel round on a version in review (the model's PI or an admin)", tag: tag, auth: true,
			h: s.createRound, req: roundCreateRequest{}, resp: roundResponse{}, status: 201, errs: []int{400, 403, 404, 409, 422}},
		{method: http.MethodGet, path: versionPath + "/rounds", summary: "List a version's rounds (panelists: the rounds they are invited to)", tag: tag, auth: true,
			h: s.listRounds, resp: list[roundResponse]{}, status: 200, query: page, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: versionPath + "/revise", summary: "Draft the next version with the accepted mechanical proposals of closed rounds applied", tag: tag, auth: true,
			h: s.reviseVersion, req: reviseRequest{}, optionalBody: true, resp: versionResponse{}, etag: true, status: 201, errs: []int{400, 403, 404, 409, 422}},
		{method: http.MethodGet, path: "/api/v1/rounds", summary: "The caller's rounds across models: invited (panelists), of their models (PIs), all (admins)", tag: tag, auth: true,
			h: s.myRounds, resp: list[roundResponse]{}, status: 200, query: page, errs: []int{403, 422}},
		{method: http.MethodGet, path: roundPath, summary: "One round (the PI sees who has responded, never what)", tag: tag, auth: true,
			h: s.getRound, resp: roundResponse{}, status: 200, errs: []int{403, 404}},
		action("open", "Open a draft round for reviews (draft → open)"),
		action("close", "Close an open round (open → closed)"),
		{method: http.MethodPut, path: roundPath + "/review", summary: "Submit or replace one's own review (invited panelists, round open, before closes_at)", tag: tag, auth: true,
			h: s.putReview, req: reviewRequest{}, resp: reviewResponse{}, status: 200, errs: []int{400, 403, 404, 409, 422}},
		{method: http.MethodGet, path: roundPath + "/review", summary: "One's own review", tag: tag, auth: true,
			h: s.getReview, resp: reviewResponse{}, status: 200, errs: []int{403, 404}},
		{method: http.MethodGet, path: roundPath + "/results", summary: "Consensus statistics after close, for the model team and the invited panelists (with their own answers); items rated by fewer than min_group panelists show only n; ?format=csv", tag: tag, auth: true,
			h: s.roundResults, resp: resultsResponse{}, status: 200, raw: []string{"text/csv"},
			query: resultsQuery{}, errs: []int{403, 404, 422}},
		{method: http.MethodGet, path: roundPath + "/proposals", summary: "A closed round's proposals with pseudonymous authors (the model team; withheld when fewer than min_group panelists responded)", tag: tag, auth: true,
			h: s.listProposals, resp: list[proposalResponse]{}, status: 200, query: page, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: roundPath + "/proposals/{pid}/decision", summary: "Decide a proposal of a closed round: accepted, rejected or deferred", tag: tag, auth: true,
			h: s.decideProposal, req: decisionRequest{}, resp: proposalResponse{}, status: 200, errs: []int{400, 403, 404, 409, 422}},
	}
}

type scaleDTO struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// scaleRequest is a scale in a request: both ends must be given (0 is a
// valid end, so they are pointers).
type scaleRequest struct {
	Min *int `json:"min" validate:"required"`
	Max *int `json:"max" validate:"required"`
}

func (scaleRequest) openAPIName() string { return "Scale" }

// consensusDTO is a consensus rule with its parameters; in responses every
// parameter of the rule is present (defaults resolved).
type consensusDTO struct {
	Name      string   `json:"rule" validate:"omitempty,oneof=percent_agree median_iqr grade cvi rand_ucla" default:"percent_agree"`
	AgreeMin  *float64 `json:"agree_min,omitempty" doc:"percent_agree: the lowest rating that agrees (default ⌈max − (max − min)/3⌉)"`
	Threshold *float64 `json:"threshold,omitempty" doc:"percent_agree: share of agreeing ratings for consensus (default 0.8); cvi: the I-CVI threshold (default 0.78)"`
	MedianMin *float64 `json:"median_min,omitempty" doc:"median_iqr: the lowest median (default as agree_min)"`
	IQRMax    *float64 `json:"iqr_max,omitempty" doc:"median_iqr: the largest interquartile range (default (max − min)/8)"`
	HighMin   *float64 `json:"high_min,omitempty" doc:"grade: the lowest high rating (default 7)"`
	LowMax    *float64 `json:"low_max,omitempty" doc:"grade: the highest low rating (default 3)"`
	InShare   *float64 `json:"in_share,omitempty" doc:"grade: share of high ratings for in (default 0.7)"`
	VetoShare *float64 `json:"veto_share,omitempty" doc:"grade: share of low ratings that vetoes (default 0.15)"`
}

func (consensusDTO) openAPIName() string { return "Consensus" }

func (consensusDTO) openAPIDescription() string {
	return "A consensus rule and its parameters (domain.md). A parameter left out takes its default; a parameter of another rule is 422. In responses every parameter of the rule is present."
}

type itemRefDTO struct {
	Type string `json:"type" validate:"required,oneof=stage transition"`
	Key  string `json:"key,omitempty" doc:"the stage key (type stage)"`
	From string `json:"from,omitempty" doc:"the transition's from stage (type transition)"`
	To   string `json:"to,omitempty" doc:"the transition's to stage (type transition)"`
}

func (itemRefDTO) openAPIName() string { return "ItemRef" }

func toItemRefs(its []models.ItemRef) []itemRefDTO {
	out := make([]itemRefDTO, len(its))
	for i, it := range its {
		out[i] = itemRefDTO(it)
	}
	return out
}

type roundCreateRequest struct {
	Panelists []int64       `json:"panelists" validate:"max=1000" doc:"user ids of panelists to invite; at least one unless carry_from re-invites some"`
	Scale     *scaleRequest `json:"scale" doc:"the rating scale (default 1-9)"`
	Consensus *consensusDTO `json:"consensus" doc:"the consensus rule (default percent_agree with its default parameters)"`
	// ClosesAt is an RFC 3339 time in the future.
	ClosesAt      *string      `json:"closes_at" validate:"omitnil,datetime=2006-01-02T15:04:05Z07:00" doc:"when the round stops taking reviews (RFC 3339, in the future); null: until closed"`
	Items         []itemRefDTO `json:"items" validate:"omitnil,min=1,dive" doc:"the stages and transitions to rate (default: every stage and transition of the version)"`
	CarryFrom     *int64       `json:"carry_from" doc:"an earlier closed round of the model whose panelists are re-invited"`
	SkipConsensus bool         `json:"skip_consensus" default:"false" doc:"with carry_from: leave out the items that reached consensus (in or out) there"`
	Reinvite      string       `json:"reinvite" validate:"omitempty,oneof=all responders" doc:"with carry_from: whom to re-invite (default all)"`
	MinGroup      *int         `json:"min_group" validate:"omitnil,min=2,max=1000" doc:"an item rated by fewer panelists shows only its n (default 3)"`
}

func (roundCreateRequest) openAPIName() string { return "Round" }

func (r roundCreateRequest) toInput() (rounds.RoundInput, error) {
	in := rounds.RoundInput{Panelists: r.Panelists, CarryFrom: r.CarryFrom, SkipConsensus: r.SkipConsensus, Reinvite: r.Reinvite, MinGroup: r.MinGroup}
	if r.Scale != nil {
		in.Scale = &models.RatingScale{Min: *r.Scale.Min, Max: *r.Scale.Max}
	}
	if r.Consensus != nil {
		in.Rule = models.ConsensusRule(*r.Consensus)
	}
	if r.ClosesAt != nil {
		t, err := time.Parse(time.RFC3339, *r.ClosesAt)
		if err != nil {
			return in, models.InvalidField("closes_at", "%s", err) // the datetime tag has checked it
		}
		in.ClosesAt = &t
	}
	if r.Items != nil {
		in.Items = make([]models.ItemRef, len(r.Items))
		for i, it := range r.Items {
			in.Items[i] = models.ItemRef(it)
		}
	}
	return in, nil
}

type panelistDTO struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Responded   bool       `json:"responded"`
	RespondedAt *time.Time `json:"responded_at"`
}

type roundResponse struct {
	ID            int64        `json:"id"`
	Model         string       `json:"model"`
	Version       int          `json:"version"`
	Number        int          `json:"number"`
	Status        string       `json:"status" enum:"draft,open,closed"`
	Scale         scaleDTO     `json:"scale"`
	Consensus     consensusDTO `json:"consensus"`
	ClosesAt      *time.Time   `json:"closes_at"`
	Items         []itemRefDTO `json:"items"`
	CarryFrom     *int64       `json:"carry_from"`
	SkipConsensus bool         `json:"skip_consensus"`
	Reinvite      string       `json:"reinvite,omitempty" enum:"all,responders"`
	MinGroup      int          `json:"min_group"`
	Invited       int          `json:"invited"`
	Responded     int          `json:"responded"`
	// Panelists is shown to the model's PI and admins only: who is invited
	// and who has responded (for reminders), never what they answered.
	Panelists []panelistDTO `json:"panelists,omitempty"`
	// ReviewSubmitted is the calling panelist's own state.
	ReviewSubmitted *bool      `json:"review_submitted,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	OpenedAt        *time.Time `json:"opened_at"`
	ClosedAt        *time.Time `json:"closed_at"`
}

func toRound(v rounds.RoundView) roundResponse {
	r := v.Round
	out := roundResponse{ID: r.ID, Model: r.ModelSlug, Version: r.VersionNumber, Number: r.Number, Status: string(r.Status),
		Scale: scaleDTO{Min: r.Scale.Min, Max: r.Scale.Max}, Consensus: consensusDTO(r.Rule), ClosesAt: r.ClosesAt,
		Items: toItemRefs(r.Items), CarryFrom: r.CarryFrom, SkipConsensus: r.SkipConsensus, Reinvite: r.Reinvite,
		MinGroup: r.EffectiveMinGroup(), Invited: v.Invited, Responded: v.Responded, ReviewSubmitted: v.OwnResponded,
		CreatedAt: r.CreatedAt, OpenedAt: r.OpenedAt, ClosedAt: r.ClosedAt}
	if v.Manager {
		out.Panelists = make([]panelistDTO, len(v.Panelists))
		for i, p := range v.Panelists {
			out.Panelists[i] = panelistDTO{ID: p.UserID, Name: p.Name, Email: p.Email, Responded: p.RespondedAt != nil, RespondedAt: p.RespondedAt}
		}
	}
	return out
}

type stageRatingDTO struct {
	Key       string `json:"key" validate:"required"`
	Relevance *int   `json:"relevance" doc:"a point of the round's scale; null or left out: missing"`
	Clarity   *int   `json:"clarity" doc:"a point of the round's scale; null or left out: missing"`
	Comment   string `json:"comment" default:""`
}

func (stageRatingDTO) openAPIName() string { return "StageRating" }

type transitionRatingDTO struct {
	From      string `json:"from" validate:"required"`
	To        string `json:"to" validate:"required"`
	Agreement *int   `json:"agreement" doc:"a point of the round's scale; null or left out: missing"`
	Comment   string `json:"comment" default:""`
}

func (transitionRatingDTO) openAPIName() string { return "TransitionRating" }

type proposalRequest struct {
	Kind      string         `json:"kind" validate:"required,oneof=add_stage remove_stage rename_stage merge_stages split_stage add_transition remove_transition move_to_cluster other"`
	Target    string         `json:"target"`
	Payload   map[string]any `json:"payload"`
	Rationale string         `json:"rationale"`
}

// reviewRequest is a panelist's whole review; a rating left out or null
// is missing, not zero.
type reviewRequest struct {
	Stages      []stageRatingDTO      `json:"stages" validate:"dive" default:"[]"`
	Transitions []transitionRatingDTO `json:"transitions" validate:"dive" default:"[]"`
	Proposals   []proposalRequest     `json:"proposals" validate:"dive" default:"[]"`
}

func (reviewRequest) openAPIName() string { return "Review" }

func (r reviewRequest) toReview() models.Review {
	rv := models.Review{Stages: make([]models.StageReview, len(r.Stages)), Transitions: make([]models.TransitionReview, len(r.Transitions)),
		Proposals: make([]models.Proposal, len(r.Proposals))}
	for i, s := range r.Stages {
		rv.Stages[i] = models.StageReview(s)
	}
	for i, t := range r.Transitions {
		rv.Transitions[i] = models.TransitionReview(t)
	}
	for i, p := range r.Proposals {
		rv.Proposals[i] = models.Proposal{Kind: p.Kind, Target: p.Target, Payload: p.Payload, Rationale: p.Rationale}
	}
	return rv
}

type proposalResponse struct {
	ID    int64 `json:"id"`
	Round int64 `json:"round"`
	// Author is the round's pseudonym of the panelist (P1, P2, …).
	Author       string         `json:"author,omitempty"`
	Kind         string         `json:"kind" enum:"add_stage,remove_stage,rename_stage,merge_stages,split_stage,add_transition,remove_transition,move_to_cluster,other"`
	Target       string         `json:"target"`
	Payload      map[string]any `json:"payload"`
	Rationale    string         `json:"rationale"`
	Mechanical   bool           `json:"mechanical"`
	Decision     string         `json:"decision" enum:"undecided,accepted,rejected,deferred"`
	DecisionNote string         `json:"decision_note"`
	DecidedAt    *time.Time     `json:"decided_at"`
}

func toProposal(p models.Proposal, author string) proposalResponse {
	d := p.Decision
	if d == "" {
		d = "undecided"
	}
	payload := p.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	return proposalResponse{ID: p.ID, Round: p.RoundID, Author: author, Kind: p.Kind, Target: p.Target, Payload: payload,
		Rationale: p.Rationale, Mechanical: versions.Mechanical(p.Kind), Decision: d, DecisionNote: p.DecisionNote, DecidedAt: p.DecidedAt}
}

type reviewResponse struct {
	Round       int64                 `json:"round"`
	Stages      []stageRatingDTO      `json:"stages"`
	Transitions []transitionRatingDTO `json:"transitions"`
	Proposals   []proposalResponse    `json:"proposals"`
	Revision    int                   `json:"revision"`
	SubmittedAt time.Time             `json:"submitted_at"`
	UpdatedAt   time.Time             `json:"updated_at"`
}

func toReview(rv models.Review) reviewResponse {
	out := reviewResponse{Round: rv.RoundID, Stages: make([]stageRatingDTO, len(rv.Stages)), Transitions: make([]transitionRatingDTO, len(rv.Transitions)),
		Proposals: make([]proposalResponse, len(rv.Proposals)), Revision: rv.Revision, SubmittedAt: rv.SubmittedAt, UpdatedAt: rv.UpdatedAt}
	for i, s := range rv.Stages {
		out.Stages[i] = stageRatingDTO(s)
	}
	for i, t := range rv.Transitions {
		out.Transitions[i] = transitionRatingDTO(t)
	}
	for i, p := range rv.Proposals {
		p.RoundID = rv.RoundID
		out.Proposals[i] = toProposal(p, "")
	}
	return out
}

type decisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=accepted rejected deferred"`
	Note     string `json:"note" validate:"max=5000" default:""`
}

type reviseRequest struct {
	Rounds []int64 `json:"rounds" validate:"omitnil,min=1" doc:"the closed rounds whose accepted proposals are applied (default: every closed round of the version)"`
	Notes  string  `json:"notes" default:""`
}

type countDTO struct {
	Value int `json:"value"`
	N     int `json:"n"`
}

// itemChangeDTO is an item's statistics in the previous round and the
// change since.
type itemChangeDTO struct {
	PreviousN int `json:"previous_n"`
	// PreviousSuppressed: the previous round had fewer than its min_group
	// ratings of the item, so none of its statistics are shown.
	PreviousSuppressed   bool     `json:"previous_suppressed"`
	PreviousMedian       *float64 `json:"previous_median"`
	PreviousPercentAgree *float64 `json:"previous_percent_agree"`
	PreviousConsensus    string   `json:"previous_consensus" enum:"in,out,none"`
	MedianDelta          *float64 `json:"median_delta"`
	PercentAgreeDelta    *float64 `json:"percent_agree_delta"`
}

type resultItemDTO struct {
	Target  itemRefDTO `json:"target"`
	Measure string     `json:"measure" enum:"relevance,clarity,agreement"`
	N       int        `json:"n"`
	// Suppressed: fewer than the round's min_group panelists rated the
	// item; every statistic is null and the distribution left out.
	Suppressed   bool       `json:"suppressed"`
	Median       *float64   `json:"median"`
	Q1           *float64   `json:"q1"`
	Q3           *float64   `json:"q3"`
	IQR          *float64   `json:"iqr"`
	Mean         *float64   `json:"mean"`
	SD           *float64   `json:"sd"`
	PercentAgree *float64   `json:"percent_agree"`
	ICVI         *float64   `json:"i_cvi"`
	KappaStar    *float64   `json:"kappa_star"`
	Consensus    string     `json:"consensus" enum:"in,out,none"`
	Reason       string     `json:"reason"`
	Distribution []countDTO `json:"distribution,omitempty"`
	// Stability (total variation distance between the two rounds'
	// distributions, 0-1) and Change: from the second round on, for items
	// the previous round rated.
	Stability *float64       `json:"stability,omitempty"`
	Change    *itemChangeDTO `json:"change,omitempty"`
	// Own is the calling panelist's own rating (after close).
	Own *int `json:"own,omitempty"`
}

type droppedDTO struct {
	Target itemRefDTO `json:"target"`
	Reason string     `json:"reason" enum:"consensus,removed,not_selected"`
}

type kendallDTO struct {
	W            float64 `json:"w"`
	ChiSquare    float64 `json:"chi_square"`
	DF           int     `json:"df"`
	P            float64 `json:"p"`
	Raters       int     `json:"raters"`
	Items        int     `json:"items"`
	TieCorrected bool    `json:"tie_corrected"`
}

type resultsResponse struct {
	Round          int64           `json:"round"`
	RoundNumber    int             `json:"round_number"`
	Status         string          `json:"status" enum:"draft,open,closed"`
	Scale          scaleDTO        `json:"scale"`
	Rule           consensusDTO    `json:"rule"`
	QuantileMethod string          `json:"quantile_method"`
	Invited        int             `json:"invited"`
	Responded      int             `json:"responded"`
	ResponseRate   *float64        `json:"response_rate"`
	Items          []resultItemDTO `json:"items"`
	SCVIAve        *float64        `json:"s_cvi_ave"`
	SCVIUA         *float64        `json:"s_cvi_ua"`
	// SCVIItems is how many stage-relevance items the S-CVI covers (the
	// suppressed ones are left out).
	SCVIItems int         `json:"s_cvi_items,omitempty"`
	MinGroup  int         `json:"min_group"`
	KendallW  *float64    `json:"kendall_w"`
	Kendall   *kendallDTO `json:"kendall,omitempty"`
	// From the second round on.
	PreviousRound    *int64        `json:"previous_round,omitempty"`
	ReachedConsensus *[]itemRefDTO `json:"reached_consensus,omitempty"`
	Dropped          *[]droppedDTO `json:"dropped,omitempty"`
	CarriedOver      *[]itemRefDTO `json:"carried_over,omitempty"`
	// Own is the calling panelist's review (after close).
	Own *reviewResponse `json:"own,omitempty"`
}

const quantileMethod = "R type 7 (Hyndman & Fan 1996): h = (n - 1)p, linear interpolation"

func num(v float64) *float64 { return &v }

func toResultItem(it rounds.ItemResult) resultItemDTO {
	d := it.Desc
	out := resultItemDTO{Target: itemRefDTO(it.Target), Measure: it.Measure, N: d.N, Consensus: it.Consensus.Consensus, Reason: it.Consensus.Reason, Own: it.Own}
	if p := it.Previous; p != nil {
		ch := &itemChangeDTO{PreviousN: p.Desc.N, PreviousSuppressed: p.Suppressed, PreviousConsensus: p.Consensus.Consensus}
		if p.Desc.N > 0 && !p.Suppressed {
			ch.PreviousMedian, ch.PreviousPercentAgree = num(p.Desc.Median), num(p.Consensus.PercentAgree)
			if d.N > 0 && !it.Suppressed {
				ch.MedianDelta = num(d.Median - p.Desc.Median)
				ch.PercentAgreeDelta = num(it.Consensus.PercentAgree - p.Consensus.PercentAgree)
			}
		}
		out.Change = ch
	}
	if it.Suppressed {
		// Only n: no statistic, distribution or stability of fewer than
		// min_group ratings leaves the service.
		out.Suppressed = true
		return out
	}
	out.ICVI, out.KappaStar, out.Stability = it.Consensus.ICVI, it.Consensus.KappaStar, it.Stability
	out.Distribution = make([]countDTO, len(d.Distribution))
	for i, c := range d.Distribution {
		out.Distribution[i] = countDTO(c)
	}
	if d.N > 0 {
		out.Median, out.Q1, out.Q3, out.IQR, out.Mean = num(d.Median), num(d.Q1), num(d.Q3), num(d.IQR), num(d.Mean)
		out.PercentAgree = num(it.Consensus.PercentAgree)
	}
	if d.SDDefined {
		out.SD = num(d.SD)
	}
	return out
}

func toResults(r rounds.RoundResults) resultsResponse {
	out := resultsResponse{Round: r.Round.ID, RoundNumber: r.Round.Number, Status: string(r.Round.Status),
		Scale: scaleDTO{Min: r.Round.Scale.Min, Max: r.Round.Scale.Max}, Rule: consensusDTO(models.ConsensusRule(r.Rule)), QuantileMethod: quantileMethod,
		Invited: r.Invited, Responded: r.Responded, Items: make([]resultItemDTO, len(r.Items)),
		SCVIAve: r.SCVIAve, SCVIUA: r.SCVIUA, SCVIItems: r.SCVIItems, MinGroup: r.Round.EffectiveMinGroup(), KendallW: r.KendallW}
	if r.Invited > 0 {
		out.ResponseRate = num(float64(r.Responded) / float64(r.Invited))
	}
	for i, it := range r.Items {
		out.Items[i] = toResultItem(it)
	}
	if k := r.Kendall; k != nil {
		out.Kendall = &kendallDTO{W: k.W, ChiSquare: k.ChiSquare, DF: k.DF, P: k.P, Raters: k.Raters, Items: k.Items, TieCorrected: k.TieCorrected}
	}
	if r.Previous != nil {
		id := r.Previous.ID
		out.PreviousRound = &id
		reached, carried := toItemRefs(r.ReachedConsensus), toItemRefs(r.CarriedOver)
		dropped := make([]droppedDTO, len(r.Dropped))
		for i, d := range r.Dropped {
			dropped[i] = droppedDTO{Target: itemRefDTO(d.Target), Reason: d.Reason}
		}
		out.ReachedConsensus, out.CarriedOver, out.Dropped = &reached, &carried, &dropped
	}
	if r.Own != nil {
		own := toReview(*r.Own)
		out.Own = &own
	}
	return out
}

// resultsCSV is one row per item and measure: aggregate statistics only,
// with one count column per scale point.
func resultsCSV(r rounds.RoundResults) ([]byte, error) {
	var buf bytes.Buffer
	w := sheet.NewWriter(&buf)
	header := []string{"round", "round_number", "type", "key", "from", "to", "measure", "n", "suppressed", "median", "q1", "q3", "iqr", "mean", "sd",
		"percent_agree", "i_cvi", "kappa_star", "consensus", "stability"}
	for v := r.Round.Scale.Min; v <= r.Round.Scale.Max; v++ {
		header = append(header, "n_"+strconv.Itoa(v))
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	for _, it := range r.Items {
		d := toResultItem(it)
		row := []string{strconv.FormatInt(r.Round.ID, 10), strconv.Itoa(r.Round.Number), d.Target.Type, d.Target.Key, d.Target.From, d.Target.To,
			d.Measure, strconv.Itoa(d.N), strconv.FormatBool(d.Suppressed), f(d.Median), f(d.Q1), f(d.Q3), f(d.IQR), f(d.Mean), f(d.SD), f(d.PercentAgree), f(d.ICVI),
			f(d.KappaStar), d.Consensus, f(d.Stability)}
		for _, c := range d.Distribution {
			row = append(row, strconv.Itoa(c.N))
		}
		for range r.Round.Scale.Max - r.Round.Scale.Min + 1 - len(d.Distribution) {
			row = append(row, "") // a suppressed item's counts stay empty
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func (s *server) createRound(c echo.Context, u models.User) error {
	n, err := versionNumber(c)
	if err != nil {
		return err
	}
	var req roundCreateRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	in, err := req.toInput()
	if err != nil {
		return err
	}
	r, err := s.Service.Rounds.CreateRound(c.Request().Context(), u, c.Param("slug"), n, in)
	if err != nil {
		return err
	}
	v, err := s.Service.Rounds.Round(c.Request().Context(), u, r.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/rounds/"+strconv.FormatInt(r.ID, 10))
	return respond(c, http.StatusCreated, toRound(v))
}

func (s *server) listRounds(c echo.Context, u models.User) error {
	n, err := versionNumber(c)
	if err != nil {
		return err
	}
	p := pageOf(c)
	rs, err := s.Service.Rounds.ListRounds(c.Request().Context(), u, c.Param("slug"), n, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(rs, p, toRound, func(v rounds.RoundView) int64 { return int64(v.Round.Number) }))
}

func (s *server) myRounds(c echo.Context, u models.User) error {
	p := pageOf(c)
	rs, err := s.Service.Rounds.MyRounds(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(rs, p, toRound, func(v rounds.RoundView) int64 { return v.Round.ID }))
}

func (s *server) getRound(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	v, err := s.Service.Rounds.Round(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toRound(v))
}

func (s *server) roundAction(action rounds.RoundAction) func(c echo.Context, u models.User) error {
	return func(c echo.Context, u models.User) error {
		id, err := idParam(c, "id", "round")
		if err != nil {
			return err
		}
		var req actionRequest
		if err := bindOptional(c, &req); err != nil {
			return err
		}
		v, err := s.Service.Rounds.TransitionRound(c.Request().Context(), u, id, action, req.Note)
		if err != nil {
			return err
		}
		return respond(c, http.StatusOK, toRound(v))
	}
}

func (s *server) putReview(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	var req reviewRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	rv, err := s.Service.Rounds.SubmitReview(c.Request().Context(), u, id, req.toReview())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReview(rv))
}

func (s *server) getReview(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	rv, err := s.Service.Rounds.MyReview(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReview(rv))
}

func (s *server) roundResults(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	format := queryOf[resultsQuery](c).Format
	r, err := s.Service.Rounds.Results(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	if format == "csv" {
		b, err := resultsCSV(r)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="round-`+strconv.FormatInt(id, 10)+`-results.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b)
	}
	return respond(c, http.StatusOK, toResults(r))
}

func (s *server) listProposals(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	p := pageOf(c)
	ps, err := s.Service.Rounds.Proposals(c.Request().Context(), u, id, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(ps, p, func(x rounds.PseudonymousProposal) proposalResponse { return toProposal(x.Proposal, x.Author) },
		func(x rounds.PseudonymousProposal) int64 { return x.ID }))
}

func (s *server) decideProposal(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "round")
	if err != nil {
		return err
	}
	pid, err := idParam(c, "pid", "proposal")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	p, err := s.Service.Rounds.Decide(c.Request().Context(), u, id, pid, req.Decision, req.Note)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProposal(p.Proposal, p.Author))
}

func (s *server) reviseVersion(c echo.Context, u models.User) error {
	n, err := versionNumber(c)
	if err != nil {
		return err
	}
	var req reviseRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	v, err := s.Service.Versions.Revise(c.Request().Context(), u, c.Param("slug"), n, versions.ReviseInput{Rounds: req.Rounds, Notes: req.Notes})
	if err != nil {
		return err
	}
	return respondVersion(c, http.StatusCreated, v)
}
