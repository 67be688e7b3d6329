package api

import "time"

// The comparison report on the wire.
//
// A report is computed once, encoded by workflow/conformance (json.go, a
// hand-written encoder byte-identical to encoding/json, fast enough for
// 100,000 sessions) and stored; GET and POST answer with the stored bytes
// as they are, never decoded and re-encoded. So the report's JSON is both
// the public API and a stored format, and the two must not drift apart
// silently. These types are the API's own description of that JSON, in
// package api: the OpenAPI document is generated from them, not from the
// analysis structs. TestReportGolden proves the two agree on a stored
// report: the bytes the server stores and serves equal
// testdata/comparison-report.golden.json, and that file decodes strictly
// (no unknown field) into comparisonWire and encodes back byte for byte.
// A change of the report format therefore fails that test until it is
// made deliberately: change the fields here, bump reportFormat (which the
// engine version in every comparison's inputs carries, so stored reports
// say which format they are in), and regenerate the golden file and the
// client (go test ./api -run TestReportGolden -update-golden;
// go generate ./api/client/).

// reportFormat is the version of the stored report format these types
// describe (workflow's engine version).
const reportFormat = "stagewise-conformance/2"

type comparisonWire struct {
	ID        int64                `json:"id"`
	CreatedAt time.Time            `json:"created_at"`
	Inputs    comparisonInputsWire `json:"inputs"`
	Report    reportWire           `json:"report"`
}

func (comparisonWire) openAPIName() string { return "Comparison" }

type comparisonListItemWire struct {
	ID        int64                `json:"id"`
	CreatedAt time.Time            `json:"created_at"`
	Inputs    comparisonInputsWire `json:"inputs"`
	Summary   reportSummaryWire    `json:"summary"`
}

func (comparisonListItemWire) openAPIName() string { return "ComparisonSummary" }

// comparisonInputsWire: what the report was computed from; the same inputs
// give the same report, byte for byte.
type comparisonInputsWire struct {
	Model               string           `json:"model"`
	Version             int              `json:"version"`
	ContentHash         string           `json:"content_hash" doc:"the version's content hash"`
	Dataset             int64            `json:"dataset"`
	Sessions            string           `json:"sessions" enum:"selected,all"`
	Selection           *int64           `json:"selection" doc:"the selection used (sessions: selected)"`
	Coder               string           `json:"coder"`
	DataHash            string           `json:"data_hash" doc:"a hash of the events used"`
	Params              reportParamsWire `json:"params"`
	EngineVersion       string           `json:"engine_version" doc:"the analysis engine and stored report format, such as stagewise-conformance/2"`
	CompareTo           *int             `json:"compare_to,omitempty" doc:"the baseline version (compare_to), when one was asked for"`
	BaselineContentHash string           `json:"baseline_content_hash,omitempty" doc:"the baseline version's content hash"`
}

func (comparisonInputsWire) openAPIName() string { return "ComparisonInputs" }

type reportParamsWire struct {
	SupportThreshold float64 `json:"support_threshold"`
	Unit             string  `json:"unit" enum:"session,case"`
	Lag              int     `json:"lag"`
	AllowRepeats     bool    `json:"allow_repeats"`
	Unmapped         string  `json:"unmapped" enum:"deviation,ignore"`
	Outcome          string  `json:"outcome" enum:"resolution_stage,reported" doc:"what counts as a resolved session in report.validation"`
	OutcomeMin       int     `json:"outcome_min,omitempty" doc:"outcome reported only: the lowest resolution rating (1-5) that counts as resolved"`
	OutcomeRater     string  `json:"outcome_rater,omitempty" enum:"patient,therapist" doc:"outcome reported only: whose rating"`
}

func (reportParamsWire) openAPIName() string { return "ComparisonParams" }

