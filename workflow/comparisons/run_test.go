package comparisons

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/versions"
)

func runPlan(t *testing.T, ratings map[models.SessionKey]int) comparisonPlan {
	t.Helper()
	_, in := versions.DemoModel()
	p := conformance.Params{}.WithDefaults()
	v := models.Version{Number: 1, Content: versions.NormalizeContent(in.Content), ContentHash: "h1"}
	return comparisonPlan{in: ComparisonInput{Model: "m", Version: 1, Dataset: 4, Sessions: "all", Coder: "consensus"}, params: p,
		model: models.TaskModel{ID: 2, Slug: "m"}, version: v, dataset: models.Dataset{ID: 4}, ratings: ratings}
}

func runInputs(t *testing.T, pl comparisonPlan, sessions []models.SessionCodes, missing []models.SessionKey) (ComparisonInputs, models.Comparison) {
	t.Helper()
	run, err := newComparisonRun(pl)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range sessions {
		run.add(sc)
	}
	c, err := run.record(missing)
	if err != nil {
		t.Fatal(err)
	}
	var in ComparisonInputs
	if err := json.Unmarshal(c.Inputs, &in); err != nil {
		t.Fatal(err)
	}
	return in, c
}

// TestComparisonRunDataHash: the data hash counts the sessions and does
// not depend on their order; a reported rating is data used and changes
// it. The record names the model, version, dataset and engine, and lists
// the sessions left out.
func TestComparisonRunDataHash(t *testing.T) {
	sessions := []models.SessionCodes{
		{Case: "c1", Session: 1, Codes: []string{"W1", "RS04", "RS02", "RS10"}},
		{Case: "c1", Session: 2, Codes: []string{"C1", "RS09", "RS01", "RS02", "RS10"}},
		{Case: "c2", Session: 1, Codes: []string{"W2", "RS04", "RS10"}},
	}
	reversed := []models.SessionCodes{sessions[2], sessions[1], sessions[0]}
	a, c := runInputs(t, runPlan(t, nil), sessions, []models.SessionKey{{Case: "c3", Session: 1}})
	b, _ := runInputs(t, runPlan(t, nil), reversed, nil)
	if a.DataHash != b.DataHash || a.DataHash[:len("xor-sha256:3:")] != "xor-sha256:3:" {
		t.Errorf("data hash depends on order: %s vs %s", a.DataHash, b.DataHash)
	}
	rated, _ := runInputs(t, runPlan(t, map[models.SessionKey]int{{Case: "c1", Session: 1}: 4}), sessions, nil)
	if rated.DataHash == a.DataHash {
		t.Error("a reported rating does not enter the data hash")
	}
	if a.Model != "m" || a.Version != 1 || a.ContentHash != "h1" || a.Dataset != 4 || a.EngineVersion != ComparisonEngine || a.CompareTo != nil {
		t.Errorf("inputs: %+v", a)
	}
	if c.ModelID != 2 || c.VersionNumber != 1 || c.DatasetID != 4 || c.Coder != "consensus" || len(c.InputsHash) != len("sha256:")+64 {
		t.Errorf("comparison: %+v", c)
	}
	rep, err := ComparisonReport(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.LeftOut) != 1 || rep.LeftOut[0].Case != "c3" {
		t.Errorf("left out: %+v", rep.LeftOut)
	}
}

// TestComparisonRunBadModel: a version the analysis cannot compile is a
// field error on "version".
func TestComparisonRunBadModel(t *testing.T) {
	pl := runPlan(t, nil)
	pl.version.Content = models.Content{}
	_, err := newComparisonRun(pl)
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != "version" {
		t.Fatalf("got %v", err)
	}
}
