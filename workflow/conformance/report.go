package conformance

import "math"

// Report is the result of a comparison. Every list has a fixed order (see the
// field comments), so equal inputs give byte-identical JSON whatever order the
// sessions were added in. Undefined numbers are null, never NaN or Inf.
//
// A Report is read-only: rows of sessions with the same stage sequence share
// their Stages, Deviations and KendallTau, and Model is the analyzer's graph.
type Report struct {
	Params        Params          `json:"params"`
	Summary       Summary         `json:"summary"`
	Stages        []StageRow      `json:"stages"`         // model stage order
	Transitions   []TransitionRow `json:"transitions"`    // by (from, to) in model stage order
	Sequences     []SequenceRow   `json:"sequences"`      // by case label (bytewise), session number, then stage sequence (lexicographic in model order)
	UnmappedCodes []CodeCount     `json:"unmapped_codes"` // by code (bytewise)
	// LeftOut lists the sessions the caller left out before the analysis
	// (e.g. no events by the chosen coder), as the caller gave them.
	LeftOut   []SessionRef `json:"left_out"`
	LagTable  LagTable     `json:"lag_table"`
	Discovery Discovery    `json:"discovery"`
	// Variants are the distinct stage sequences, most frequent first (see
	// VariantRow).
	Variants []VariantRow `json:"variants"`
	// Validation compares resolved with unresolved sessions (see
	// Validation).
	Validation Validation `json:"validation"`
	// Baseline is set when the caller compared the same sessions with
	// another version of the model (NewBaseline).
	Baseline *Baseline `json:"baseline,omitempty"`
	Model    *DFG      `json:"model"`
}

// VariantRow is one distinct collapsed stage sequence: the sessions having
// it and the cases having at least one of those. Rows are ordered by
// sessions, descending; ties by the stage sequence, lexicographically in
// model stage order (a sequence before its extensions). Sessions that
// differ only in their unmapped events share a row.
type VariantRow struct {
	Stages   []string `json:"stages"`
	Sessions int      `json:"sessions"`
	Cases    int      `json:"cases"`
}

// Validation is the discrimination analysis of domain.md ("Synthesis and
// validation"): what separates resolved from unresolved sessions.
//
// Outcome is Params.Outcome: "resolution_stage" (the sequence ends in a
// resolution stage) or "reported" (the chosen rater's resolution rating
// ≥ outcome_min). Resolved and Unresolved count the sessions of each
// group; NoOutcome counts the sessions left out because they lack the
// rating (always 0 under resolution_stage).
//
// One test per model stage (model order) and per observed transition (the
// transition rows with count > 0, in their order; self-pairs only with
// allow_repeats). Each tests the 2×2 table [[resolved_with, resolved −
// resolved_with], [unresolved_with, unresolved − unresolved_with]], where
// "with" counts the sessions containing the stage (pair): the sample odds
// ratio with 0.5 added to every cell when one is 0 (corrected: true), its
// 95 % Wald interval on the log scale (exp(log OR ± 1.959964·SE)); both
// null when a row or column of the table is empty; the two-sided Fisher
// exact p as R's fisher.test (1 for a table with an empty row or column);
// and the Holm-adjusted p over the whole family, every stage and
// transition test of this validation (Tests of them), as R's
// p.adjust(method = "holm").
//
// Fitness is the log fitness of each group (1 − Σcost/Σdenominator over
// its sessions), null for an empty group.
type Validation struct {
	Outcome     string       `json:"outcome"`
	Resolved    int          `json:"resolved"`
	Unresolved  int          `json:"unresolved"`
	NoOutcome   int          `json:"no_outcome"`
	Family      string       `json:"family"`
	Tests       int          `json:"tests"`
	Stages      []Test       `json:"stages"`
	Transitions []Test       `json:"transitions"`
	Fitness     GroupFitness `json:"fitness"`
}

// ValidationFamily states the family of tests that Holm adjusts over.
const ValidationFamily = "every stage and every observed transition of this validation"

// Test is one discrimination test (see Validation): of a stage (Key set)
// or of an observed transition (From and To set).
type Test struct {
	Key            string      `json:"key,omitempty"`
	From           string      `json:"from,omitempty"`
	To             string      `json:"to,omitempty"`
	ResolvedWith   int         `json:"resolved_with"`
	UnresolvedWith int         `json:"unresolved_with"`
	OddsRatio      *float64    `json:"odds_ratio"`
	CI95           *[2]float64 `json:"ci95"`
	Corrected      bool        `json:"corrected"`
	FisherP        float64     `json:"fisher_p"`
	HolmP          float64     `json:"holm_p"`
}

// GroupFitness is the log fitness of the resolved and the unresolved
// sessions.
type GroupFitness struct {
	Resolved   *float64 `json:"resolved"`
	Unresolved *float64 `json:"unresolved"`
}

