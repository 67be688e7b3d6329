package stats

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIRRValidate(t *testing.T) {
	ok := [][]float64{{1, 2, 3}, {1, 2, 2}}
	for _, tc := range []struct {
		name string
		req  Request
		want []FieldError
	}{
		{"valid", Request{Method: MethodCohenKappa, Data: ok}, nil},
		{"valid with aliases", Request{Method: MethodCohenKappa, Weights: "squared", Categories: []float64{1, 2, 3}, Data: ok}, nil},
		{"valid icc alias", Request{Method: MethodICC, Model: "ICC(3,1)", Data: ok}, nil},
		{"missing values are fine", Request{Method: MethodKrippendorffAlpha, Level: "interval", Data: [][]float64{{1, irrNA}, {irrNA, 2}}}, nil},
		{"no method", Request{Data: ok}, []FieldError{
			{"method", "is required: one of percent_agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha, icc, kendall_w"}}},
		{"unknown method", Request{Method: "scotts_pi", Data: ok}, []FieldError{
			{"method", `unknown method "scotts_pi": must be one of percent_agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha, icc, kendall_w`}}},
		{"bad parameters", Request{Method: MethodKrippendorffAlpha, Level: "cardinal", Weights: "cubic", Model: "4,1", Data: ok}, []FieldError{
			{"level", `unknown level "cardinal": must be one of nominal, ordinal, interval, ratio`},
			{"weights", `unknown weights "cubic": must be one of unweighted, linear (or equal), quadratic (or squared)`},
			{"model", `unknown ICC model "4,1": must be one of 1,1, 2,1, 3,1`}}},
		{"no data", Request{Method: MethodFleissKappa}, []FieldError{
			{"data", "is required: one row per rater, one column per unit"}}},
		{"one rater", Request{Method: MethodFleissKappa, Data: [][]float64{{1, 2}}}, []FieldError{
			{"data", "needs at least two raters (rows), got 1"}}},
		{"no units", Request{Method: MethodICC, Data: [][]float64{{}, {}}}, []FieldError{
			{"data[0]", "needs at least one unit (column)"}}},
		{"cohen with 3 raters", Request{Method: MethodCohenKappa, Data: [][]float64{{1, 2}, {1, 2}, {2, 2}}}, []FieldError{
			{"data", "cohen_kappa needs exactly two raters (rows), got 3"}}},
		{"ragged rows", Request{Method: MethodPercentAgreement, Data: [][]float64{{1, 2, 3}, {1, 2}, {1, 2, 3, 4}}}, []FieldError{
			{"data[1]", "has 2 values; data[0] has 3 (rows must be of equal length)"},
			{"data[2]", "has 4 values; data[0] has 3 (rows must be of equal length)"}}},
		{"not finite", Request{Method: MethodICC, Data: [][]float64{{1, 2, 3, math.Inf(1)}, {1, math.Inf(-1), 2, 2}}}, []FieldError{
			{"data[0][3]", "not a finite number"},
			{"data[1][1]", "not a finite number"}}},
		{"categories", Request{Method: MethodCohenKappa, Categories: []float64{1, 2, 2, irrNA}, Data: [][]float64{{1, 2, 3}, {1, 2, 2}}}, []FieldError{
			{"categories[2]", "duplicate category 2"},
			{"categories[3]", "not a finite number"},
			{"data[0][2]", "value 3 is not among the declared categories"}}},
		{"ratio negative", Request{Method: MethodKrippendorffAlpha, Level: "ratio", Data: [][]float64{{1, -2}, {1, 2}}}, []FieldError{
			{"data[0][1]", "value -2 is negative; the ratio level needs non-negative values"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.req.Validate()); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// irrJSON marshals a result; encoding/json fails on NaN and Inf, so this
// also checks that none got out.
func irrJSON(t *testing.T, r Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal(%+v): %v", r, err)
	}
	return string(b)
}

func TestIRRComputeReference(t *testing.T) {
	for _, tc := range []struct {
		name          string
		req           Request
		want          float64
		tol           float64
		units, raters int
		details       map[string]any // a subset of the details, compared exactly
	}{
		{"percent agreement", Request{Method: MethodPercentAgreement, Data: [][]float64{{1, 2, 3, 4}, {1, 2, 3, 3}}},
			0.75, 0, 4, 2, map[string]any{"agreeing_units": 3}},
		{"cohen linear (irr anxiety)", Request{Method: MethodCohenKappa, Weights: "equal", Data: [][]float64{anxietyR2, anxietyR3}},
			0.1459075, 1e-6, 20, 2, map[string]any{"weights": "linear", "categories": []float64{1, 2, 3, 4, 6}}},
		{"cohen default unweighted", Request{Method: MethodCohenKappa, Data: [][]float64{anxietyR2, anxietyR3}},
			-0.006289308, 1e-6, 20, 2, map[string]any{"weights": "unweighted"}},
		{"fleiss (irr diagnoses)", Request{Method: MethodFleissKappa, Data: irrTranspose(diagnosesByPatient)},
			0.430, 5e-4, 30, 6, map[string]any{"categories": []float64{1, 2, 3, 4, 5}}},
		{"alpha default nominal", Request{Method: MethodKrippendorffAlpha, Data: kripp3},
			0.691358, 5e-7, 12, 3, map[string]any{"level": "nominal", "pairable_values": 26}},
		{"alpha interval", Request{Method: MethodKrippendorffAlpha, Level: "interval", Data: kripp3},
			0.810845, 5e-7, 12, 3, map[string]any{"level": "interval"}},
		{"icc default 2,1", Request{Method: MethodICC, Data: irrTranspose(shroutFleiss)},
			0.2897637795, 1e-9, 6, 4, map[string]any{"model": "2,1", "df1": 5, "df2": 15}},
		{"icc 1,1", Request{Method: MethodICC, Model: "1,1", Data: irrTranspose(shroutFleiss)},
			0.1657417684, 1e-9, 6, 4, map[string]any{"model": "1,1", "df1": 5, "df2": 18}},
		// Identical rankings by 3 raters of 4 items: W = 1, χ² = m(n−1) = 9, df 3.
		{"kendall identical", Request{Method: MethodKendallW, Data: [][]float64{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}},
			1, 1e-12, 4, 3, map[string]any{"df": 3, "raters_used": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Compute(tc.req)
			irrJSON(t, res)
			if res.Value == nil {
				t.Fatalf("Value nil, details %v", res.Details)
			}
			irrApprox(t, "value", *res.Value, tc.want, tc.tol)
			if res.Method != tc.req.Method || res.NUnits != tc.units || res.NRaters != tc.raters {
				t.Errorf("method, n_units, n_raters = %q, %d, %d; want %q, %d, %d",
					res.Method, res.NUnits, res.NRaters, tc.req.Method, tc.units, tc.raters)
			}
			if _, ok := res.Details["note"]; ok {
				t.Errorf("unexpected note %v", res.Details["note"])
			}
			for k, want := range tc.details {
				if diff := cmp.Diff(want, res.Details[k]); diff != "" {
					t.Errorf("details[%q] (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestIRRComputeDetails(t *testing.T) {
	res := Compute(Request{Method: MethodCohenKappa, Weights: "linear", Data: [][]float64{anxietyR2, anxietyR3}})
	for _, k := range []string{"observed_agreement", "expected_agreement"} {
		if _, ok := res.Details[k].(float64); !ok {
			t.Errorf("cohen details lack %s: %v", k, res.Details)
		}
	}
	res = Compute(Request{Method: MethodICC, Data: irrTranspose(shroutFleiss)})
	for k, want := range map[string]float64{"bms": 11.24, "wms": 6.26, "jms": 32.49, "ems": 1.02, "f": 11.03} {
		got, _ := res.Details[k].(float64)
		irrApprox(t, "icc "+k, got, want, 5e-3)
	}
	res = Compute(Request{Method: MethodFleissKappa, Data: irrTranspose(diagnosesByPatient)})
	z, _ := res.Details["z"].(float64)
	irrApprox(t, "fleiss z", z, 17.652, 1e-3)
	res = Compute(Request{Method: MethodKendallW, Data: [][]float64{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}})
	chi, _ := res.Details["chi_square"].(float64)
	irrApprox(t, "kendall chi_square", chi, 9, 1e-9)
	if _, ok := res.Details["p_value"].(float64); !ok {
		t.Errorf("kendall details lack p_value: %v", res.Details)
	}
}

func TestIRRComputeDegenerate(t *testing.T) {
	oneValue := [][]float64{{2, 2, 2, 2}, {2, 2, 2, 2}, {2, 2, 2, 2}}
	allMissing := [][]float64{{irrNA, irrNA, irrNA}, {irrNA, irrNA, irrNA}}
	singleUnit := [][]float64{{1}, {2}, {3}}
	for _, tc := range []struct {
		name string
		req  Request
		note string // a substring of Details["note"]
	}{
		{"alpha one value", Request{Method: MethodKrippendorffAlpha, Data: oneValue}, "expected disagreement is 0"},
		{"alpha single unit", Request{Method: MethodKrippendorffAlpha, Level: "interval", Data: singleUnit}, "only one unit"},
		{"alpha all missing", Request{Method: MethodKrippendorffAlpha, Data: allMissing}, "no unit"},
		{"cohen one value", Request{Method: MethodCohenKappa, Data: oneValue[:2]}, "chance agreement is 1"},
		{"cohen all missing", Request{Method: MethodCohenKappa, Data: allMissing}, "no unit"},
		{"fleiss one value", Request{Method: MethodFleissKappa, Data: oneValue}, "chance agreement is 1"},
		{"fleiss all missing", Request{Method: MethodFleissKappa, Data: allMissing}, "no unit"},
		{"icc one value", Request{Method: MethodICC, Data: oneValue}, "all ratings are equal"},
		{"icc single unit", Request{Method: MethodICC, Data: singleUnit}, "at least two units"},
		{"icc all missing", Request{Method: MethodICC, Model: "1,1", Data: allMissing}, "at least two units"},
		{"percent all missing", Request{Method: MethodPercentAgreement, Data: allMissing}, "no unit"},
		{"kendall all tied", Request{Method: MethodKendallW, Data: oneValue}, "tied"},
		{"kendall all missing", Request{Method: MethodKendallW, Data: allMissing}, "two items ranked by every rater"},
		{"kendall all missing pairwise", Request{Method: MethodKendallW, Missing: MissingPairwise, Data: allMissing}, "two raters"},
		{"invalid", Request{Method: "nope", Data: oneValue}, "invalid request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Compute(tc.req)
			s := irrJSON(t, res)
			if res.Value != nil {
				t.Fatalf("Value = %v, want nil", *res.Value)
			}
			note, _ := res.Details["note"].(string)
			if !strings.Contains(note, tc.note) {
				t.Errorf("note %q does not contain %q", note, tc.note)
			}
			if !strings.Contains(s, `"value":null`) {
				t.Errorf("JSON %s lacks \"value\":null", s)
			}
		})
	}
	// Percent agreement when everyone uses one value is 1.
	res := Compute(Request{Method: MethodPercentAgreement, Data: oneValue})
	if res.Value == nil || *res.Value != 1 {
		t.Errorf("percent agreement on one value = %v, %v; want 1", res.Value, res.Details)
	}
	// An invalid request carries the field errors.
	res = Compute(Request{Method: MethodCohenKappa, Data: oneValue})
	if errs, _ := res.Details["errors"].([]FieldError); len(errs) != 1 || errs[0].Field != "data" {
		t.Errorf("errors = %v", res.Details["errors"])
	}
}

func TestIRRComputeNeverPanics(t *testing.T) {
	for _, req := range []Request{
		{},
		{Method: MethodICC, Data: [][]float64{nil, nil}},
		{Method: MethodCohenKappa, Data: [][]float64{{1}, nil}},
		{Method: MethodKendallW, Data: [][]float64{{1}, {1}}},
		{Method: MethodKrippendorffAlpha, Level: "ordinal", Data: [][]float64{{1e308, -1e308}, {-1e308, 1e308}}},
		{Method: MethodICC, Data: [][]float64{{1e308, -1e308}, {-1e308, 1e308}}},
		{Method: MethodKrippendorffAlpha, Level: "interval", Data: [][]float64{{1e308, -1e308}, {-1e308, 1e308}}},
	} {
		res := Compute(req)
		irrJSON(t, res)
		if note, _ := res.Details["note"].(string); res.Value == nil && note == "" {
			t.Errorf("%+v: no value and no note", req)
		}
	}
	for _, m := range []string{MethodICC, MethodKrippendorffAlpha} {
		res := Compute(Request{Method: m, Level: "interval", Data: [][]float64{{1e308, -1e308}, {-1e308, 1e308}}})
		if note, _ := res.Details["note"].(string); res.Value != nil || !strings.Contains(note, "too large") {
			t.Errorf("%s on huge values: %v, %v", m, res.Value, res.Details)
		}
	}
}

func TestIRRMatrixFromNullable(t *testing.T) {
	one, two := 1.0, 2.0
	m := MatrixFromNullable([][]*float64{{&one, nil}, {nil, &two}})
	if m[0][0] != 1 || !IsMissing(m[0][1]) || !IsMissing(m[1][0]) || m[1][1] != 2 {
		t.Errorf("MatrixFromNullable = %v", m)
	}
}

// TestIRRMissingConventions: domain.md's examples, rows = raters. R irr
// 0.84 (irr::agree and irr::kendall on the transposed matrix, which call
// na.omit first):
//
//	agree(t(rbind(c(1,2,NA), c(1,2,3), c(1,3,3))))$value          # 50 (%)
//	kendall(t(rbind(c(1,2,3,NA), c(2,1,3,4), c(1,2,4,3))))$value  # 0.7777778
//
// "pairwise" keeps the third unit (two ratings, agreeing: 2/3) and ranks
// all four items by the two complete raters: rank sums 3, 3, 7, 7, W =
// 12·16/(2²·4·15) = 0.8 (hand computation).
func TestIRRMissingConventions(t *testing.T) {
	pa := [][]float64{{1, 2, irrNA}, {1, 2, 3}, {1, 3, 3}}
	kw := [][]float64{{1, 2, 3, irrNA}, {2, 1, 3, 4}, {1, 2, 4, 3}}
	for _, tc := range []struct {
		req          Request
		want         float64
		units        int
		echo         string
		ratersUsed   int
		checkRaters  bool
		wantRejected bool
	}{
		{req: Request{Method: MethodPercentAgreement, Data: pa}, want: 0.5, units: 2, echo: "irr"},
		{req: Request{Method: MethodPercentAgreement, Missing: "irr", Data: pa}, want: 0.5, units: 2, echo: "irr"},
		{req: Request{Method: MethodPercentAgreement, Missing: "pairwise", Data: pa}, want: 2.0 / 3, units: 3, echo: "pairwise"},
		{req: Request{Method: MethodKendallW, Data: kw}, want: 7.0 / 9, units: 3, echo: "irr", ratersUsed: 3, checkRaters: true},
		{req: Request{Method: MethodKendallW, Missing: "pairwise", Data: kw}, want: 0.8, units: 4, echo: "pairwise", ratersUsed: 2, checkRaters: true},
	} {
		res := Compute(tc.req)
		if res.Value == nil {
			t.Fatalf("%+v: no value, %v", tc.req, res.Details)
		}
		irrApprox(t, tc.req.Method+"/"+tc.echo, *res.Value, tc.want, 1e-12)
		if res.NUnits != tc.units || res.Details["missing"] != tc.echo {
			t.Errorf("%s/%s: n_units %d missing %v; want %d %s", tc.req.Method, tc.echo, res.NUnits, res.Details["missing"], tc.units, tc.echo)
		}
		if tc.checkRaters && res.Details["raters_used"] != tc.ratersUsed {
			t.Errorf("%s/%s: raters_used %v, want %d", tc.req.Method, tc.echo, res.Details["raters_used"], tc.ratersUsed)
		}
	}
	errs := Request{Method: MethodPercentAgreement, Missing: "listwise", Data: pa}.Validate()
	if len(errs) != 1 || errs[0].Field != "missing" {
		t.Errorf("unknown convention: %v", errs)
	}
	// Under irr, no unit rated by every rater is undefined, with a note.
	res := Compute(Request{Method: MethodPercentAgreement, Data: [][]float64{{1, irrNA}, {irrNA, 2}}})
	if res.Value != nil || res.Details["note"] == nil {
		t.Errorf("no complete unit: %+v", res)
	}
}
