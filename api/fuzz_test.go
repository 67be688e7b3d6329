package api

import (
	"errors"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/versions"
)

// FuzzVersionRequest feeds arbitrary bodies to the strict binder and the
// content validator: they must never panic, must classify every failure as
// malformed (400) or invalid (422), and valid content must hash the same
// way twice. Seeds live in testdata/fuzz/FuzzVersionRequest.
func FuzzVersionRequest(f *testing.F) {
	f.Add([]byte(`{"stages":[{"key":"S1","name":"M","actor":"patient","role":"marker","codes":["W1"]},{"key":"S2","name":"R","actor":"dyad","role":"resolution","codes":["RS02"]}],"transitions":[{"from":"S1","to":"S2"}]}`))
	f.Add([]byte(`{"stages":[{"key":"a","cluster":"k"}],"clusters":[{"key":"k"}],"transitions":[{"from":"a","to":"a","kind":"loop"}]}`))
	f.Add([]byte(`{"parent":1e999,"notes":"\u0000"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req versionRequest
		err := decodeStrict(body, &req)
		if err != nil {
			var ve *models.ValidationError
			if !errors.Is(err, models.ErrMalformed) && !errors.As(err, &ve) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			return
		}
		in := req.toInput()
		errs := versions.ValidateContent(in.Content)
		for _, e := range errs {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("field error without a path or message: %+v", e)
			}
		}
		if len(errs) == 0 {
			if versions.ContentHash(in.Content) != versions.ContentHash(versions.NormalizeContent(in.Content)) {
				t.Fatalf("content hash is not stable under normalization")
			}
		}
	})
}
