package comparisons

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/versions"
)

// comparisonRun is the pure part of a comparison: it feeds each session's
// codes to the analysis of the version (and of the baseline) and hashes
// the data used, then turns both into the comparison to store.
type comparisonRun struct {
	pl comparisonPlan
	a  *conformance.Analyzer
	b  *conformance.Analyzer // the baseline's, with CompareTo

	// The data hash must not depend on the order sessions come in: each
	// session (a unique case and session number) is hashed alone and the
	// hashes are combined by XOR, with the count.
	data  [sha256.Size]byte
	nsess int
	h     hash.Hash
	buf   []byte
}

// newComparisonRun builds the analyzers; a version the analysis cannot
// compile is a field error on "version" or "compare_to".
func newComparisonRun(pl comparisonPlan) (*comparisonRun, error) {
	run := &comparisonRun{pl: pl, h: sha256.New()}
	var err error
	if run.a, err = analyzer(pl.version.Content, pl.params, "version"); err != nil {
		return nil, err
	}
	if pl.in.CompareTo != nil {
		if run.b, err = analyzer(pl.baseline.Content, pl.params, "compare_to"); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// analyzer builds the analysis of content with parameters p, naming the
// model's problems under field.
func analyzer(c models.Content, p conformance.Params, field string) (*conformance.Analyzer, error) {
	a, err := conformance.NewAnalyzer(versions.ContentModel(c), p)
	var fe conformance.FieldErrors
	if errors.As(err, &fe) {
		out := make([]models.FieldError, 0, len(fe))
		for _, e := range fe {
			out = append(out, models.FieldError{Field: field, Message: e.Field + ": " + e.Message})
		}
		return nil, models.Invalid(out)
	}
	return a, err
}

// add takes one session's codes.
func (run *comparisonRun) add(sc models.SessionCodes) {
	run.h.Reset()
	run.buf = fmt.Appendf(run.buf[:0], "%s\x1f%d\x1f%s", sc.Case, sc.Session, strings.Join(sc.Codes, "\x1f"))
	sess := conformance.Session{Case: sc.Case, Session: sc.Session, Codes: sc.Codes}
	if run.pl.ratings != nil {
		// The rating is data used: it enters the session's hash.
		if r, ok := run.pl.ratings[models.SessionKey{Case: sc.Case, Session: sc.Session}]; ok {
			sess.Reported = &r
			run.buf = fmt.Appendf(run.buf, "\x1e%d", r)
		} else {
			run.buf = append(run.buf, "\x1e-"...)
		}
	}
	run.h.Write(run.buf)
	var sum [sha256.Size]byte
	run.h.Sum(sum[:0])
	for i := range run.data {
		run.data[i] ^= sum[i]
	}
	run.nsess++
	run.a.Add(sess)
	if run.b != nil {
		run.b.Add(sess)
	}
}

// record makes the comparison to store (without its creator and time):
// the report, with the sessions left out (missing) and the baseline, its
// summary, and the inputs with their hash.
func (run *comparisonRun) record(missing []models.SessionKey) (models.Comparison, error) {
	pl := run.pl
	m, v, d := pl.model, pl.version, pl.dataset
	rep := run.a.Report()
	left := make([]conformance.SessionRef, 0, len(missing))
	for _, k := range missing {
		left = append(left, conformance.SessionRef{Case: k.Case, Session: k.Session})
	}
	rep.SetLeftOut(left)
	inputs := ComparisonInputs{Model: m.Slug, Version: v.Number, ContentHash: v.ContentHash, Dataset: d.ID, Sessions: pl.in.Sessions,
		Selection: pl.selection, Coder: pl.in.Coder, DataHash: fmt.Sprintf("xor-sha256:%d:%s", run.nsess, hex.EncodeToString(run.data[:])),
		Params: rep.Params, EngineVersion: ComparisonEngine}
	if run.b != nil {
		base := run.b.Report()
		base.SetLeftOut(left)
		rep.Baseline = conformance.NewBaseline(pl.baseline.Number, &rep, &base)
		inputs.CompareTo, inputs.BaselineContentHash = &pl.baseline.Number, pl.baseline.ContentHash
	}
	ib, err := marshalPlain(inputs)
	if err != nil {
		return models.Comparison{}, err
	}
	rb, err := rep.AppendJSON(make([]byte, 0, 1<<20))
	if err != nil {
		return models.Comparison{}, err
	}
	sb, err := marshalPlain(rep.Summary)
	if err != nil {
		return models.Comparison{}, err
	}
	ih := sha256.Sum256(ib)
	return models.Comparison{ModelID: m.ID, ModelSlug: m.Slug, VersionNumber: v.Number, DatasetID: d.ID, Sessions: pl.in.Sessions,
		Coder: pl.in.Coder, Inputs: ib, InputsHash: "sha256:" + hex.EncodeToString(ih[:]), Report: rb, Summary: sb}, nil
}