type reportWire struct {
	Params        reportParamsWire       `json:"params"`
	Summary       reportSummaryWire      `json:"summary"`
	Stages        []reportStageWire      `json:"stages" doc:"one row per model stage, in model order"`
	Transitions   []reportTransitionWire `json:"transitions" doc:"every observed adjacent pair and every declared transition, by (from, to) in model stage order"`
	Sequences     []reportSequenceWire   `json:"sequences" doc:"one row per session: by case label, session number, then stage sequence"`
	UnmappedCodes []reportCodeCountWire  `json:"unmapped_codes" doc:"codes that indicate no stage, by code"`
	LeftOut       []reportSessionRefWire `json:"left_out" doc:"sessions left out before the analysis (no events by the chosen coder)"`
	LagTable      reportLagTableWire     `json:"lag_table"`
	Discovery     reportDiscoveryWire    `json:"discovery"`
	Variants      []reportVariantWire    `json:"variants" doc:"the distinct stage sequences, most frequent first; ties by the sequence, lexicographically in model stage order"`
	Validation    reportValidationWire   `json:"validation"`
	Baseline      *reportBaselineWire    `json:"baseline,omitempty" doc:"with compare_to: the other version on the same sessions and parameters"`
	Model         *reportDFGWire         `json:"model" doc:"the directly-follows graph the model compiles to"`
}

func (reportWire) openAPIName() string { return "Report" }

type reportSummaryWire struct {
	Sessions               int      `json:"sessions" doc:"sessions with a non-empty stage sequence"`
	Cases                  int      `json:"cases"`
	Variants               int      `json:"variants" doc:"distinct collapsed sequences"`
	Fitness                *float64 `json:"fitness" doc:"log fitness 1 − Σcost / Σ(shortest model path + length), not a mean of sessions"`
	Precision              *float64 `json:"precision" doc:"ETConformance on the directly-follows graph"`
	OrderConforming        int      `json:"order_conforming" doc:"conforming sessions"`
	StagesSupported        int      `json:"stages_supported"`
	TransitionsSupported   int      `json:"transitions_supported" doc:"supported transition rows that are in the model"`
	DeclaredTransitions    int      `json:"declared_transitions"`
	DeclaredSupported      int      `json:"declared_supported"`
	AllowedTransitionShare *float64 `json:"allowed_transition_share" doc:"share of adjacent-pair occurrences whose pair the model allows"`
	Resolved               int      `json:"resolved" doc:"sessions ending in a resolution stage"`
	SkippedEmpty           int      `json:"skipped_empty" doc:"sessions whose sequence was empty after mapping"`
	LeftOut                int      `json:"left_out"`
	MeanKendallTau         *float64 `json:"mean_kendall_tau"`
	MeanFitness            *float64 `json:"mean_fitness" doc:"plain mean of the session fitness values"`
	Events                 int      `json:"events" doc:"mapped events, before collapsing"`
	UnmappedEvents         int      `json:"unmapped_events"`
}

func (reportSummaryWire) openAPIName() string { return "ReportSummary" }

type reportStageWire struct {
	Key            string   `json:"key"`
	Role           string   `json:"role" enum:"marker,process,resolution"`
	Sessions       int      `json:"sessions"`
	Cases          int      `json:"cases"`
	SessionSupport *float64 `json:"session_support"`
	CaseSupport    *float64 `json:"case_support"`
	Supported      bool     `json:"supported"`
}

func (reportStageWire) openAPIName() string { return "ReportStage" }

type reportTransitionWire struct {
	From             string   `json:"from"`
	To               string   `json:"to"`
	InModel          bool     `json:"in_model" doc:"the pair is an edge of the compiled model, or a declared self-loop; with allow_repeats observed self-pairs are listed too"`
	Kind             string   `json:"kind,omitempty" enum:"hypothesized,alternative,loop" doc:"the declared kind; absent when not declared"`
	Count            int      `json:"count" doc:"occurrences as adjacent stages of the collapsed sequences (a self-pair under allow_repeats: adjacent repeats of the uncollapsed sequence)"`
	Sessions         int      `json:"sessions"`
	Cases            int      `json:"cases"`
	Support          *float64 `json:"support" doc:"share in the report's unit"`
	SessionSupport   *float64 `json:"session_support"`
	CaseSupport      *float64 `json:"case_support"`
	Supported        bool     `json:"supported"`
	Probability      *float64 `json:"probability" doc:"p(to | from) from the lag table"`
	AdjustedResidual *float64 `json:"adjusted_residual"`
	YulesQ           *float64 `json:"yules_q"`
	Dependency       float64  `json:"dependency" doc:"heuristics-miner dependency (|a>b| − |b>a|)/(|a>b| + |b>a| + 1)"`
}

