package versions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/core"
)

// The syntax of keys and codes, and the limits on the size of one version,
// are rules of the model's structure: conformance states them once.
var (
	keyRe  = conformance.KeyPattern
	codeRe = conformance.CodePattern
)

// Limits on the size of one version (conformance.Validate applies them).
const (
	MaxStages      = conformance.MaxStages
	MaxTransitions = conformance.MaxTransitions
	MaxClusters    = conformance.MaxClusters
	MaxCodes       = conformance.MaxCodes
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
// violation by its field path. The rules of the model's structure (keys,
// roles, clusters, codes, transitions, limits) are conformance.Validate's;
// here are only the fields the analysis model does not carry: names,
// descriptions, notes and actors. Structural errors come first, in model
// order, then these.
func ValidateContent(c models.Content) []models.FieldError {
	var errs []models.FieldError
	for _, e := range conformance.Validate(ContentModel(c)) {
		errs = append(errs, models.FieldError{Field: e.Field, Message: e.Message})
	}
	for i, k := range c.Clusters {
		core.CheckText(&errs, fmt.Sprintf("clusters[%d].name", i), k.Name, true, 200)
	}
	for i, st := range c.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		core.CheckText(&errs, p+".name", st.Name, true, 200)
		core.CheckText(&errs, p+".description", st.Description, false, 5000)
		switch st.Actor {
		case models.ActorPatient, models.ActorTherapist, models.ActorDyad:
		default:
			errs = append(errs, models.FieldError{Field: p + ".actor", Message: "must be one of patient, therapist, dyad"})
		}
	}
	for i, t := range c.Transitions {
		core.CheckText(&errs, fmt.Sprintf("transitions[%d].note", i), t.Note, false, 2000)
	}
	return errs
}

// ContentModel is a version's content as the analysis engine reads it:
// the one conversion that validation and comparisons share.
func ContentModel(c models.Content) conformance.Model {
	m := conformance.Model{
		Stages:      make([]conformance.Stage, len(c.Stages)),
		Transitions: make([]conformance.Transition, len(c.Transitions)),
		Clusters:    make([]string, len(c.Clusters)),
	}
	for i, s := range c.Stages {
		m.Stages[i] = conformance.Stage{Key: s.Key, Role: s.Role, Optional: s.Optional, Cluster: s.Cluster, Codes: s.Codes}
	}
	for i, t := range c.Transitions {
		m.Transitions[i] = conformance.Transition{From: t.From, To: t.To, Kind: t.Kind}
	}
	for i, k := range c.Clusters {
		m.Clusters[i] = k.Key
	}
	return m
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
