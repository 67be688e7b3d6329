package conformance

import (
	"cmp"
	"fmt"
	"regexp"
)

// The rules of a model's structure are written here once. Validate applies
// all of them: the rules of a model version as a panel stores it (the
// workflow adds the fields a Model does not carry, such as names and
// descriptions). Compile applies the subset the engine needs to be safe on
// any input: keys present and unique, roles, kinds and clusters known,
// transitions between known stages, a code indicating one stage, at least
// one resolution stage.

// Limits on the size of a model version, so a model stays something a panel
// can review and a diagram can show.
const (
	MaxStages      = 200
	MaxTransitions = 2000
	MaxClusters    = 50
	MaxCodes       = 100 // per stage
)

// KeyPattern is the syntax of a stage or cluster key of a model version;
// CodePattern the syntax of an indicator code.
var (
	KeyPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	CodePattern = regexp.MustCompile(`^[\x21-\x7e]{1,32}$`)
)

// KeySyntax is the message for a key that does not match KeyPattern.
const KeySyntax = "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"

// Validate checks m against every rule of a model version and names each
// violation by its path in the model ("stages[2].key", "transitions[0].to").
// Beyond what Compile needs, a version has keys that match KeyPattern,
// codes that match CodePattern, a role on every stage, at least one marker
// stage, only declared clusters, each with a member, 1 to MaxCodes distinct
// codes per stage, self-transitions only of kind loop, no transition twice,
// and stays within the size limits. A model that passes Validate may still
// fail Compile (no start stage, or no resolution stage reachable).
func Validate(m Model) FieldErrors {
	return newChecker(m, true, "").run()
}

// checker applies the rules in one pass, element by element, in model order.
type checker struct {
	m       Model
	version bool   // every rule of a model version; false: the engine's subset
	prefix  string // prefix of every field path ("model." for Compile)
	errs    FieldErrors

	stages               map[string]int    // stage key → index+1 of the stage holding it
	clusters             map[string]int    // cluster key → index+1 in Model.Clusters
	members              map[string]int    // cluster key → member stages
	codes                map[string]string // code → key of the stage it indicates
	pairs                map[[2]string]int // (from, to) → index of its first transition
	markers, resolutions int
}

func newChecker(m Model, version bool, prefix string) *checker {
	return &checker{
		m: m, version: version, prefix: prefix,
		stages:   make(map[string]int, len(m.Stages)),
		clusters: map[string]int{},
		members:  map[string]int{},
		codes:    map[string]string{},
		pairs:    map[[2]string]int{},
	}
}

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: c.prefix + field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) run() FieldErrors {
	if len(c.m.Stages) == 0 {
		c.add("stages", "at least one stage is required")
		if !c.version {
			return c.errs // nothing else can be checked against no stages
		}
	}
	if c.version {
		c.sizes()
	}
	c.clusterKeys()
	for i := range c.m.Stages {
		c.stage(i)
	}
	c.roles()
	if c.version {
		c.clusterMembers()
	}
	for i := range c.m.Transitions {
		c.transition(i)
	}
	return c.errs
}

func (c *checker) sizes() {
	if len(c.m.Stages) > MaxStages {
		c.add("stages", "at most %d stages", MaxStages)
	}
	if len(c.m.Transitions) > MaxTransitions {
		c.add("transitions", "at most %d transitions", MaxTransitions)
	}
	if len(c.m.Clusters) > MaxClusters {
		c.add("clusters", "at most %d clusters", MaxClusters)
	}
}

// clusterKeys records the declared clusters. A version's cluster keys follow
// KeyPattern and are unique; the engine takes the listed keys as they are.
func (c *checker) clusterKeys() {
	for i, k := range c.m.Clusters {
		switch {
		case c.version && !KeyPattern.MatchString(k):
			c.add(fmt.Sprintf("clusters[%d].key", i), KeySyntax)
		case c.clusters[k] > 0:
			if c.version {
				c.add(fmt.Sprintf("clusters[%d].key", i), "duplicates clusters[%d].key %q", c.clusters[k]-1, k)
			}
		default:
			c.clusters[k] = i + 1
		}
	}
}

func (c *checker) stage(i int) {
	s := c.m.Stages[i]
	c.stageKey(i, s.Key)
	c.stageRole(i, s.Role)
	c.stageCluster(i, s.Cluster)
	c.stageCodes(i, s)
}

