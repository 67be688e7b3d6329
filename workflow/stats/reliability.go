package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The methods of POST /api/v1/stats/reliability.
const (
	MethodPercentAgreement  = "percent_agreement"
	MethodCohenKappa        = "cohen_kappa"
	MethodFleissKappa       = "fleiss_kappa"
	MethodKrippendorffAlpha = "krippendorff_alpha"
	MethodICC               = "icc"
	MethodKendallW          = "kendall_w"
)

// Methods lists the reliability methods in the order the API documents them.
var Methods = []string{
	MethodPercentAgreement, MethodCohenKappa, MethodFleissKappa,
	MethodKrippendorffAlpha, MethodICC, MethodKendallW,
}

// Missing-value conventions of Compute (domain.md "Inter-rater
// reliability").
const (
	// MissingIRR (the default) follows R irr: percent agreement, Cohen's
	// κ, Fleiss' κ and the ICCs use the units every rater rated; Kendall's
	// W drops the units (items) with a missing rank (irr::kendall's
	// na.omit); Krippendorff's α uses every pairable value.
	MissingIRR = "irr"
	// MissingPairwise: percent agreement over the units with at least two
	// ratings, Kendall's W over the raters who ranked every item; the
	// other methods as under MissingIRR.
	MissingPairwise = "pairwise"
)

// Request is the body of POST /api/v1/stats/reliability. Data holds one row
// per rater and one column per unit (items, for kendall_w); a missing rating
// is NaN (JSON null, see MatrixFromNullable). Level (krippendorff_alpha,
// default nominal), Weights (cohen_kappa, default unweighted) and Model (icc,
// default "2,1") are used only by the methods named; Categories declares the
// category set of cohen_kappa. Missing is MissingIRR ("" reads so) or
// MissingPairwise.
type Request struct {
	Method     string      `json:"method"`
	Missing    string      `json:"missing,omitempty"`
	Level      string      `json:"level,omitempty"`
	Weights    string      `json:"weights,omitempty"`
	Model      string      `json:"model,omitempty"`
	Categories []float64   `json:"categories,omitempty"`
	Data       [][]float64 `json:"data"`
}

// Result is the answer of POST /api/v1/stats/reliability. Value is nil when
// the statistic is undefined for the data (Details["note"] says why) or the
// request is invalid (Details["note"] and Details["errors"]). NUnits is the
// number of units the statistic used (after dropping units with missing
// ratings where the method does), NRaters the number of rows.
type Result struct {
	Method  string         `json:"method"`
	Value   *float64       `json:"value"`
	NUnits  int            `json:"n_units"`
	NRaters int            `json:"n_raters"`
	Details map[string]any `json:"details"`
}

// MatrixFromNullable turns rows of JSON numbers-or-null into the NaN-coded
// matrix the statistics take.
func MatrixFromNullable(rows [][]*float64) [][]float64 {
	m := make([][]float64, len(rows))
	for i, row := range rows {
		m[i] = make([]float64, len(row))
		for j, p := range row {
			if p == nil {
				m[i][j] = Missing()
			} else {
				m[i][j] = *p
			}
		}
	}
	return m
}

