package conformance

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// WriteSequencesCSV writes one row per session of r, in report order, under
// the header case, session, stages, fitness, conforms, kendall_tau, resolved,
// deviations. Stages are joined by " > "; numbers use the shortest decimal
// form; an undefined kendall_tau is empty; deviations are joined by "; ", each
// written type:stage@position (e.g. "model_move:S2@0; log_move:S5@3"), an
// unmapped event as "log_move:code X9@2". Text cells go through SafeCell.
func WriteSequencesCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"case", "session", "stages", "fitness", "conforms", "kendall_tau", "resolved", "deviations"}); err != nil {
		return err
	}
	var b strings.Builder
	for _, s := range r.Sequences {
		tau := ""
		if s.KendallTau != nil {
			tau = formatFloat(*s.KendallTau)
		}
		b.Reset()
		for i, d := range s.Deviations {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(d.Type)
			b.WriteByte(':')
			if d.Code != "" {
				b.WriteString("code " + d.Code)
			} else {
				b.WriteString(d.Stage)
			}
			b.WriteByte('@')
			b.WriteString(strconv.Itoa(d.Position))
		}
		rec := []string{SafeCell(s.Case), strconv.Itoa(s.Session), SafeCell(strings.Join(s.Stages, " > ")), formatFloat(s.Fitness),
			strconv.FormatBool(s.Conforms), tau, strconv.FormatBool(s.Resolved), SafeCell(b.String())}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// SafeCell guards a text cell against formula injection (api.md "Abuse"):
// a cell beginning with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe, so a spreadsheet shows it as text.
func SafeCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// WriteValidationCSV writes report.validation as one row per test, the
// stage tests in model order and then the transition tests, under the
// header test, key, from, to, resolved_with, resolved, unresolved_with,
// unresolved, odds_ratio, ci95_lower, ci95_upper, corrected, fisher_p,
// holm_p, outcome. test is "stage" (key set) or "transition" (from and to
// set); an undefined odds ratio and interval are empty cells; numbers use
// the shortest decimal form; text cells go through SafeCell.
func WriteValidationCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"test", "key", "from", "to", "resolved_with", "resolved", "unresolved_with", "unresolved",
		"odds_ratio", "ci95_lower", "ci95_upper", "corrected", "fisher_p", "holm_p", "outcome"}); err != nil {
		return err
	}
	v := r.Validation
	row := func(kind string, t Test) error {
		or, lo, hi := "", "", ""
		if t.OddsRatio != nil {
			or = formatFloat(*t.OddsRatio)
		}
		if t.CI95 != nil {
			lo, hi = formatFloat(t.CI95[0]), formatFloat(t.CI95[1])
		}
		return cw.Write([]string{kind, SafeCell(t.Key), SafeCell(t.From), SafeCell(t.To),
			strconv.Itoa(t.ResolvedWith), strconv.Itoa(v.Resolved), strconv.Itoa(t.UnresolvedWith), strconv.Itoa(v.Unresolved),
			or, lo, hi, strconv.FormatBool(t.Corrected), formatFloat(t.FisherP), formatFloat(t.HolmP), v.Outcome})
	}
	for _, t := range v.Stages {
		if err := row("stage", t); err != nil {
			return err
		}
	}
	for _, t := range v.Transitions {
		if err := row("transition", t); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
