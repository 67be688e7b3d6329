package conformance

import "math"

// Units of support.
const (
	UnitSession = "session"
	UnitCase    = "case"
)

// Params are the comparison parameters; every report echoes them (after
// WithDefaults).
type Params struct {
	// SupportThreshold: a stage or transition is supported when its share in
	// Unit reaches it (≥). Default 0.5; 0 < t ≤ 1.
	SupportThreshold float64 `json:"support_threshold"`
	// Unit: "session" (default) or "case".
	Unit string `json:"unit"`
	// Lag of the lag-sequential table: 1 (default) to 5.
	Lag int `json:"lag"`
	// AllowRepeats keeps consecutive repeats in the lag table only (every other
	// metric always collapses them). Default false.
	AllowRepeats bool `json:"allow_repeats"`
	// Unmapped says what an event whose code indicates no stage does to the
	// alignment. "deviation" (default): it is an event outside the model,
	// so always a log move (domain.md: PM4Py's token replay ignores such
	// events; we do not) and it counts in the fitness denominator; listed
	// in deviations with its code. "ignore": it only counts in
	// unmapped_codes. Either way it is left out of the stage sequence and
	// of every other metric.
	Unmapped string `json:"unmapped"`
	// Outcome defines a resolved session for report.validation:
	// "resolution_stage" (default): its sequence ends in a resolution
	// stage; "reported": the session report's resolution rating (1-5) of
	// OutcomeRater is at least OutcomeMin (Session.Reported carries it; a
	// session without one is left out of the validation and counted).
	Outcome string `json:"outcome"`
	// OutcomeMin (reported only): the lowest rating that counts as
	// resolved, 1-5; default 4, the top third of the 1-5 scale by the
	// panel rule ⌈max − (max − min)/3⌉.
	OutcomeMin int `json:"outcome_min,omitempty"`
	// OutcomeRater (reported only): "patient" (default) or "therapist".
	OutcomeRater string `json:"outcome_rater,omitempty"`
}

// Outcome definitions of the validation.
const (
	OutcomeResolutionStage = "resolution_stage"
	OutcomeReported        = "reported"
	// DefaultOutcomeMin is the default OutcomeMin on the 1-5 resolution
	// rating scale of session reports.
	DefaultOutcomeMin   = 4
	DefaultOutcomeRater = "patient"
	// RatingMin and RatingMax bound the session reports' resolution rating
	// (the sessions CSV import accepts 1-5).
	RatingMin = 1
	RatingMax = 5
)

// What unmapped events do to the alignment.
const (
	UnmappedDeviation = "deviation"
	UnmappedIgnore    = "ignore"
)

// Parameter defaults.
const (
	DefaultSupportThreshold = 0.5
	DefaultUnit             = UnitSession
	DefaultLag              = 1
	MaxLag                  = 5
)

// WithDefaults fills zero values: threshold 0 → 0.5, unit "" → "session",
// lag 0 → 1. AllowRepeats stays as given (default false).
func (p Params) WithDefaults() Params {
	if p.SupportThreshold == 0 {
		p.SupportThreshold = DefaultSupportThreshold
	}
	if p.Unit == "" {
		p.Unit = DefaultUnit
	}
	if p.Lag == 0 {
		p.Lag = DefaultLag
	}
	if p.Unmapped == "" {
		p.Unmapped = UnmappedDeviation
	}
	if p.Outcome == "" {
		p.Outcome = OutcomeResolutionStage
	}
	return p.WithOutcomeDefaults()
}

// WithOutcomeDefaults fills, with outcome "reported" only, OutcomeMin 0 → 4
// and OutcomeRater "" → "patient".
func (p Params) WithOutcomeDefaults() Params {
	if p.Outcome == OutcomeReported {
		if p.OutcomeMin == 0 {
			p.OutcomeMin = DefaultOutcomeMin
		}
		if p.OutcomeRater == "" {
			p.OutcomeRater = DefaultOutcomeRater
		}
	}
	return p
}

// Validate checks the parameters as given (call WithDefaults first to accept
// zero values). Fields: "params.support_threshold" (0 < t ≤ 1),
// "params.unit" ("session" | "case"), "params.lag" (1..5),
// "params.unmapped", "params.outcome", "params.outcome_min" and
// "params.outcome_rater" (the last two only with outcome "reported").
func (p Params) Validate() []FieldError {
	var errs []FieldError
	t := p.SupportThreshold
	if math.IsNaN(t) || !(t > 0 && t <= 1) {
		errs = append(errs, FieldError{Field: "params.support_threshold", Message: "must be greater than 0 and at most 1"})
	}
	if p.Unit != UnitSession && p.Unit != UnitCase {
		errs = append(errs, FieldError{Field: "params.unit", Message: `must be "session" or "case"`})
	}
	if p.Lag < 1 || p.Lag > MaxLag {
		errs = append(errs, FieldError{Field: "params.lag", Message: "must be between 1 and 5"})
	}
	if p.Unmapped != UnmappedDeviation && p.Unmapped != UnmappedIgnore {
		errs = append(errs, FieldError{Field: "params.unmapped", Message: `must be "deviation" or "ignore"`})
	}
	switch p.Outcome {
	case OutcomeResolutionStage:
		if p.OutcomeMin != 0 {
			errs = append(errs, FieldError{Field: "params.outcome_min", Message: `applies only with outcome "reported"`})
		}
		if p.OutcomeRater != "" {
			errs = append(errs, FieldError{Field: "params.outcome_rater", Message: `applies only with outcome "reported"`})
		}
	case OutcomeReported:
		if p.OutcomeMin < RatingMin || p.OutcomeMin > RatingMax {
			errs = append(errs, FieldError{Field: "params.outcome_min", Message: "must be a resolution rating, 1 to 5"})
		}
		if p.OutcomeRater != "patient" && p.OutcomeRater != "therapist" {
			errs = append(errs, FieldError{Field: "params.outcome_rater", Message: `must be "patient" or "therapist"`})
		}
	default:
		errs = append(errs, FieldError{Field: "params.outcome", Message: `must be "resolution_stage" or "reported"`})
	}
	return errs
}