func (reportTransitionWire) openAPIName() string { return "ReportTransition" }

type reportSequenceWire struct {
	Case       string                `json:"case"`
	Session    int                   `json:"session"`
	Stages     []string              `json:"stages" doc:"the collapsed stage sequence"`
	Cost       int                   `json:"cost" doc:"the optimal alignment cost"`
	Fitness    float64               `json:"fitness"`
	Conforms   bool                  `json:"conforms"`
	KendallTau *float64              `json:"kendall_tau"`
	Resolved   bool                  `json:"resolved"`
	Deviations []reportDeviationWire `json:"deviations" doc:"in alignment order"`
}

func (reportSequenceWire) openAPIName() string { return "ReportSequence" }

type reportDeviationWire struct {
	Type     string `json:"type"`
	Stage    string `json:"stage"`
	Position int    `json:"position" doc:"the move happens just before this event (the sequence's length: after the last)"`
	Code     string `json:"code,omitempty" doc:"the code of an unmapped event"`
}

func (reportDeviationWire) openAPIName() string { return "ReportDeviation" }

type reportCodeCountWire struct {
	Code     string `json:"code"`
	Count    int    `json:"count"`
	Sessions int    `json:"sessions"`
}

func (reportCodeCountWire) openAPIName() string { return "ReportCodeCount" }

type reportSessionRefWire struct {
	Case    string `json:"case"`
	Session int    `json:"session"`
}

func (reportSessionRefWire) openAPIName() string { return "ReportSessionRef" }

type reportLagTableWire struct {
	Lag               int          `json:"lag"`
	Labels            []string     `json:"labels"`
	Counts            [][]int      `json:"counts"`
	N                 int          `json:"n"`
	Table             string       `json:"table"`
	Expected          [][]*float64 `json:"expected"`
	AdjustedResiduals [][]*float64 `json:"adjusted_residuals"`
	Iterations        int          `json:"iterations"`
	Converged         bool         `json:"converged"`
}

func (reportLagTableWire) openAPIName() string { return "ReportLagTable" }

type reportDiscoveryWire struct {
	StartCounts []reportStageCountWire `json:"start_counts" doc:"sessions starting with each stage, model order, zeros omitted"`
	EndCounts   []reportStageCountWire `json:"end_counts" doc:"sessions ending with each stage, model order, zeros omitted"`
}

func (reportDiscoveryWire) openAPIName() string { return "ReportDiscovery" }

type reportStageCountWire struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

func (reportStageCountWire) openAPIName() string { return "ReportStageCount" }

type reportDFGWire struct {
	Stages       []string         `json:"stages"`
	Starts       []string         `json:"starts"`
	Ends         []string         `json:"ends"`
	Edges        []reportEdgeWire `json:"edges"`
	ShortestPath int              `json:"shortest_path"`
}

func (reportDFGWire) openAPIName() string { return "ReportModel" }

type reportEdgeWire struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Origin string `json:"origin" doc:"declared, cluster or skip: the rule that added the edge"`
}

func (reportEdgeWire) openAPIName() string { return "ReportEdge" }

type reportVariantWire struct {
	Stages   []string `json:"stages"`
	Sessions int      `json:"sessions"`
	Cases    int      `json:"cases"`
}

func (reportVariantWire) openAPIName() string { return "ReportVariant" }

