package datasets

import (
	"context"
	"errors"
	"fmt"
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
	var rep ReliabilityReport
	d, acc, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return rep, err
	}
	if err := NeedUnblinded(acc, "the reliability of the coders"); err != nil {
		return rep, err
	}
	if len(coders) != 2 || coders[0] == "" || coders[1] == "" {
		return rep, models.InvalidField("coders", "name exactly two coders separated by a comma, such as coders=consensus,coder2")
	}
	if coders[0] == coders[1] {
		return rep, models.InvalidField("coders", "name two different coders")
	}
	var errs []models.FieldError
	for _, c := range coders {
		ok, err := s.store.CoderHasEvents(ctx, id, c)
		if err != nil {
			return rep, err
		}
		if !ok {
			errs = append(errs, models.FieldError{Field: "coders", Message: fmt.Sprintf("coder %q has no events in this dataset", c)})
		}
	}
	if err := models.Invalid(errs); err != nil {
		return rep, err
	}
	rep.Coders = [2]string{coders[0], coders[1]}

	// Index codes and families in codebook order; a code missing from the
	// codebook (impossible through imports) gets its own family.
	codeIdx := map[string]int{}
	famIdx := map[string]int{}
	var codeFam []int
	var codeNames, famNames []string
	addCode := func(code, fam string) int {
		fi, ok := famIdx[fam]
		if !ok {
			fi = len(famNames)
			famIdx[fam] = fi
			famNames = append(famNames, fam)
		}
		ci := len(codeNames)
		codeIdx[code] = ci
		codeNames = append(codeNames, code)
		codeFam = append(codeFam, fi)
		return ci
	}
	for _, c := range d.Codebook {
		if _, dup := codeIdx[c.Code]; !dup {
			addCode(c.Code, c.Family)
		}
	}
	type table struct{ both, onlyA, onlyB int }
	var codeT, famT []table
	var codeUsed []bool
	// Per-session counts, one slice per coder: counts[coder][item] over sessions.
	var codeCounts, famCounts [2][][]float64
	var totalCounts [2][]float64
	grow := func() {
		for len(codeT) < len(codeNames) {
			codeT = append(codeT, table{})
			codeUsed = append(codeUsed, false)
			for k := range 2 {
				codeCounts[k] = append(codeCounts[k], make([]float64, rep.Sessions))
			}
		}
		for len(famT) < len(famNames) {
			famT = append(famT, table{})
			for k := range 2 {
				famCounts[k] = append(famCounts[k], make([]float64, rep.Sessions))
			}
		}
	}
	grow()

	// One session's events at a time.
	type ev struct {
		segment int
		coder   int
		code    int
	}
	var buf []ev
	var curSession int64
	// Marks of the current unit: stamp per code and family, per coder.
	var stamp int
	var markCode [2][]int
	var markFam [2][]int
	var touchedCodes, touchedFams []int
	flush := func() {
		if len(buf) == 0 {
			return
		}
		defer func() { buf = buf[:0] }()
		var has [2]bool
		for _, e := range buf {
			has[e.coder] = true
		}
		switch {
		case has[0] && !has[1]:
			rep.SessionsOnlyA++
			return
		case has[1] && !has[0]:
			rep.SessionsOnlyB++
			return
		}
		si := rep.Sessions
		rep.Sessions++
		for k := range 2 {
			for i := range codeCounts[k] {
				codeCounts[k][i] = append(codeCounts[k][i], 0)
			}
			for i := range famCounts[k] {
				famCounts[k][i] = append(famCounts[k][i], 0)
			}
			totalCounts[k] = append(totalCounts[k], 0)
		}
		for k := range 2 {
			for len(markCode[k]) < len(codeNames) {
				markCode[k] = append(markCode[k], 0)
			}
			for len(markFam[k]) < len(famNames) {
				markFam[k] = append(markFam[k], 0)
			}
		}
		for start := 0; start < len(buf); {
			end := start
			for end < len(buf) && buf[end].segment == buf[start].segment {
				end++
			}
			stamp++
			rep.Units++
			touchedCodes, touchedFams = touchedCodes[:0], touchedFams[:0]
			for _, e := range buf[start:end] {
				f := codeFam[e.code]
				codeCounts[e.coder][e.code][si]++
				famCounts[e.coder][f][si]++
				totalCounts[e.coder][si]++
				if markCode[0][e.code] != stamp && markCode[1][e.code] != stamp {
					touchedCodes = append(touchedCodes, e.code)
				}
				markCode[e.coder][e.code] = stamp
				if markFam[0][f] != stamp && markFam[1][f] != stamp {
					touchedFams = append(touchedFams, f)
				}
				markFam[e.coder][f] = stamp
			}
			for _, c := range touchedCodes {
				codeUsed[c] = true
				a, b := markCode[0][c] == stamp, markCode[1][c] == stamp
				switch {
				case a && b:
					codeT[c].both++
				case a:
					codeT[c].onlyA++
				default:
					codeT[c].onlyB++
				}
			}
			for _, f := range touchedFams {
				a, b := markFam[0][f] == stamp, markFam[1][f] == stamp
				switch {
				case a && b:
					famT[f].both++
				case a:
					famT[f].onlyA++
				default:
					famT[f].onlyB++
				}
			}
			start = end
		}
	}
	err = s.store.EachCodedUnit(ctx, id, coders[0], coders[1], func(u models.CodedUnit) error {
		if u.SessionID != curSession {
			flush()
			curSession = u.SessionID
		}
		ci, ok := codeIdx[u.Code]
		if !ok {
			ci = addCode(u.Code, "(not in the codebook)")
			grow()
		}
		k := 0
		if u.Coder == coders[1] {
			k = 1
		}
		buf = append(buf, ev{segment: u.Segment, coder: k, code: ci})
		return nil
	})
	if err != nil {
		return rep, err
	}
	flush()

	var pooled table
	rep.Families = make([]FamilyAgreement, 0, len(famNames))
	for f, name := range famNames {
		t := famT[f]
		pooled.both += t.both
		pooled.onlyA += t.onlyA
		pooled.onlyB += t.onlyB
		a := presence(t.both, t.onlyA, t.onlyB, rep.Units)
		a.addICC(famCounts[0][f], famCounts[1][f])
		rep.Families = append(rep.Families, FamilyAgreement{Family: name, Agreement: a})
	}
	rep.Codes = []CodeAgreement{}
	for c, name := range codeNames {
		if !codeUsed[c] {
			continue
		}
		t := codeT[c]
		a := presence(t.both, t.onlyA, t.onlyB, rep.Units)
		a.addICC(codeCounts[0][c], codeCounts[1][c])
		rep.Codes = append(rep.Codes, CodeAgreement{Code: name, Family: famNames[codeFam[c]], Agreement: a})
	}
	rep.Overall = presence(pooled.both, pooled.onlyA, pooled.onlyB, rep.Units*len(famNames))
	rep.Overall.addICC(totalCounts[0], totalCounts[1])
	if rep.Sessions == 0 {
		rep.Overall.Notes = append([]string{"no session was coded by both coders"}, rep.Overall.Notes...)
	}
	return rep, nil
}

// JoinNotes renders an agreement's notes as one sentence list.
func (a Agreement) JoinNotes() string { return strings.Join(a.Notes, "; ") }
