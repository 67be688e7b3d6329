package versions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

var keyRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
var codeRe = regexp.MustCompile(`^[\x21-\x7e]{1,32}$`)

// Limits on the size of one version, so a model stays something a panel
// can review and a diagram can show.
const (
	MaxStages      = 200
	MaxTransitions = 2000
	MaxClusters    = 50
	MaxCodes       = 100
)

// NormalizeContent fills defaults (transition kind hypothesized) and sorts
// codes; it does not validate.
func NormalizeContent(c models.Content) models.Content {
	out := models.Content{
		Stages:      make([]models.Stage, len(c.Stages)),
		Transitions: make([]models.Transition, len(c.Transitions)),
		Clusters:    slices.Clone(c.Clusters),
	}
	for i, st := range c.Stages {
		st.Codes = slices.Clone(st.Codes)
		slices.Sort(st.Codes)
		if st.Codes == nil {
			st.Codes = []string{}
		}
		out.Stages[i] = st
	}
	for i, t := range c.Transitions {
		if t.Kind == "" {
			t.Kind = models.TransitionHypothesized
		}
		out.Transitions[i] = t
	}
	if out.Clusters == nil {
		out.Clusters = []models.Cluster{}
	}
	return out
}

// ValidateContent checks the rules of a model version and names every
// violation by its field path.
func ValidateContent(c models.Content) []models.FieldError {
	var errs []models.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, models.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(c.Stages) == 0 {
		add("stages", "at least one stage is required")
	}
	if len(c.Stages) > MaxStages {
		add("stages", "at most %d stages", MaxStages)
	}
	if len(c.Transitions) > MaxTransitions {
		add("transitions", "at most %d transitions", MaxTransitions)
	}
	if len(c.Clusters) > MaxClusters {
		add("clusters", "at most %d clusters", MaxClusters)
	}
	clusters := map[string]int{}
	for i, k := range c.Clusters {
		p := fmt.Sprintf("clusters[%d]", i)
		switch {
		case !keyRe.MatchString(k.Key):
			add(p+".key", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
		case clusters[k.Key] > 0:
			add(p+".key", "duplicates clusters[%d].key %q", clusters[k.Key]-1, k.Key)
		default:
			clusters[k.Key] = i + 1
		}
		core.CheckText(&errs, p+".name", k.Name, true, 200)
	}
	stages := map[string]int{}
	codes := map[string]string{}
	markers, resolutions := 0, 0
	members := map[string]int{}
	for i, st := range c.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		switch {
		case !keyRe.MatchString(st.Key):
			add(p+".key", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
		case stages[st.Key] > 0:
			add(p+".key", "duplicates stages[%d].key %q", stages[st.Key]-1, st.Key)
		default:
			stages[st.Key] = i + 1
		}
		core.CheckText(&errs, p+".name", st.Name, true, 200)
		core.CheckText(&errs, p+".description", st.Description, false, 5000)
		switch st.Actor {
		case models.ActorPatient, models.ActorTherapist, models.ActorDyad:
		default:
			add(p+".actor", "must be one of patient, therapist, dyad")
		}
		switch st.Role {
		case models.RoleMarker:
			markers++
		case models.RoleResolution:
			resolutions++
		case models.RoleProcess:
		default:
			add(p+".role", "must be one of marker, process, resolution")
		}
		if st.Cluster != "" {
			if clusters[st.Cluster] == 0 {
				add(p+".cluster", "names no cluster of this version: %q", st.Cluster)
			} else {
				members[st.Cluster]++
			}
		}
		if len(st.Codes) == 0 {
			add(p+".codes", "at least one indicator code is required")
		}
		if len(st.Codes) > MaxCodes {
			add(p+".codes", "at most %d codes", MaxCodes)
		}
		seen := map[string]bool{}
		for j, code := range st.Codes {
			cp := fmt.Sprintf("%s.codes[%d]", p, j)
			switch {
			case !codeRe.MatchString(code):
				add(cp, "must be 1-32 printable characters without spaces")
			case seen[code]:
				add(cp, "repeats code %q", code)
			case codes[code] != "" && codes[code] != st.Key:
				add(cp, "code %q already indicates stage %q; a code indicates one stage", code, codes[code])
			default:
				seen[code] = true
				codes[code] = st.Key
			}
		}
	}
	if len(c.Stages) > 0 && markers == 0 {
		add("stages", "at least one stage with role marker is required")
	}
	if len(c.Stages) > 0 && resolutions == 0 {
		add("stages", "at least one stage with role resolution is required")
	}
	for i, k := range c.Clusters {
		if clusters[k.Key] == i+1 && members[k.Key] == 0 {
			add(fmt.Sprintf("clusters[%d].key", i), "cluster %q has no member stages", k.Key)
		}
	}
	pairs := map[[2]string]int{}
	for i, t := range c.Transitions {
		p := fmt.Sprintf("transitions[%d]", i)
		if stages[t.From] == 0 {
			add(p+".from", "names no stage of this version: %q", t.From)
		}
		if stages[t.To] == 0 {
			add(p+".to", "names no stage of this version: %q", t.To)
		}
		kind := t.Kind
		if kind == "" {
			kind = models.TransitionHypothesized
		}
		switch kind {
		case models.TransitionHypothesized, models.TransitionAlternative, models.TransitionLoop:
		default:
			add(p+".kind", "must be one of hypothesized, alternative, loop")
		}
		if t.From == t.To && kind != models.TransitionLoop {
			add(p+".to", "a transition from a stage to itself must have kind loop")
		}
		if j, ok := pairs[[2]string{t.From, t.To}]; ok {
			add(p, "duplicates transitions[%d] (%s → %s)", j, t.From, t.To)
		} else {
			pairs[[2]string{t.From, t.To}] = i
		}
		core.CheckText(&errs, p+".note", t.Note, false, 2000)
	}
	return errs
}

// The canonical form that the content hash covers. Stage order is kept: it
// is the model's order (order conformity reads it). Transitions and
// clusters are sorted, codes within a stage are sorted.
type canonicalContent struct {
	Stages      []canonicalStage      `json:"stages"`
	Transitions []canonicalTransition `json:"transitions"`
	Clusters    []canonicalCluster    `json:"clusters"`
}

type canonicalStage struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Actor       string   `json:"actor"`
	Role        string   `json:"role"`
	Optional    bool     `json:"optional"`
	Cluster     string   `json:"cluster"`
	Codes       []string `json:"codes"`
}

type canonicalTransition struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	Note string `json:"note"`
}

type canonicalCluster struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// ContentHash is "sha256:" and the hex SHA-256 of the canonical JSON of c
// (normalized first).
func ContentHash(c models.Content) string {
	c = NormalizeContent(c)
	cc := canonicalContent{Stages: []canonicalStage{}, Transitions: []canonicalTransition{}, Clusters: []canonicalCluster{}}
	for _, s := range c.Stages {
		cc.Stages = append(cc.Stages, canonicalStage(s))
	}
	for _, t := range c.Transitions {
		cc.Transitions = append(cc.Transitions, canonicalTransition(t))
	}
	slices.SortFunc(cc.Transitions, func(a, b canonicalTransition) int {
		if x := strings.Compare(a.From, b.From); x != 0 {
			return x
		}
		return strings.Compare(a.To, b.To)
	})
	for _, k := range c.Clusters {
		cc.Clusters = append(cc.Clusters, canonicalCluster(k))
	}
	slices.SortFunc(cc.Clusters, func(a, b canonicalCluster) int { return strings.Compare(a.Key, b.Key) })
	b, err := json.Marshal(cc)
	if err != nil {
		panic(err) // plain strings and bools always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
