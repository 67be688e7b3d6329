package rounds

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/versions"
)

// FuzzValidateReview feeds arbitrary reviews (ratings, keys and proposal
// payloads of any shape) to the review validator on the demo model: it
// must never panic, must either accept or name every problem with a field
// path, and an accepted review must only rate items of the round on its
// scale. Seeds live in testdata/fuzz/FuzzValidateReview.
func FuzzValidateReview(f *testing.F) {
	f.Add([]byte(`{"stages":[{"key":"validate","relevance":7,"clarity":9}],"transitions":[{"from":"marker","to":"explore","agreement":8}]}`))
	f.Add([]byte(`{"proposals":[{"kind":"add_stage","target":"","payload":{"key":"new","name":"N","actor":"dyad","role":"process","codes":["RS05"]}}]}`))
	f.Add([]byte(`{"proposals":[{"kind":"add_transition","payload":{"from":"marker","to":"nowhere","kind":"loop"}},{"kind":"merge_stages","payload":{"keys":["validate",3],"into":{}}}]}`))
	f.Add([]byte(`{"stages":[{"key":"validate","relevance":0},{"key":"validate","relevance":10}],"proposals":[{"kind":"rename_stage","target":"ghost","payload":{"name":""}}]}`))
	_, in := versions.DemoModel()
	content := versions.NormalizeContent(in.Content)
	round := models.Round{ID: 1, Status: models.RoundOpen, Scale: models.RatingScale{Min: 1, Max: 9}, Items: versionItems(content)}
	f.Fuzz(func(t *testing.T, body []byte) {
		var raw struct {
			Stages []struct {
				Key                string
				Relevance, Clarity *int
				Comment            string
			}
			Transitions []struct {
				From, To  string
				Agreement *int
				Comment   string
			}
			Proposals []struct {
				Kind, Target, Rationale string
				Payload                 map[string]any
			}
		}
		if json.Unmarshal(body, &raw) != nil {
			return
		}
		var rv models.Review
		for _, s := range raw.Stages {
			rv.Stages = append(rv.Stages, models.StageReview{Key: s.Key, Relevance: s.Relevance, Clarity: s.Clarity, Comment: s.Comment})
		}
		for _, x := range raw.Transitions {
			rv.Transitions = append(rv.Transitions, models.TransitionReview{From: x.From, To: x.To, Agreement: x.Agreement, Comment: x.Comment})
		}
		for _, p := range raw.Proposals {
			rv.Proposals = append(rv.Proposals, models.Proposal{Kind: p.Kind, Target: p.Target, Payload: p.Payload, Rationale: p.Rationale})
		}
		out, err := validateReview(round, content, rv)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("not a validation error: %T %v", err, err)
			}
			for _, fe := range ve.Fields {
				if fe.Field == "" || fe.Message == "" {
					t.Fatalf("field error without path or message: %+v", fe)
				}
			}
			return
		}
		for _, s := range out.Stages {
			for _, v := range []*int{s.Relevance, s.Clarity} {
				if v != nil && (*v < 1 || *v > 9) {
					t.Fatalf("accepted a rating off the scale: %+v", s)
				}
			}
		}
	})
}