// Validate reports every bad field of r; nil means r can be computed.
// It checks the method, the level, weights and model names (whatever the
// method), the categories (finite, distinct), and the data: at least two
// rows (exactly two for cohen_kappa), at least one column, rows of equal
// length ("data[1]"), finite or missing values ("data[0][3]"), values among
// the declared categories for cohen_kappa and non-negative values for
// krippendorff_alpha at the ratio level.
func (r Request) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case r.Method == "":
		add("method", "is required: one of %s", strings.Join(Methods, ", "))
	case !slices.Contains(Methods, r.Method):
		add("method", "unknown method %q: must be one of %s", r.Method, strings.Join(Methods, ", "))
	}
	level, ok := Level(r.Level).canonical()
	if !ok {
		add("level", "unknown level %q: must be one of nominal, ordinal, interval, ratio", r.Level)
	}
	if _, ok := Weights(r.Weights).canonical(); !ok {
		add("weights", "unknown weights %q: must be one of unweighted, linear (or equal), quadratic (or squared)", r.Weights)
	}
	if r.Missing != "" && r.Missing != MissingIRR && r.Missing != MissingPairwise {
		add("missing", "unknown convention %q: must be irr (the default) or pairwise", r.Missing)
	}
	if _, ok := ICCModel(r.Model).canonical(); !ok {
		add("model", "unknown ICC model %q: must be one of 1,1, 2,1, 3,1", r.Model)
	}
	cats := make(map[float64]bool, len(r.Categories))
	for i, c := range r.Categories {
		field := fmt.Sprintf("categories[%d]", i)
		switch {
		case math.IsNaN(c) || math.IsInf(c, 0):
			add(field, "not a finite number")
		case cats[c]:
			add(field, "duplicate category %v", c)
		default:
			cats[c] = true
		}
	}
	switch {
	case len(r.Data) == 0:
		add("data", "is required: one row per rater, one column per unit")
		return errs
	case r.Method == MethodCohenKappa && len(r.Data) != 2:
		add("data", "cohen_kappa needs exactly two raters (rows), got %d", len(r.Data))
	case len(r.Data) < 2:
		add("data", "needs at least two raters (rows), got %d", len(r.Data))
	}
	cols := len(r.Data[0])
	if cols == 0 {
		add("data[0]", "needs at least one unit (column)")
	}
	checkCats := r.Method == MethodCohenKappa && len(r.Categories) > 0
	checkRatio := r.Method == MethodKrippendorffAlpha && ok && level == LevelRatio
	for i, row := range r.Data {
		if len(row) != cols {
			add(fmt.Sprintf("data[%d]", i), "has %d values; data[0] has %d (rows must be of equal length)", len(row), cols)
		}
		for j, x := range row {
			field := fmt.Sprintf("data[%d][%d]", i, j)
			switch {
			case IsMissing(x):
			case math.IsInf(x, 0):
				add(field, "not a finite number")
			case checkCats && !cats[x]:
				add(field, "value %v is not among the declared categories", x)
			case checkRatio && x < 0:
				add(field, "value %v is negative; the ratio level needs non-negative values", x)
			}
		}
	}
	return errs
}

// Compute answers a reliability request. It never panics and never puts
// NaN or Inf in the result. An invalid request gives Value nil with
// Details["note"] = "invalid request" and Details["errors"] = Validate().
// A statistic undefined for the data gives Value nil with Details["note"]
// the reason, for example: everyone uses one value (Krippendorff's α with
// D_e = 0, Cohen's κ with p_e = 1, Fleiss' κ, the ICC); a single pairable
// unit (α); no unit with two ratings (percent agreement). Percent agreement
// is 1 when everyone uses one value.
//
// Details echo the parameters used (level, weights, model, categories) and
// add: percent_agreement agreeing_units; cohen_kappa and fleiss_kappa
// observed_agreement and expected_agreement (fleiss_kappa also z and
// p_value); krippendorff_alpha observed_disagreement, expected_disagreement,
// pairable_values and values; icc the mean squares bms, wms, jms, ems and
// f, df1, df2; kendall_w chi_square, df and p_value.
func Compute(r Request) (res Result) {
	res = Result{Method: r.Method, NRaters: len(r.Data), Details: map[string]any{}}
	defer func() {
		if p := recover(); p != nil {
			res.Value = nil
			res.NUnits = 0
			res.Details = map[string]any{"note": "internal error while computing the statistic"}
		}
	}()
	if errs := r.Validate(); len(errs) > 0 {
		res.Details["note"] = "invalid request"
		res.Details["errors"] = errs
		return res
	}
	d := res.Details
	missing := r.Missing
	if missing == "" {
		missing = MissingIRR
	}
	d["missing"] = missing
	var value float64
	var err error
	switch r.Method {
	case MethodPercentAgreement:
		value, res.NUnits, err = computeAgreement(r.Data, missing, d)
	case MethodCohenKappa:
		value, res.NUnits, err = computeCohen(r, d)
	case MethodFleissKappa:
		value, res.NUnits, err = computeFleiss(r.Data, d)
	case MethodKrippendorffAlpha:
		value, res.NUnits, err = computeAlpha(r.Data, Level(r.Level), d)
	case MethodICC:
		value, res.NUnits, err = computeICC(r.Data, ICCModel(r.Model), d)
	case MethodKendallW:
		value, res.NUnits, err = computeKendall(r.Data, missing, d)
	}
	res.Value = finish(value, err, d)
	return res
}

