package conformance

// Baseline is the same comparison (the same sessions and parameters) of
// another version of the model: its summary and stage rows, and Delta,
// this report's figures minus the baseline's.
type Baseline struct {
	Version int        `json:"version"`
	Summary Summary    `json:"summary"`
	Stages  []StageRow `json:"stages"`
	Delta   Delta      `json:"delta"`
}

// Delta holds the differences this report − baseline of the summary
// fields (a difference with an undefined side is null) and, per stage,
// of the stage rows.
type Delta struct {
	Sessions               int          `json:"sessions"`
	Cases                  int          `json:"cases"`
	Variants               int          `json:"variants"`
	Fitness                *float64     `json:"fitness"`
	Precision              *float64     `json:"precision"`
	OrderConforming        int          `json:"order_conforming"`
	StagesSupported        int          `json:"stages_supported"`
	TransitionsSupported   int          `json:"transitions_supported"`
	DeclaredTransitions    int          `json:"declared_transitions"`
	DeclaredSupported      int          `json:"declared_supported"`
	AllowedTransitionShare *float64     `json:"allowed_transition_share"`
	Resolved               int          `json:"resolved"`
	SkippedEmpty           int          `json:"skipped_empty"`
	MeanKendallTau         *float64     `json:"mean_kendall_tau"`
	MeanFitness            *float64     `json:"mean_fitness"`
	Events                 int          `json:"events"`
	UnmappedEvents         int          `json:"unmapped_events"`
	Stages                 []StageDelta `json:"stages"`
}

// StageDelta is the difference of one stage's row: this report's minus the
// baseline's. A stage of only one version counts 0 sessions and cases in
// the other, and its support differences are null. Rows: this version's
// stages in its order, then the baseline's other stages in its order.
type StageDelta struct {
	Key            string   `json:"key"`
	InVersion      bool     `json:"in_version"`
	InBaseline     bool     `json:"in_baseline"`
	Sessions       int      `json:"sessions"`
	Cases          int      `json:"cases"`
	SessionSupport *float64 `json:"session_support"`
	CaseSupport    *float64 `json:"case_support"`
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return num(*a - *b)
}

// NewBaseline compares r with base, the report of version on the same
// sessions and parameters.
func NewBaseline(version int, r, base *Report) *Baseline {
	x, y := &r.Summary, &base.Summary
	d := Delta{
		Sessions: x.Sessions - y.Sessions, Cases: x.Cases - y.Cases, Variants: x.Variants - y.Variants,
		Fitness: diff(x.Fitness, y.Fitness), Precision: diff(x.Precision, y.Precision),
		OrderConforming: x.OrderConforming - y.OrderConforming, StagesSupported: x.StagesSupported - y.StagesSupported,
		TransitionsSupported: x.TransitionsSupported - y.TransitionsSupported,
		DeclaredTransitions:  x.DeclaredTransitions - y.DeclaredTransitions, DeclaredSupported: x.DeclaredSupported - y.DeclaredSupported,
		AllowedTransitionShare: diff(x.AllowedTransitionShare, y.AllowedTransitionShare),
		Resolved:               x.Resolved - y.Resolved, SkippedEmpty: x.SkippedEmpty - y.SkippedEmpty,
		MeanKendallTau: diff(x.MeanKendallTau, y.MeanKendallTau), MeanFitness: diff(x.MeanFitness, y.MeanFitness),
		Events: x.Events - y.Events, UnmappedEvents: x.UnmappedEvents - y.UnmappedEvents,
		Stages: []StageDelta{},
	}
	inBase := make(map[string]int, len(base.Stages))
	for i, s := range base.Stages {
		inBase[s.Key] = i
	}
	seen := make(map[string]bool, len(r.Stages))
	for _, s := range r.Stages {
		seen[s.Key] = true
		sd := StageDelta{Key: s.Key, InVersion: true, Sessions: s.Sessions, Cases: s.Cases}
		if i, ok := inBase[s.Key]; ok {
			b := base.Stages[i]
			sd.InBaseline = true
			sd.Sessions -= b.Sessions
			sd.Cases -= b.Cases
			sd.SessionSupport = diff(s.SessionSupport, b.SessionSupport)
			sd.CaseSupport = diff(s.CaseSupport, b.CaseSupport)
		}
		d.Stages = append(d.Stages, sd)
	}
	for _, b := range base.Stages {
		if !seen[b.Key] {
			d.Stages = append(d.Stages, StageDelta{Key: b.Key, InBaseline: true, Sessions: -b.Sessions, Cases: -b.Cases})
		}
	}
	return &Baseline{Version: version, Summary: base.Summary, Stages: base.Stages, Delta: d}
}
