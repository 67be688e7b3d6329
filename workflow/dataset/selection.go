package dataset

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Selection rules.
const (
	RuleRiseAfterRupture = "rise_after_rupture"
	RuleVShape           = "v_shape"
	// DefaultRule is the rule used when a request names none.
	DefaultRule = RuleRiseAfterRupture
)

// Defaults and limits of the selection parameters.
const (
	DefaultK      = 2
	DefaultZ      = 1.0
	DefaultRaters = "either"
	MaxK          = 1000
	MaxZ          = 10.0
)

// eps absorbs floating-point noise when WAI means (multiples of 1/12) are
// compared or subtracted.
const eps = 1e-9

// SessionInfo is what the selection rules need of one session: the item
// means of the patient's and the therapist's WAI-12 after reverse keying
// (ScoreWAI(...).Mean; nil when that rater's report is missing) and whether
// each reported a rupture. Sessions are identified by case label and number
// as imported.
type SessionInfo struct {
	Case             string
	Session          int
	PatientMean      *float64
	TherapistMean    *float64
	PatientRupture   bool
	TherapistRupture bool
}

// SelectionParams are the parameters of the selection rules, defaults filled
// in by ParseSelection. K belongs to rise_after_rupture (sessions kept per
// case; 0 keeps every candidate); Z and Raters belong to v_shape (Raters is
// "either" or "both"). Params gives the ones of one rule, for echoing.
type SelectionParams struct {
	K      int
	Z      float64
	Raters string
}

// Params returns the parameters that rule uses, keyed by their request
// names, for storing next to a selection and echoing in reports.
func (p SelectionParams) Params(rule string) map[string]any {
	switch rule {
	case RuleVShape:
		return map[string]any{"z": p.Z, "raters": p.Raters}
	default:
		return map[string]any{"k": p.K}
	}
}

// Selected is one session a rule picked, with the score that ranked it and a
// sentence giving the numbers behind it.
type Selected struct {
	Case    string
	Session int
	Score   float64
	Reason  string
}

// ParseSelection checks a selection request: rule is "rise_after_rupture",
// "v_shape" or "" (meaning DefaultRule; store DefaultRule then), and raw holds
// its params as decoded from JSON (float64 or json.Number; Go integer types
// are accepted too). rise_after_rupture takes k, a whole number 0-1000
// (default 2; 0 = keep all); v_shape takes z, a number 0-10 (default 1), and
// raters, "either" (default) or "both". A parameter of the other rule, an
// unknown one, a null or a value of the wrong type is an error. Errors name
// "rule", "params.k", "params.z", "params.raters" or "params.<name>". Every
// field of the result has its default unless given.
func ParseSelection(rule string, raw map[string]any) (SelectionParams, []FieldError) {
	p := SelectionParams{K: DefaultK, Z: DefaultZ, Raters: DefaultRaters}
	var errs []FieldError
	allowed := map[string]bool{}
	switch rule {
	case "", RuleRiseAfterRupture:
		rule = RuleRiseAfterRupture
		allowed["k"] = true
	case RuleVShape:
		allowed["z"], allowed["raters"] = true, true
	default:
		errs = append(errs, FieldError{"rule", fmt.Sprintf("must be %q or %q", RuleRiseAfterRupture, RuleVShape)})
		rule = ""
		allowed["k"], allowed["z"], allowed["raters"] = true, true, true
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := raw[k]
		field := "params." + k
		if !allowed[k] {
			msg := "unknown parameter"
			if rule != "" {
				msg = "unknown parameter for rule " + rule
			}
			errs = append(errs, FieldError{field, msg})
			continue
		}
		switch k {
		case "k":
			x, ok := number(v)
			if !ok || x != math.Trunc(x) || x < 0 || x > MaxK {
				errs = append(errs, FieldError{field, fmt.Sprintf("must be a whole number from 0 to %d", MaxK)})
				continue
			}
			p.K = int(x)
		case "z":
			x, ok := number(v)
			if !ok || math.IsNaN(x) || x < 0 || x > MaxZ {
				errs = append(errs, FieldError{field, fmt.Sprintf("must be a number from 0 to %g", MaxZ)})
				continue
			}
			p.Z = x
		case "raters":
			s, ok := v.(string)
			if !ok || (s != "either" && s != "both") {
				errs = append(errs, FieldError{field, `must be "either" or "both"`})
				continue
			}
			p.Raters = s
		}
	}
	return p, errs
}

// number converts a decoded JSON number (or a Go number) to float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// Select applies a rule ("" means DefaultRule; an unknown rule selects
// nothing) to the sessions of a dataset and returns the selected sessions
// sorted by case label (byte order) and then session number. Scores are
// rounded to 6 decimals. A (case, session) given twice counts once (the
// first).
//
// rise_after_rupture: session n ≥ 2 is a candidate when the patient or the
// therapist reported a rupture in it and both the patient's and the
// therapist's WAI mean rose strictly from session n−1. Session n−1 must be
// present under exactly that number with both means, and session n must have
// both means; otherwise n is not a candidate. The score is the sum of the two
// rises; each case keeps its K best (K ≤ 0 keeps all), ties going to the
// earlier session.
//
// v_shape: for each rater, over the case's sessions that have that rater's
// mean, take the case mean m and sample SD s (n − 1; fewer than two sessions
// or s = 0 give that rater no candidates). Session n qualifies for the rater
// when WAI(n) ≤ m − Z·s and session n+1 (exactly that number) has WAI(n+1) ≥
// m. Raters "either" selects n when one rater qualifies, "both" when both do;
// the score is the depth (m − WAI(n))/s, the larger over the qualifying
// raters. Every candidate is kept.
func Select(rule string, p SelectionParams, sessions []SessionInfo) []Selected {
	cases := groupCases(sessions)
	var out []Selected
	for _, c := range cases {
		switch rule {
		case "", RuleRiseAfterRupture:
			out = append(out, riseAfterRupture(c, p.K)...)
		case RuleVShape:
			out = append(out, vShape(c, p.Z, p.Raters == "both")...)
		}
	}
	slices.SortFunc(out, func(a, b Selected) int {
		return cmp.Or(strings.Compare(a.Case, b.Case), cmp.Compare(a.Session, b.Session))
	})
	for i := range out {
		out[i].Score = math.Round(out[i].Score*1e6) / 1e6
	}
	return out
}