// Summary holds the log-level figures. Sessions and Cases count the sessions
// with a non-empty stage sequence (and the cases having at least one); the
// sessions whose sequence is empty after mapping are counted in SkippedEmpty
// only (their unmapped codes still count in unmapped_codes) and take part in
// no other metric.
type Summary struct {
	Sessions int `json:"sessions"`
	Cases    int `json:"cases"`
	Variants int `json:"variants"` // distinct collapsed sequences
	// Fitness is the log fitness 1 − Σcost / Σ(shortest model path + length)
	// over sessions (each session counted).
	Fitness *float64 `json:"fitness"`
	// Precision is ETConformance on the DFG over the replayable proper
	// prefixes, each weighted by the sessions sharing it.
	Precision *float64 `json:"precision"`
	// OrderConforming counts the conforming sessions.
	OrderConforming int `json:"order_conforming"`
	// StagesSupported counts the supported stages.
	StagesSupported int `json:"stages_supported"`
	// TransitionsSupported counts the supported transition rows that are in
	// the model (in_model).
	TransitionsSupported int `json:"transitions_supported"`
	// DeclaredTransitions and DeclaredSupported count the declared
	// transitions and the supported ones among them.
	DeclaredTransitions int `json:"declared_transitions"`
	DeclaredSupported   int `json:"declared_supported"`
	// AllowedTransitionShare is the share of all adjacent-pair occurrences
	// whose pair is a DFG edge (null when there are none).
	AllowedTransitionShare *float64 `json:"allowed_transition_share"`
	// Resolved counts the sessions ending in a resolution stage.
	Resolved int `json:"resolved"`
	// SkippedEmpty counts the sessions whose sequence was empty after mapping.
	SkippedEmpty int `json:"skipped_empty"`
	// LeftOut counts the sessions the caller left out before the analysis
	// (see Report.LeftOut).
	LeftOut int `json:"left_out"`
	// MeanKendallTau is the mean τ-b over the sessions where it is defined.
	MeanKendallTau *float64 `json:"mean_kendall_tau"`
	// MeanFitness is the plain mean of the session fitness values.
	MeanFitness *float64 `json:"mean_fitness"`
	// Events counts the mapped events (before collapsing), UnmappedEvents the
	// events whose code indicates no stage.
	Events         int `json:"events"`
	UnmappedEvents int `json:"unmapped_events"`
}

// StageRow is the support of one stage; there is one row per model stage, in
// model order (codes that indicate no stage are in unmapped_codes, never
// stages). Supports are shares of all sessions
// (cases) in which the stage occurs; Supported compares the share in the
// report's unit with the threshold (≥).
type StageRow struct {
	Key            string   `json:"key"`
	Role           string   `json:"role"`
	Sessions       int      `json:"sessions"`
	Cases          int      `json:"cases"`
	SessionSupport *float64 `json:"session_support"`
	CaseSupport    *float64 `json:"case_support"`
	Supported      bool     `json:"supported"`
}

// TransitionRow describes one ordered stage pair: every pair observed adjacent
// in a collapsed sequence and every declared transition.
type TransitionRow struct {
	From string `json:"from"`
	To   string `json:"to"`
	// InModel: the pair is an edge of the compiled DFG, or a declared
	// self-loop. With allow_repeats a self-pair a→a is listed when a stage
	// repeats in the uncollapsed sequence (domain.md: every observed pair).
	InModel bool `json:"in_model"`
	// Kind is the declared kind, "" when the pair was not declared.
	Kind string `json:"kind,omitempty"`
	// Count: occurrences of the pair as adjacent stages of the collapsed
	// sequences (for a self-pair under allow_repeats: adjacent repeats of
	// the uncollapsed mapped sequence); Sessions and Cases: sessions
	// (cases) containing it.
	Count    int `json:"count"`
	Sessions int `json:"sessions"`
	Cases    int `json:"cases"`
	// Support: share in the report's unit; Supported: Support ≥ threshold.
	Support        *float64 `json:"support"`
	SessionSupport *float64 `json:"session_support"`
	CaseSupport    *float64 `json:"case_support"`
	Supported      bool     `json:"supported"`
	// Probability p(to|from), AdjustedResidual and YulesQ come from the lag
	// table (at the report's lag, so for lag > 1 they describe that lag).
	Probability      *float64 `json:"probability"`
	AdjustedResidual *float64 `json:"adjusted_residual"`
	YulesQ           *float64 `json:"yules_q"`
	// Dependency is the heuristics-miner dependency a⇒b =
	// (|a>b| − |b>a|)/(|a>b| + |b>a| + 1) on the collapsed adjacent-pair
	// counts (a⇒a = |a>a|/(|a>a| + 1)).
	Dependency float64 `json:"dependency"`
}

// SequenceRow is one session.
type SequenceRow struct {
	Case    string   `json:"case"`
	Session int      `json:"session"`
	Stages  []string `json:"stages"` // collapsed stage sequence
	// Cost is the optimal alignment cost, Fitness 1 − cost/(shortest model
	// path + len(Stages)).
	Cost       int         `json:"cost"`
	Fitness    float64     `json:"fitness"`
	Conforms   bool        `json:"conforms"`
	KendallTau *float64    `json:"kendall_tau"`
	Resolved   bool        `json:"resolved"`
	Deviations []Deviation `json:"deviations"` // in alignment order
}

// CodeCount counts the events of one code that indicates no stage, and
// the sessions having at least one (sessions whose stage sequence is empty
// included: see Summary.SkippedEmpty).
type CodeCount struct {
	Code     string `json:"code"`
	Count    int    `json:"count"`
	Sessions int    `json:"sessions"`
}

// Discovery holds process-discovery counts over the collapsed sequences
// (directly-follows counts are the transitions' Count; dependencies are the
// transitions' Dependency).
type Discovery struct {
	StartCounts []StageCount `json:"start_counts"` // sessions starting with the stage, model order, zeros omitted
	EndCounts   []StageCount `json:"end_counts"`   // sessions ending with the stage, model order, zeros omitted
}

// StageCount counts sessions per stage.
type StageCount struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

// num returns a pointer to f, or nil when f is NaN or infinite.
func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	return num(float64(a) / float64(b))
}

// SessionRef names a session by case label and session number.
type SessionRef struct {
	Case    string `json:"case"`
	Session int    `json:"session"`
}

// SetLeftOut records the sessions the caller left out before the analysis.
func (r *Report) SetLeftOut(refs []SessionRef) {
	if refs == nil {
		refs = []SessionRef{}
	}
	r.LeftOut = refs
	r.Summary.LeftOut = len(refs)
}
