package conformance

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendJSONMatchesEncodingJSON: the hand-written encoder must write
// exactly the bytes encoding/json writes (HTML escaping off), or reports
// stored before and after would differ.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	sessions := benchSessions(3000)
	// Labels that need escaping, and a session that maps to nothing.
	sessions = append(sessions,
		Session{Case: "quote\"and\\back", Session: 1, Codes: sessions[0].Codes},
		Session{Case: "ünïcode <&>", Session: 2, Codes: sessions[1].Codes},
		Session{Case: "tab\there", Session: 3, Codes: []string{"nothing"}})
	for _, p := range []Params{{}, {Unit: UnitCase, AllowRepeats: true, Lag: 2}} {
		a, err := NewAnalyzer(benchModel(), p.WithDefaults())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sessions {
			a.Add(s)
		}
		r := a.Report()
		r.SetLeftOut([]SessionRef{{Case: "gone", Session: 4}})
		if p.AllowRepeats {
			// With a baseline (the report against itself: zero deltas).
			base := a.Report()
			r.Baseline = NewBaseline(1, &r, &base)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			i := 0
			for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
				i++
			}
			t.Fatalf("AppendJSON differs from encoding/json at byte %d:\n got  …%.120s\n want …%.120s", i, got[max(0, i-40):], want.Bytes()[max(0, i-40):])
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	a, _ := NewAnalyzer(benchModel(), Params{}.WithDefaults())
	for _, s := range benchSessions(100000) {
		a.Add(s)
	}
	r := a.Report()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := r.AppendJSON(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(out)))
	}
}