// finish gives the statistic, nil with a note in d when it is undefined
// (err) or not finite, and drops the details that are not finite.
func finish(value float64, err error, d map[string]any) *float64 {
	var out *float64
	switch {
	case err != nil:
		var de DegenerateError
		var dp *DegenerateError
		switch {
		case errors.As(err, &dp):
			d["note"] = dp.Reason
		case errors.As(err, &de):
			d["note"] = de.Reason
		default:
			d["note"] = err.Error()
		}
	case math.IsNaN(value) || math.IsInf(value, 0):
		d["note"] = "the statistic is not a finite number for this input"
	default:
		out = &value
	}
	for k, v := range d {
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			delete(d, k)
		}
	}
	return out
}

func computeAgreement(m [][]float64, missing string, d map[string]any) (float64, int, error) {
	a, err := percentAgreement(m, missing == MissingIRR)
	d["agreeing_units"] = a.agreed
	d["tolerance"] = 0
	return a.value, a.units, err
}

func computeCohen(r Request, d map[string]any) (float64, int, error) {
	c, err := cohenKappa(r.Data[0], r.Data[1], Weights(r.Weights), r.Categories)
	d["weights"] = string(c.weights)
	d["categories"] = nonNil(c.categories)
	if err == nil {
		d["observed_agreement"] = c.observed
		d["expected_agreement"] = c.expected
	}
	return c.value, c.units, err
}

func computeFleiss(m [][]float64, d map[string]any) (float64, int, error) {
	f, err := fleissKappa(m)
	d["categories"] = nonNil(f.categories)
	if err == nil {
		d["observed_agreement"] = f.observed
		d["expected_agreement"] = f.expected
		if f.hasZ {
			d["z"] = f.z
			d["p_value"] = f.p
		}
	}
	return f.value, f.units, err
}

func computeAlpha(m [][]float64, level Level, d map[string]any) (float64, int, error) {
	a, err := krippendorffAlpha(m, level)
	d["level"] = string(a.level)
	d["pairable_values"] = a.pairable
	d["values"] = nonNil(a.valuesSet)
	if err == nil {
		d["observed_disagreement"] = a.observed
		d["expected_disagreement"] = a.expected
	}
	return a.value, a.units, err
}

func computeICC(m [][]float64, model ICCModel, d map[string]any) (float64, int, error) {
	c, err := icc(m, model)
	d["model"] = string(c.model)
	if c.units >= 2 && len(m) >= 2 {
		d["bms"], d["wms"], d["jms"], d["ems"] = c.bms, c.wms, c.jms, c.ems
	}
	if err == nil {
		d["f"], d["df1"], d["df2"] = c.f, c.df1, c.df2
	}
	return c.value, c.units, err
}

func nonNil(xs []float64) []float64 {
	if xs == nil {
		return []float64{}
	}
	return xs
}

// computeKendall computes Kendall's W with the tie correction
// (KendallWTies) for m[rater][item] and fills its details. Under
// MissingIRR the items with a missing rank are left out first (irr::kendall
// drops those rows of its subjects × raters matrix); under MissingPairwise
// KendallWTies leaves out a rater with a missing item. raters_used and
// n_units count what was used.
func computeKendall(m [][]float64, missing string, d map[string]any) (float64, int, error) {
	if missing == MissingIRR {
		m = completeColumns(m)
	}
	k, ok := KendallWTies(m)
	d["raters_used"] = k.Raters
	if !ok {
		switch {
		case k.Raters < 2:
			return 0, k.Items, irrDegenerate("Kendall's W needs at least two raters who ranked every item")
		case k.Items < 2:
			if missing == MissingIRR {
				return 0, k.Items, irrDegenerate("Kendall's W needs at least two items ranked by every rater")
			}
			return 0, k.Items, irrDegenerate("Kendall's W needs at least two items")
		}
		return 0, k.Items, irrDegenerate("every rater tied all items, so Kendall's W is undefined")
	}
	d["tie_corrected"] = k.TieCorrected
	d["chi_square"] = k.ChiSquare
	d["df"] = k.DF
	d["p_value"] = k.P
	return k.W, k.Items, nil
}

// completeColumns keeps the columns of m that have no missing value.
func completeColumns(m [][]float64) [][]float64 {
	cols := 0
	for _, row := range m {
		cols = max(cols, len(row))
	}
	keep := make([]int, 0, cols)
	for u := 0; u < cols; u++ {
		ok := true
		for _, row := range m {
			if u >= len(row) || IsMissing(row[u]) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, u)
		}
	}
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(keep))
		for j, u := range keep {
			out[i][j] = row[u]
		}
	}
	return out
}