func (c *checker) stageKey(i int, key string) {
	switch {
	case c.version && !KeyPattern.MatchString(key):
		c.add(fmt.Sprintf("stages[%d].key", i), KeySyntax)
	case key == "":
		c.add(fmt.Sprintf("stages[%d].key", i), "must not be empty")
	case c.stages[key] > 0:
		c.add(fmt.Sprintf("stages[%d].key", i), "duplicates stages[%d].key %q", c.stages[key]-1, key)
	default:
		c.stages[key] = i + 1
	}
}

// stageRole: a version names the role of every stage; the engine reads ""
// as process.
func (c *checker) stageRole(i int, role string) {
	switch role {
	case RoleMarker:
		c.markers++
	case RoleResolution:
		c.resolutions++
	case RoleProcess:
	case "":
		if !c.version {
			return
		}
		fallthrough
	default:
		c.add(fmt.Sprintf("stages[%d].role", i), "must be one of marker, process, resolution")
	}
}

// stageCluster: a version declares every cluster; a model for the engine
// that lists no clusters takes them from its stages.
func (c *checker) stageCluster(i int, cluster string) {
	if cluster == "" {
		return
	}
	if c.clusters[cluster] == 0 {
		if c.version || len(c.m.Clusters) > 0 {
			c.add(fmt.Sprintf("stages[%d].cluster", i), "names no cluster of this version: %q", cluster)
		}
		return
	}
	c.members[cluster]++
}

// stageCodes: a code indicates one stage. A version's stage also has 1 to
// MaxCodes distinct codes that follow CodePattern.
func (c *checker) stageCodes(i int, s Stage) {
	var seen map[string]bool
	if c.version {
		if len(s.Codes) == 0 {
			c.add(fmt.Sprintf("stages[%d].codes", i), "at least one indicator code is required")
		}
		if len(s.Codes) > MaxCodes {
			c.add(fmt.Sprintf("stages[%d].codes", i), "at most %d codes", MaxCodes)
		}
		seen = make(map[string]bool, len(s.Codes))
	}
	for j, code := range s.Codes {
		switch owner := c.codes[code]; {
		case c.version && !CodePattern.MatchString(code):
			c.add(fmt.Sprintf("stages[%d].codes[%d]", i, j), "must be 1-32 printable characters without spaces")
		case seen[code]:
			c.add(fmt.Sprintf("stages[%d].codes[%d]", i, j), "repeats code %q", code)
		case owner != "" && owner != s.Key:
			c.add(fmt.Sprintf("stages[%d].codes[%d]", i, j), "code %q already indicates stage %q; a code indicates one stage", code, owner)
		default:
			if seen != nil {
				seen[code] = true
			}
			c.codes[code] = s.Key
		}
	}
}

// roles: a model has a resolution stage (the end of the process); a
// version also has a marker stage (its start).
func (c *checker) roles() {
	if len(c.m.Stages) == 0 {
		return
	}
	if c.version && c.markers == 0 {
		c.add("stages", "at least one stage with role marker is required")
	}
	if c.resolutions == 0 {
		c.add("stages", "at least one stage with role resolution is required")
	}
}

func (c *checker) clusterMembers() {
	for i, k := range c.m.Clusters {
		if c.clusters[k] == i+1 && c.members[k] == 0 {
			c.add(fmt.Sprintf("clusters[%d].key", i), "cluster %q has no member stages", k)
		}
	}
}

// transition: both ends are stages of the model and the kind is known. A
// version's self-transition has kind loop, and no pair is declared twice.
func (c *checker) transition(i int) {
	t := c.m.Transitions[i]
	p := fmt.Sprintf("transitions[%d]", i)
	if c.stages[t.From] == 0 {
		c.add(p+".from", "names no stage of this version: %q", t.From)
	}
	if c.stages[t.To] == 0 {
		c.add(p+".to", "names no stage of this version: %q", t.To)
	}
	kind := cmp.Or(t.Kind, KindHypothesized)
	switch kind {
	case KindHypothesized, KindAlternative, KindLoop:
	default:
		c.add(p+".kind", "must be one of hypothesized, alternative, loop")
	}
	if !c.version {
		return
	}
	if t.From == t.To && kind != KindLoop {
		c.add(p+".to", "a transition from a stage to itself must have kind loop")
	}
	pair := [2]string{t.From, t.To}
	if j, ok := c.pairs[pair]; ok {
		c.add(p, "duplicates transitions[%d] (%s → %s)", j, t.From, t.To)
	} else {
		c.pairs[pair] = i
	}
}