// caseSessions is one case's sessions sorted by number, without repeats.
type caseSessions struct {
	label    string
	sessions []SessionInfo
	byNum    map[int]int
}

func (c *caseSessions) get(n int) (SessionInfo, bool) {
	i, ok := c.byNum[n]
	if !ok {
		return SessionInfo{}, false
	}
	return c.sessions[i], true
}

func groupCases(sessions []SessionInfo) []*caseSessions {
	byLabel := map[string]*caseSessions{}
	var cases []*caseSessions
	for _, s := range sessions {
		c := byLabel[s.Case]
		if c == nil {
			c = &caseSessions{label: s.Case, byNum: map[int]int{}}
			byLabel[s.Case] = c
			cases = append(cases, c)
		}
		if _, dup := c.byNum[s.Session]; dup {
			continue
		}
		c.byNum[s.Session] = -1
		c.sessions = append(c.sessions, s)
	}
	for _, c := range cases {
		slices.SortStableFunc(c.sessions, func(a, b SessionInfo) int { return cmp.Compare(a.Session, b.Session) })
		for i, s := range c.sessions {
			c.byNum[s.Session] = i
		}
	}
	return cases
}

func riseAfterRupture(c *caseSessions, k int) []Selected {
	var cands []Selected
	for _, cur := range c.sessions {
		if cur.Session < 2 || !(cur.PatientRupture || cur.TherapistRupture) {
			continue
		}
		prev, ok := c.get(cur.Session - 1)
		if !ok || cur.PatientMean == nil || cur.TherapistMean == nil || prev.PatientMean == nil || prev.TherapistMean == nil {
			continue
		}
		pr := *cur.PatientMean - *prev.PatientMean
		tr := *cur.TherapistMean - *prev.TherapistMean
		if pr <= eps || tr <= eps {
			continue
		}
		who := "patient"
		switch {
		case cur.PatientRupture && cur.TherapistRupture:
			who = "patient and therapist"
		case cur.TherapistRupture:
			who = "therapist"
		}
		cands = append(cands, Selected{
			Case:    c.label,
			Session: cur.Session,
			Score:   pr + tr,
			Reason: fmt.Sprintf("rupture reported by %s; patient WAI %.2f→%.2f (+%.2f), therapist %.2f→%.2f (+%.2f)",
				who, *prev.PatientMean, *cur.PatientMean, pr, *prev.TherapistMean, *cur.TherapistMean, tr),
		})
	}
	// Best first; scores within eps are a tie, which the earlier session wins.
	slices.SortStableFunc(cands, func(a, b Selected) int {
		if math.Abs(a.Score-b.Score) > eps {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(a.Session, b.Session)
	})
	if k > 0 && len(cands) > k {
		cands = cands[:k]
	}
	return cands
}

// raterStats is one rater's case mean and sample SD.
type raterStats struct {
	name     string
	value    func(SessionInfo) *float64
	mean, sd float64
	ok       bool
}

func vShape(c *caseSessions, z float64, both bool) []Selected {
	raters := []*raterStats{
		{name: "patient", value: func(s SessionInfo) *float64 { return s.PatientMean }},
		{name: "therapist", value: func(s SessionInfo) *float64 { return s.TherapistMean }},
	}
	for _, r := range raters {
		var xs []float64
		for _, s := range c.sessions {
			if v := r.value(s); v != nil {
				xs = append(xs, *v)
			}
		}
		if len(xs) < 2 {
			continue
		}
		sum := 0.0
		for _, x := range xs {
			sum += x
		}
		r.mean = sum / float64(len(xs))
		ss := 0.0
		for _, x := range xs {
			ss += (x - r.mean) * (x - r.mean)
		}
		r.sd = math.Sqrt(ss / float64(len(xs)-1))
		r.ok = r.sd > eps
	}
	var out []Selected
	for _, s := range c.sessions {
		next, hasNext := c.get(s.Session + 1)
		if !hasNext {
			continue
		}
		var reasons []string
		best, qualified := 0.0, 0
		for _, r := range raters {
			x, y := r.value(s), r.value(next)
			if !r.ok || x == nil || y == nil {
				continue
			}
			threshold := r.mean - z*r.sd
			if *x > threshold+eps || *y < r.mean-eps {
				continue
			}
			depth := (r.mean - *x) / r.sd
			qualified++
			best = max(best, depth)
			reasons = append(reasons, fmt.Sprintf(
				"%s WAI %.2f is %.2f SD below the case mean %.2f (SD %.2f, threshold %.2f at z = %g), session %d back to %.2f",
				r.name, *x, depth, r.mean, r.sd, threshold, z, next.Session, *y))
		}
		if qualified == 0 || (both && qualified < 2) {
			continue
		}
		out = append(out, Selected{Case: c.label, Session: s.Session, Score: best, Reason: strings.Join(reasons, "; ")})
	}
	return out
}
