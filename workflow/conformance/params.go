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
}

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
	return p
}

// Validate checks the parameters as given (call WithDefaults first to accept
// zero values). Fields: "params.support_threshold" (0 < t ≤ 1),
// "params.unit" ("session" | "case"), "params.lag" (1..5).
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
	return errs
}