type reportValidationWire struct {
	Outcome     string             `json:"outcome" enum:"resolution_stage,reported"`
	Resolved    int                `json:"resolved" doc:"resolved sessions"`
	Unresolved  int                `json:"unresolved"`
	NoOutcome   int                `json:"no_outcome" doc:"sessions left out for lack of the rating (outcome reported)"`
	Family      string             `json:"family" doc:"the family of tests Holm adjusts over"`
	Tests       int                `json:"tests" doc:"the size of that family"`
	Stages      []reportTestWire   `json:"stages" doc:"one test per model stage, model order"`
	Transitions []reportTestWire   `json:"transitions" doc:"one test per observed transition, in the transitions' order"`
	Fitness     reportGroupFitWire `json:"fitness" doc:"log fitness of each group"`
}

func (reportValidationWire) openAPIName() string { return "ReportValidation" }

type reportTestWire struct {
	Key            string      `json:"key,omitempty" doc:"the stage (stage tests)"`
	From           string      `json:"from,omitempty" doc:"the transition (transition tests)"`
	To             string      `json:"to,omitempty"`
	ResolvedWith   int         `json:"resolved_with" doc:"resolved sessions containing it"`
	UnresolvedWith int         `json:"unresolved_with"`
	OddsRatio      *float64    `json:"odds_ratio" doc:"(a·d)/(b·c); null when a row or column of the 2×2 table is empty"`
	CI95           *[2]float64 `json:"ci95" doc:"95 % Wald interval on the log scale, [lower, upper]"`
	Corrected      bool        `json:"corrected" doc:"0.5 was added to every cell (a cell was 0)"`
	FisherP        float64     `json:"fisher_p" doc:"two-sided Fisher exact p, as R fisher.test"`
	HolmP          float64     `json:"holm_p" doc:"Holm-adjusted over the family"`
}

func (reportTestWire) openAPIName() string { return "ReportValidationTest" }

type reportGroupFitWire struct {
	Resolved   *float64 `json:"resolved"`
	Unresolved *float64 `json:"unresolved"`
}

func (reportGroupFitWire) openAPIName() string { return "ReportGroupFitness" }

type reportBaselineWire struct {
	Version int               `json:"version"`
	Summary reportSummaryWire `json:"summary"`
	Stages  []reportStageWire `json:"stages"`
	Delta   reportDeltaWire   `json:"delta" doc:"this report's figures minus the baseline's"`
}

func (reportBaselineWire) openAPIName() string { return "ReportBaseline" }

type reportDeltaWire struct {
	Sessions               int                    `json:"sessions"`
	Cases                  int                    `json:"cases"`
	Variants               int                    `json:"variants"`
	Fitness                *float64               `json:"fitness"`
	Precision              *float64               `json:"precision"`
	OrderConforming        int                    `json:"order_conforming"`
	StagesSupported        int                    `json:"stages_supported"`
	TransitionsSupported   int                    `json:"transitions_supported"`
	DeclaredTransitions    int                    `json:"declared_transitions"`
	DeclaredSupported      int                    `json:"declared_supported"`
	AllowedTransitionShare *float64               `json:"allowed_transition_share"`
	Resolved               int                    `json:"resolved"`
	SkippedEmpty           int                    `json:"skipped_empty"`
	MeanKendallTau         *float64               `json:"mean_kendall_tau"`
	MeanFitness            *float64               `json:"mean_fitness"`
	Events                 int                    `json:"events"`
	UnmappedEvents         int                    `json:"unmapped_events"`
	Stages                 []reportStageDeltaWire `json:"stages" doc:"this version's stages in its order, then the baseline's other stages"`
}

func (reportDeltaWire) openAPIName() string { return "ReportDelta" }

type reportStageDeltaWire struct {
	Key            string   `json:"key"`
	InVersion      bool     `json:"in_version"`
	InBaseline     bool     `json:"in_baseline"`
	Sessions       int      `json:"sessions"`
	Cases          int      `json:"cases"`
	SessionSupport *float64 `json:"session_support" doc:"null when the stage is in one version only"`
	CaseSupport    *float64 `json:"case_support"`
}

func (reportStageDeltaWire) openAPIName() string { return "ReportStageDelta" }
