package datasets

import (
	"context"
	"errors"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/stats"
)

// Agreement is the agreement of two coders on one code, one family, or all
// families pooled. Presence tables count units: Both (both coders gave it),
// OnlyA, OnlyB, Neither. A statistic that is undefined for the data is nil,
// and Notes says why (one sentence per statistic).
type Agreement struct {
	Units             int
	Both              int
	OnlyA             int
	OnlyB             int
	Neither           int
	PercentAgreement  *float64
	CohenKappa        *float64
	KrippendorffAlpha *float64
	// ICC is ICC(2,1) over the sessions both coders coded, on the number of
	// events each coder gave (of that code, of that family, or in all).
	ICC   *float64
	Notes []string
}

// FamilyAgreement is the agreement on the presence of a code family.
type FamilyAgreement struct {
	Family string
	Agreement
}

// CodeAgreement is the agreement on the presence of one code.
type CodeAgreement struct {
	Code   string
	Family string
	Agreement
}

// ReliabilityReport is the inter-rater reliability of two coders of a
// dataset; see Service.Reliability for the definitions.
type ReliabilityReport struct {
	Coders   [2]string
	Units    int
	Sessions int
	// OnlyA and OnlyB count sessions that only one of the coders coded
	// (left out).
	SessionsOnlyA int
	SessionsOnlyB int
	Overall       Agreement
	Families      []FamilyAgreement
	Codes         []CodeAgreement
}

// presence computes the presence statistics of a 2×2 table over units,
// with the same definitions and degenerate cases as package stats (percent
// agreement as irr::agree, Cohen's κ unweighted over the categories that
// occur, Krippendorff's α nominal), in closed form so that a hundred
// thousand units cost nothing.
func presence(both, onlyA, onlyB, units int) Agreement {
	a := Agreement{Units: units, Both: both, OnlyA: onlyA, OnlyB: onlyB, Neither: units - both - onlyA - onlyB}
	if units == 0 {
		a.Notes = append(a.Notes, "no units: neither coder coded any segment of a session both coded")
		return a
	}
	n := float64(units)
	po := float64(both+a.Neither) / n
	a.PercentAgreement = &po
	switch {
	case both+onlyA+onlyB == 0 || a.Neither+onlyA+onlyB == 0:
		a.Notes = append(a.Notes, "cohen_kappa: both coders give every unit the same value, so chance agreement is 1 and kappa is undefined")
	default:
		pa, pb := float64(both+onlyA)/n, float64(both+onlyB)/n
		pe := pa*pb + (1-pa)*(1-pb)
		if 1-pe < 1e-12 {
			a.Notes = append(a.Notes, "cohen_kappa: chance agreement is 1, so kappa is undefined")
		} else {
			k := (po - pe) / (1 - pe)
			a.CohenKappa = &k
		}
	}
	// Coincidences: each unit contributes its two values as two ordered pairs.
	n0 := float64(2*a.Neither + onlyA + onlyB)
	n1 := float64(2*both + onlyA + onlyB)
	switch {
	case units < 2:
		a.Notes = append(a.Notes, "krippendorff_alpha: only one unit; alpha needs at least two")
	case n0 == 0 || n1 == 0:
		a.Notes = append(a.Notes, "krippendorff_alpha: every value is the same, so the expected disagreement is 0 and alpha is undefined")
	default:
		al := 1 - (2*n-1)*float64(onlyA+onlyB)/(n0*n1)
		a.KrippendorffAlpha = &al
	}
	return a
}

// addICC sets a.ICC from per-session counts of each coder.
func (a *Agreement) addICC(ca, cb []float64) {
	v, _, err := stats.ICC([][]float64{ca, cb}, stats.ICC21)
	var de *stats.DegenerateError
	switch {
	case errors.As(err, &de):
		a.Notes = append(a.Notes, "icc: "+de.Reason)
	case err != nil:
		a.Notes = append(a.Notes, "icc: "+err.Error())
	default:
		a.ICC = &v
	}
}

// Reliability measures the agreement of two coders of a dataset on the
// sessions both coded.
//
// Units are the (session, segment) pairs that either coder gave a code to,
// in the sessions where both coders have events. For each code (and each
// family of the codebook) a coder's value on a unit is 1 when the coder gave
// that code (a code of that family) in that unit, else 0. Per code and per
// family the report gives percent agreement, Cohen's κ and Krippendorff's α
// (nominal) on these presence values, and ICC(2,1) on the per-session counts
// of events of that code or family. Overall pools the family presence
// values: every (unit, family) pair counts once; its ICC is on per-session
// counts of all events. Codes appear when either coder used them in those
// sessions, in codebook order; families appear in codebook order. A
// statistic undefined for the data is nil with a note (e.g. κ when both
// coders mark every unit the same; ICC with fewer than two sessions or no
// variation). coders must name two different coders, each with events in
// the dataset; otherwise the error is a ValidationError on "coders". A
// blind coder (see DatasetAccess) gets ErrForbidden.
func (s *Service) Reliability(ctx context.Context, actor models.User, id int64, coders []string) (ReliabilityReport, error) {
	d, acc, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return ReliabilityReport{}, err
	}
	if err := NeedUnblinded(acc, "the reliability of the coders"); err != nil {
		return ReliabilityReport{}, err
	}
	if err := s.checkCoderPair(ctx, id, coders, "coders", false); err != nil {
		return ReliabilityReport{}, err
	}
	t := newTally(d.Codebook, [2]string{coders[0], coders[1]})
	if err := s.store.EachCodedUnit(ctx, id, coders[0], coders[1], func(u models.CodedUnit) error {
		t.add(u)
		return nil
	}); err != nil {
		return ReliabilityReport{}, err
	}
	return t.report(), nil
}

// JoinNotes renders an agreement's notes as one sentence list.
func (a Agreement) JoinNotes() string { return strings.Join(a.Notes, "; ") }
