package versions

import (
	"context"
	"slices"

	"github.com/stagewise/stagewise/models"
)

// FieldChange is one field's old and new value.
type FieldChange struct {
	From any
	To   any
}

// StageChange lists what changed in a stage present in both versions.
type StageChange struct {
	Key    string
	Fields map[string]FieldChange
}

// ClusterChange lists what changed in a cluster present in both versions.
type ClusterChange struct {
	Key    string
	Fields map[string]FieldChange
}

// Diff is what changed from one version to another. Added and removed
// entries hold whole objects. Transitions are identified by (from, to,
// kind), so a changed kind shows as one removed and one added transition.
type Diff struct {
	From, To        int
	StagesAdded     []models.Stage
	StagesRemoved   []models.Stage
	StagesChanged   []StageChange
	TransAdded      []models.Transition
	TransRemoved    []models.Transition
	ClustersAdded   []models.Cluster
	ClustersRemoved []models.Cluster
	ClustersChanged []ClusterChange
}

// DiffVersions compares version from with version to of a model; both
// must be visible to actor.
func (s *Service) DiffVersions(ctx context.Context, actor models.User, slug string, from, to int) (Diff, error) {
	a, err := s.Version(ctx, actor, slug, from)
	if err != nil {
		return Diff{}, err
	}
	b, err := s.Version(ctx, actor, slug, to)
	if err != nil {
		return Diff{}, err
	}
	d := DiffContent(a.Content, b.Content)
	d.From, d.To = from, to
	return d, nil
}

// DiffContent compares two contents; lists follow the order of the newer
// content for added and changed items and of the older one for removed.
func DiffContent(a, b models.Content) Diff {
	d := Diff{StagesAdded: []models.Stage{}, StagesRemoved: []models.Stage{}, StagesChanged: []StageChange{},
		TransAdded: []models.Transition{}, TransRemoved: []models.Transition{},
		ClustersAdded: []models.Cluster{}, ClustersRemoved: []models.Cluster{}, ClustersChanged: []ClusterChange{}}
	d.diffStages(a.Stages, b.Stages)
	d.diffTransitions(a.Transitions, b.Transitions)
	d.diffClusters(a.Clusters, b.Clusters)
	return d
}

// diffStages matches stages by key.
func (d *Diff) diffStages(a, b []models.Stage) {
	old := map[string]models.Stage{}
	for _, s := range a {
		old[s.Key] = s
	}
	now := map[string]bool{}
	for _, s := range b {
		now[s.Key] = true
		o, ok := old[s.Key]
		if !ok {
			d.StagesAdded = append(d.StagesAdded, s)
			continue
		}
		if f := stageFields(o, s); len(f) > 0 {
			d.StagesChanged = append(d.StagesChanged, StageChange{Key: s.Key, Fields: f})
		}
	}
	for _, s := range a {
		if !now[s.Key] {
			d.StagesRemoved = append(d.StagesRemoved, s)
		}
	}
}

// stageFields lists the fields of a stage that changed (codes as sets).
func stageFields(o, s models.Stage) map[string]FieldChange {
	f := map[string]FieldChange{}
	cmp := func(name string, x, y any, eq bool) {
		if !eq {
			f[name] = FieldChange{From: x, To: y}
		}
	}
	cmp("name", o.Name, s.Name, o.Name == s.Name)
	cmp("description", o.Description, s.Description, o.Description == s.Description)
	cmp("actor", o.Actor, s.Actor, o.Actor == s.Actor)
	cmp("role", o.Role, s.Role, o.Role == s.Role)
	cmp("optional", o.Optional, s.Optional, o.Optional == s.Optional)
	cmp("cluster", o.Cluster, s.Cluster, o.Cluster == s.Cluster)
	oc, nc := sortedCopy(o.Codes), sortedCopy(s.Codes)
	cmp("codes", oc, nc, slices.Equal(oc, nc))
	return f
}

// diffTransitions matches transitions by (from, to, kind): a changed kind
// is one removed and one added.
func (d *Diff) diffTransitions(a, b []models.Transition) {
	type tk struct{ from, to, kind string }
	key := func(t models.Transition) tk {
		k := t.Kind
		if k == "" {
			k = models.TransitionHypothesized
		}
		return tk{t.From, t.To, k}
	}
	ot, nt := map[tk]bool{}, map[tk]bool{}
	for _, t := range a {
		ot[key(t)] = true
	}
	for _, t := range b {
		nt[key(t)] = true
		if !ot[key(t)] {
			d.TransAdded = append(d.TransAdded, t)
		}
	}
	for _, t := range a {
		if !nt[key(t)] {
			d.TransRemoved = append(d.TransRemoved, t)
		}
	}
}

// diffClusters matches clusters by key.
func (d *Diff) diffClusters(a, b []models.Cluster) {
	oc := map[string]models.Cluster{}
	for _, c := range a {
		oc[c.Key] = c
	}
	nc := map[string]bool{}
	for _, c := range b {
		nc[c.Key] = true
		o, ok := oc[c.Key]
		switch {
		case !ok:
			d.ClustersAdded = append(d.ClustersAdded, c)
		case o.Name != c.Name:
			d.ClustersChanged = append(d.ClustersChanged, ClusterChange{Key: c.Key, Fields: map[string]FieldChange{"name": {From: o.Name, To: c.Name}}})
		}
	}
	for _, c := range a {
		if !nc[c.Key] {
			d.ClustersRemoved = append(d.ClustersRemoved, c)
		}
	}
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}
