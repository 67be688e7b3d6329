package conformance

import (
	"io"
	"strconv"
	"strings"

	"github.com/stagewise/stagewise/workflow/sheet"
)

// WriteSequencesCSV writes one row per session of r, in report order, under
// the header case, session, stages, fitness, conforms, kendall_tau, resolved,
// deviations. Stages are joined by " > "; numbers use the shortest decimal
// form; an undefined kendall_tau is empty; deviations are joined by "; ", each
// written type:stage@position (e.g. "model_move:S2@0; log_move:S5@3"), an
// unmapped event as "log_move:code X9@2". Text cells that a spreadsheet
// would take for a formula are escaped (package sheet).
func WriteSequencesCSV(w io.Writer, r Report) error {
	cw := sheet.NewWriter(w)
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
		rec := []string{s.Case, strconv.Itoa(s.Session), strings.Join(s.Stages, " > "), formatFloat(s.Fitness),
			strconv.FormatBool(s.Conforms), tau, strconv.FormatBool(s.Resolved), b.String()}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
