package stats

import (
	"fmt"
	"math"
	"strings"
)

// Names of the consensus rules of an expert-panel round (api.md,
// "Expert-panel rounds"; domain.md, "Panel consensus").
const (
	RulePercentAgree = "percent_agree"
	RuleMedianIQR    = "median_iqr"
	RuleGrade        = "grade"
	RuleCVI          = "cvi"
	RuleRandUCLA     = "rand_ucla"
)

// Consensus outcomes of one item.
const (
	ConsensusIn   = "in"
	ConsensusOut  = "out"
	ConsensusNone = "none"
)

// RuleNames lists the consensus rules in the order of the API documentation.
var RuleNames = []string{RulePercentAgree, RuleMedianIQR, RuleGrade, RuleCVI, RuleRandUCLA}

// Rule is the consensus rule of a round with its parameters. A nil
// parameter is "not given"; Resolve fills the defaults of the rule and
// leaves the parameters of other rules nil.
//
// Definitions (min and max are the ends of the scale; "share" is a
// fraction 0-1 of the item's ratings):
//
//   - percent_agree {agree_min [TopThirdMin], threshold [0.8]}: in when the
//     share rating ≥ agree_min is ≥ threshold; out when the share rating
//     ≤ min + max − agree_min (the mirror of agree_min: 3 on 1-9, 2 on
//     1-4) is ≥ threshold; none otherwise.
//   - median_iqr {median_min [TopThirdMin], iqr_max [(max − min)/8]}: in
//     when median ≥ median_min and IQR ≤ iqr_max; out when median ≤
//     min + max − median_min and IQR ≤ iqr_max; none otherwise.
//   - grade {high_min [7], low_max [3], in_share [0.7], veto_share [0.15]}:
//     the 70/15 rule of core-outcome-set Delphis (COMET Handbook,
//     Williamson et al. 2017, Trials 18:280): in when the share rating
//     ≥ high_min is ≥ in_share and the share rating ≤ low_max is
//     < veto_share ("70% or more scoring 7 to 9 and fewer than 15%
//     scoring 1 to 3"); out symmetrically (share ≤ low_max ≥ in_share and
//     share ≥ high_min < veto_share); none otherwise.
//   - cvi {threshold [0.78]}, only on the 1-4 relevance scale: in when
//     I-CVI (share rating 3-4) ≥ threshold, out when the share rating 1-2
//     ≥ threshold, none otherwise (Lynn 1986; Polit & Beck 2006).
//   - rand_ucla {}, only on 1-9: see RandUCLAStats (Fitch et al. 2001).
//
// Should the criteria for in and out both hold (possible only with
// thresholds ≤ 0.5), the item is none.
type Rule struct {
	Name      string   `json:"rule"`
	AgreeMin  *float64 `json:"agree_min,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	MedianMin *float64 `json:"median_min,omitempty"`
	IQRMax    *float64 `json:"iqr_max,omitempty"`
	HighMin   *float64 `json:"high_min,omitempty"`
	LowMax    *float64 `json:"low_max,omitempty"`
	InShare   *float64 `json:"in_share,omitempty"`
	VetoShare *float64 `json:"veto_share,omitempty"`
}

// FieldError names an invalid field of a round's settings, in the form the
// API reports it: Field is "scale", "consensus.rule" or
// "consensus.<parameter>".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// param is one parameter of a Rule with its API name.
type param struct {
	name string
	ptr  **float64
}

// params lists the parameters of r in a fixed order (the order of the
// struct), so that errors come out in a stable order.
func (r *Rule) params() []param {
	return []param{
		{"agree_min", &r.AgreeMin},
		{"threshold", &r.Threshold},
		{"median_min", &r.MedianMin},
		{"iqr_max", &r.IQRMax},
		{"high_min", &r.HighMin},
		{"low_max", &r.LowMax},
		{"in_share", &r.InShare},
		{"veto_share", &r.VetoShare},
	}
}

// ruleParams are the parameter names that belong to each rule.
var ruleParams = map[string][]string{
	RulePercentAgree: {"agree_min", "threshold"},
	RuleMedianIQR:    {"median_min", "iqr_max"},
	RuleGrade:        {"high_min", "low_max", "in_share", "veto_share"},
	RuleCVI:          {"threshold"},
	RuleRandUCLA:     {},
}

func ptr(v float64) *float64 { return &v }

// Resolve fills every parameter of the rule that was left out with its
// default for scale s and validates the result. The returned rule carries
// all parameters of its rule (non-nil) and no others. An empty Name is
// taken as percent_agree, the first rule of the API.
//
// Errors (in a stable order): "scale" for an invalid scale, or a scale the
// rule cannot use (cvi needs 1-4, rand_ucla needs 1-9); "consensus.rule"
// for an unknown rule; "consensus.<name>" for a parameter that does not
// belong to the rule or has an invalid value. When there are errors the
// returned rule is a best effort and must not be used.
//
// Valid values: agree_min and high_min, low_max are whole scale points;
// agree_min and median_min lie above the scale midpoint (so that their
// mirrors lie below it) and at most max; iqr_max lies in [0, max − min];
// low_max < high_min; threshold and in_share lie in (0, 1]; veto_share in
// [0, 1]. Every value must be finite.
func (r Rule) Resolve(s Scale) (Rule, []FieldError) {
	var errs []FieldError
	scaleErr := s.Validate()
	if scaleErr != nil {
		errs = append(errs, FieldError{"scale", scaleErr.Error()})
	}
	name := r.Name
	if name == "" {
		name = RulePercentAgree
	}
	allowed, known := ruleParams[name]
	if !known {
		errs = append(errs, FieldError{"consensus.rule",
			fmt.Sprintf("unknown rule %q; expected one of %s", r.Name, strings.Join(RuleNames, ", "))})
		return Rule{Name: r.Name}, errs
	}
	out := Rule{Name: name}
	in := r
	outParams := out.params()
	for i, p := range in.params() {
		if *p.ptr == nil {
			continue
		}
		if !contains(allowed, p.name) {
			errs = append(errs, FieldError{"consensus." + p.name,
				fmt.Sprintf("%s is not a parameter of rule %s (its parameters: %s)", p.name, name, paramList(allowed))})
			continue
		}
		v := **p.ptr
		if math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, FieldError{"consensus." + p.name, "must be a finite number"})
			continue
		}
		*outParams[i].ptr = ptr(v)
	}
	switch name {
	case RuleCVI:
		if scaleErr == nil && (s.Min != 1 || s.Max != 4) {
			errs = append(errs, FieldError{"scale", fmt.Sprintf("rule cvi needs the 4-point relevance scale 1-4, not %s", s)})
		}
	case RuleRandUCLA:
		if scaleErr == nil && (s.Min != 1 || s.Max != 9) {
			errs = append(errs, FieldError{"scale", fmt.Sprintf("rule rand_ucla needs the 9-point scale 1-9, not %s", s)})
		}
	}
	if scaleErr != nil {
		// Defaults and ranges depend on the scale; fill the scale-free
		// defaults only.
		out.fillDefaults(Scale{Min: 1, Max: 9})
		return out, errs
	}
	out.fillDefaults(s)
	errs = append(errs, out.validate(s)...)
	return out, errs
}

// fillDefaults sets every nil parameter of r's rule to its default on s.
func (r *Rule) fillDefaults(s Scale) {
	set := func(p **float64, v float64) {
		if *p == nil {
			*p = ptr(v)
		}
	}
	top := float64(TopThirdMin(s))
	switch r.Name {
	case RulePercentAgree:
		set(&r.AgreeMin, top)
		set(&r.Threshold, 0.8)
	case RuleMedianIQR:
		set(&r.MedianMin, top)
		set(&r.IQRMax, float64(s.Max-s.Min)/8)
	case RuleGrade:
		set(&r.HighMin, 7)
		set(&r.LowMax, 3)
		set(&r.InShare, 0.7)
		set(&r.VetoShare, 0.15)
	case RuleCVI:
		set(&r.Threshold, 0.78)
	}
}

// validate checks the parameter values of a rule whose defaults are filled.
func (r Rule) validate(s Scale) []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{"consensus." + field, fmt.Sprintf(format, args...)})
	}
	lo, hi := float64(s.Min), float64(s.Max)
	mid := (lo + hi) / 2
	whole := func(field string, v float64) bool {
		if v != math.Trunc(v) {
			bad(field, "must be a whole scale point, not %g", v)
			return false
		}
		return true
	}
	aboveMid := func(field string, v float64) {
		if v <= mid || v > hi {
			bad(field, "must lie above the scale midpoint %g and at most %g, not %g", mid, hi, v)
		}
	}
	share := func(field string, v float64, zeroOK bool) {
		if v > 1 || v < 0 || (v == 0 && !zeroOK) {
			if zeroOK {
				bad(field, "must be a fraction between 0 and 1, not %g", v)
			} else {
				bad(field, "must be a fraction greater than 0 and at most 1, not %g", v)
			}
		}
	}
	inScale := func(field string, v float64) bool {
		if v < lo || v > hi {
			bad(field, "must be a point of the scale %s, not %g", s, v)
			return false
		}
		return true
	}
	switch r.Name {
	case RulePercentAgree:
		if whole("agree_min", *r.AgreeMin) {
			aboveMid("agree_min", *r.AgreeMin)
		}
		share("threshold", *r.Threshold, false)
	case RuleMedianIQR:
		aboveMid("median_min", *r.MedianMin)
		if v := *r.IQRMax; v < 0 || v > hi-lo {
			bad("iqr_max", "must lie between 0 and %g, not %g", hi-lo, v)
		}
	case RuleGrade:
		okH := whole("high_min", *r.HighMin) && inScale("high_min", *r.HighMin)
		okL := whole("low_max", *r.LowMax) && inScale("low_max", *r.LowMax)
		if okH && okL && *r.LowMax >= *r.HighMin {
			bad("low_max", "must be less than high_min (%g), not %g", *r.HighMin, *r.LowMax)
		}
		share("in_share", *r.InShare, false)
		share("veto_share", *r.VetoShare, true)
	case RuleCVI:
		share("threshold", *r.Threshold, false)
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func paramList(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// ItemConsensus is the consensus verdict on one item.
//
// PercentAgree is the share (0-1) of the ratings at or above the rule's
// agreement point: agree_min (percent_agree), median_min (median_iqr),
// high_min (grade), 3 (cvi: the I-CVI) or 7 (rand_ucla). ICVI and
// KappaStar are set on the 1-4 scale whatever the rule (see ModifiedKappa);
// IPR, IPRAS and Disagreement only for rand_ucla. Reason says in words why
// the item is in, out or none.
type ItemConsensus struct {
	Consensus    string   `json:"consensus"`
	PercentAgree float64  `json:"percent_agree"`
	ICVI         *float64 `json:"i_cvi,omitempty"`
	KappaStar    *float64 `json:"kappa_star,omitempty"`
	IPR          *float64 `json:"ipr,omitempty"`
	IPRAS        *float64 `json:"ipras,omitempty"`
	Disagreement *bool    `json:"disagreement,omitempty"`
	Reason       string   `json:"reason"`
}

// Evaluate applies the rule to the ratings of one item on scale s. r should
// have been resolved with Resolve; parameters left nil take their
// defaults. A rule that does not resolve without errors gives none with
// the first error as the reason. Ratings outside the scale are ignored;
// with no ratings the item is none with reason "no ratings".
func (r Rule) Evaluate(ratings []int, s Scale) ItemConsensus {
	res := ItemConsensus{Consensus: ConsensusNone}
	rr, errs := r.Resolve(s)
	xs := inScale(ratings, s)
	n := len(xs)
	if s.Min == 1 && s.Max == 4 && n > 0 {
		icvi, _, k, _ := ModifiedKappa(countAtLeast(xs, 3), n)
		res.ICVI, res.KappaStar = ptr(icvi), ptr(k)
	}
	if len(errs) > 0 {
		res.Reason = "invalid rule: " + errs[0].Error()
		return res
	}
	if n == 0 {
		res.Reason = "no ratings"
		return res
	}
	var in, out bool
	switch rr.Name {
	case RulePercentAgree:
		agree, mirror := *rr.AgreeMin, float64(s.Min+s.Max)-*rr.AgreeMin
		t := *rr.Threshold
		pin := shareAtLeast(xs, agree)
		pout := shareAtMost(xs, mirror)
		res.PercentAgree = pin
		in, out = pin >= t, pout >= t
		res.Reason = fmt.Sprintf("%s rated >= %g and %s rated <= %g (threshold %s)",
			pct(pin), agree, pct(pout), mirror, pct(t))
	case RuleMedianIQR:
		d := Describe(ratings, s)
		mm, mirror, q := *rr.MedianMin, float64(s.Min+s.Max)-*rr.MedianMin, *rr.IQRMax
		res.PercentAgree = shareAtLeast(xs, mm)
		narrow := d.IQR <= q
		in = d.Median >= mm && narrow
		out = d.Median <= mirror && narrow
		res.Reason = fmt.Sprintf("median %g (in at >= %g, out at <= %g), IQR %g (at most %g)",
			d.Median, mm, mirror, d.IQR, q)
	case RuleGrade:
		hiMin, loMax := *rr.HighMin, *rr.LowMax
		inShare, veto := *rr.InShare, *rr.VetoShare
		high, low := shareAtLeast(xs, hiMin), shareAtMost(xs, loMax)
		res.PercentAgree = high
		in = high >= inShare && low < veto
		out = low >= inShare && high < veto
		res.Reason = fmt.Sprintf("%s rated >= %g and %s rated <= %g (in or out needs >= %s on one side and < %s on the other)",
			pct(high), hiMin, pct(low), loMax, pct(inShare), pct(veto))
	case RuleCVI:
		t := *rr.Threshold
		icvi := shareAtLeast(xs, 3)
		notRel := shareAtMost(xs, 2)
		res.PercentAgree = icvi
		in, out = icvi >= t, notRel >= t
		res.Reason = fmt.Sprintf("I-CVI %.2f, %s rated 1-2 (threshold %s)", icvi, pct(notRel), pct(t))
	case RuleRandUCLA:
		st := RandUCLAStats(ratings)
		res.PercentAgree = shareAtLeast(xs, 7)
		res.IPR, res.IPRAS = ptr(st.IPR), ptr(st.IPRAS)
		res.Disagreement = &st.Disagreement
		res.Reason = st.Reason()
		switch st.Class {
		case Appropriate:
			in = true
		case Inappropriate:
			out = true
		}
	}
	switch {
	case in && out:
		res.Reason += "; criteria for in and out both met"
	case in:
		res.Consensus = ConsensusIn
	case out:
		res.Consensus = ConsensusOut
	}
	return res
}

// countAtLeast counts the values ≥ v.
func countAtLeast(xs []float64, v float64) int {
	c := 0
	for _, x := range xs {
		if x >= v {
			c++
		}
	}
	return c
}

// shareAtLeast is the share of xs that is ≥ v (0 for no values). The
// share is one correctly rounded division k/n, so it equals a threshold
// written as the same fraction (7/10 == 0.7).
func shareAtLeast(xs []float64, v float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return float64(countAtLeast(xs, v)) / float64(len(xs))
}

// shareAtMost is the share of xs that is ≤ v.
func shareAtMost(xs []float64, v float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	c := 0
	for _, x := range xs {
		if x <= v {
			c++
		}
	}
	return float64(c) / float64(len(xs))
}

// pct renders a share as a percentage with up to one decimal.
func pct(v float64) string {
	s := fmt.Sprintf("%.1f", 100*v)
	s = strings.TrimSuffix(s, ".0")
	return s + "%"
}
