package conformance

import (
	"math"
	"slices"
	"strings"
)

// Stage roles.
const (
	RoleMarker     = "marker"
	RoleProcess    = "process"
	RoleResolution = "resolution"
)

// Transition kinds.
const (
	KindHypothesized = "hypothesized"
	KindAlternative  = "alternative"
	KindLoop         = "loop"
)

// Edge origins reported in DFG.Edges.
const (
	OriginDeclared = "declared" // a transition of the model (any kind)
	OriginCluster  = "cluster"  // added by a cluster rule
	OriginSkip     = "skip"     // added by skipping an optional stage or a cluster member
)

// Stage is one stage of a model version. Role is "marker", "process" or
// "resolution" ("" is read as "process"). Cluster is "" or the key of the
// cluster the stage belongs to. Codes are the observer codes that indicate the
// stage; a code maps to at most one stage of a model.
type Stage struct {
	Key      string
	Role     string
	Optional bool
	Cluster  string
	Codes    []string
}

// Transition is a declared transition between two stages. Kind is
// "hypothesized", "alternative" or "loop" ("" is read as "hypothesized"); all
// kinds become edges of the directly-follows graph.
type Transition struct {
	From, To, Kind string
}

// Model is a model version as the conformance engine sees it. Stages are in
// model order; Clusters lists the cluster keys (if it is empty, the clusters
// are the distinct non-empty Stage.Cluster values).
type Model struct {
	Stages      []Stage
	Transitions []Transition
	Clusters    []string
}

// FieldError names an invalid input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors is the error returned by Compile and NewAnalyzer for invalid
// models and parameters.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "conformance: " + strings.Join(parts, "; ")
}

// Edge is an edge of the directly-follows graph. Origin says which rule added
// it first: "declared", "cluster" or "skip" (declared beats cluster beats skip).
type Edge struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Origin string `json:"origin"`
}

// DFG is a model compiled to a directly-follows graph. Starts and Ends are in
// model stage order; Edges are sorted by (from, to) in model stage order.
// ShortestPath is the number of stages on a shortest path from a start stage to
// an end stage (a stage that is both start and end gives 1).
//
// Compilation rules (Compile):
//
//  1. Edges: every declared transition, whatever its kind (hypothesized,
//     alternative, loop). Self-loops (a→a) are never edges of the DFG: stage
//     sequences collapse consecutive repeats, so a self-loop could never be
//     observed; a declared self-loop still appears in the report's transition
//     list, with in_model true.
//  2. Clusters: for a cluster with members M, the predecessors P are the
//     non-members with an edge into a member, the successors S the non-members
//     with an edge from a member. Every member gets an edge to every other
//     member, every p in P to every member, every member to every s in S. The
//     rule is applied to all clusters repeatedly until no edge is added (a
//     fixed point, so the result does not depend on the cluster order).
//  3. Skipping: a stage is skippable when it is Optional or a cluster member
//     (cluster members are "each optional"). For every edge a→b with b
//     skippable, a gets an edge to every successor c of b, transitively through
//     chains of skippable stages (c ≠ a).
//  4. Start stages: the marker stages; when the model has none, the stages
//     without a predecessor after rule 2 (self-loops ignored). A skippable start
//     stage makes its successors (after rule 2) start stages too, transitively.
//  5. End stages, symmetric to rule 4: the resolution stages; a skippable
//     end stage makes its predecessors (after rule 2) end stages too,
//     transitively, so every member of a cluster holding an end stage is
//     one. Example (domain.md): A→B→C with C an optional resolution stage:
//     B is an end stage and the session A,B has fitness 1.
//
// Compile fails when a key is empty or duplicated, a role, kind or cluster is
// unknown, a transition names an unknown stage, a code indicates two stages,
// there is no start stage, no resolution stage, or no end stage is reachable
// from a start stage.
type DFG struct {
	Stages       []string `json:"stages"`
	Starts       []string `json:"starts"`
	Ends         []string `json:"ends"`
	Edges        []Edge   `json:"edges"`
	ShortestPath int      `json:"shortest_path"`

	n       int
	adj     []bool    // n×n
	succ    [][]int32 // successors in stage order; succ[n] = starts (initial state)
	isStart []bool
	isEnd   []bool
	dist    []int32 // (n+1)×(n+1) shortest edge counts, node n = initial state
}

const inf32 = math.MaxInt32 / 4

// Compile compiles a model to its directly-follows graph (rules on DFG).
// An invalid model gives FieldErrors with paths under "model." (the
// engine's subset of the rules in rules.go).
func Compile(m Model) (*DFG, error) {
	if errs := newChecker(m, false, "model.").run(); len(errs) > 0 {
		return nil, errs
	}
	g := declaredGraph(m)               // rule 1
	g.expandClusters(clusterMembers(m)) // rule 2
	base := slices.Clone(g.adj)         // the graph after rule 2
	skippable := make([]bool, g.n)
	for i, s := range m.Stages {
		skippable[i] = s.Optional || s.Cluster != ""
	}
	g.skipClosure(base, skippable)             // rule 3
	isStart := startStages(m, base, skippable) // rule 4
	if isStart == nil {
		return nil, FieldErrors{{Field: "model.stages", Message: "no start stage: the model has no marker stage and every stage has a predecessor"}}
	}
	isEnd := endStages(m, base, skippable) // rule 5
	keys := make([]string, g.n)
	for i, s := range m.Stages {
		keys[i] = s.Key
	}
	d := newDFG(keys, g.adj, isStart, isEnd)
	if d.ShortestPath == 0 {
		return nil, FieldErrors{{Field: "model.transitions", Message: "no resolution stage is reachable from a start stage"}}
	}
	for i := range d.Edges {
		e := &d.Edges[i]
		e.Origin = g.origin[g.index[e.From]*g.n+g.index[e.To]]
	}
	return d, nil
}

// graph is the adjacency matrix being compiled, with the rule that added
// each edge first.
type graph struct {
	n      int
	index  map[string]int // stage key → index
	adj    []bool         // n×n
	origin []string       // n×n
}

// set adds the edge a→b with origin o unless it is a self-loop or already
// there; it reports whether it added it.
func (g *graph) set(a, b int, o string) bool {
	if a == b || g.adj[a*g.n+b] {
		return false
	}
	g.adj[a*g.n+b] = true
	g.origin[a*g.n+b] = o
	return true
}

// declaredGraph applies rule 1: every declared transition is an edge
// (self-loops are not).
func declaredGraph(m Model) *graph {
	n := len(m.Stages)
	g := &graph{n: n, index: make(map[string]int, n), adj: make([]bool, n*n), origin: make([]string, n*n)}
	for i, s := range m.Stages {
		g.index[s.Key] = i
	}
	for _, t := range m.Transitions {
		g.set(g.index[t.From], g.index[t.To], OriginDeclared)
	}
	return g
}

// clusterMembers lists the member stages of each cluster, clusters in the
// order of their first member.
func clusterMembers(m Model) [][]int {
	slot := map[string]int{}
	var members [][]int
	for i, s := range m.Stages {
		if s.Cluster == "" {
			continue
		}
		k, ok := slot[s.Cluster]
		if !ok {
			k = len(members)
			slot[s.Cluster] = k
			members = append(members, nil)
		}
		members[k] = append(members[k], i)
	}
	return members
}

// expandClusters applies rule 2 to every cluster until no edge is added.
func (g *graph) expandClusters(members [][]int) {
	for changed := true; changed; {
		changed = false
		for _, ms := range members {
			changed = g.joinCluster(ms) || changed
		}
	}
}

// joinCluster links every member of one cluster to every other member, its
// predecessors to every member and every member to its successors; it
// reports whether an edge was added.
func (g *graph) joinCluster(ms []int) bool {
	preds, succs := g.neighbours(ms)
	changed := false
	for _, x := range ms {
		for _, y := range ms {
			changed = g.set(x, y, OriginCluster) || changed
		}
		for _, p := range preds {
			changed = g.set(p, x, OriginCluster) || changed
		}
		for _, s := range succs {
			changed = g.set(x, s, OriginCluster) || changed
		}
	}
	return changed
}

// neighbours gives the non-members with an edge into a member (preds) and
// those with an edge from a member (succs), in stage order.
func (g *graph) neighbours(ms []int) (preds, succs []int) {
	n := g.n
	in := make([]bool, n)
	for _, x := range ms {
		in[x] = true
	}
	for u := 0; u < n; u++ {
		if in[u] {
			continue
		}
		p, s := false, false
		for _, x := range ms {
			p = p || g.adj[u*n+x]
			s = s || g.adj[x*n+u]
		}
		if p {
			preds = append(preds, u)
		}
		if s {
			succs = append(succs, u)
		}
	}
	return preds, succs
}

// skipClosure applies rule 3 over base, the cluster-expanded graph: a
// reaches every successor of a skippable successor, transitively.
func (g *graph) skipClosure(base, skippable []bool) {
	n := g.n
	visited := make([]bool, n)
	stack := make([]int, 0, n)
	for a := 0; a < n; a++ {
		clear(visited)
		stack = stack[:0]
		for b := 0; b < n; b++ {
			if base[a*n+b] {
				visited[b] = true
				stack = append(stack, b)
			}
		}
		for len(stack) > 0 {
			b := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			g.set(a, b, OriginSkip)
			if !skippable[b] {
				continue
			}
			for c := 0; c < n; c++ {
				if base[b*n+c] && !visited[c] {
					visited[c] = true
					stack = append(stack, c)
				}
			}
		}
	}
}

// startStages applies rule 4: the marker stages, or without any the stages
// without a predecessor in base; then the successors of skippable start
// stages, transitively. It returns nil when there is no start stage.
func startStages(m Model, base, skippable []bool) []bool {
	n := len(m.Stages)
	isStart := make([]bool, n)
	anyMarker := false
	for i, s := range m.Stages {
		if s.Role == RoleMarker {
			isStart[i] = true
			anyMarker = true
		}
	}
	if !anyMarker {
		for b := 0; b < n; b++ {
			isStart[b] = true
			for a := 0; a < n; a++ {
				if a != b && base[a*n+b] {
					isStart[b] = false
					break
				}
			}
		}
	}
	if !slices.Contains(isStart, true) {
		return nil
	}
	spread(isStart, skippable, base, true)
	return isStart
}

// endStages applies rule 5: the resolution stages (the rules guarantee
// one), then the predecessors of skippable end stages, transitively.
func endStages(m Model, base, skippable []bool) []bool {
	isEnd := make([]bool, len(m.Stages))
	for i, s := range m.Stages {
		isEnd[i] = s.Role == RoleResolution
	}
	spread(isEnd, skippable, base, false)
	return isEnd
}

// spread marks the neighbours in base of every marked skippable stage,
// transitively: its successors when forward, else its predecessors.
func spread(marked, skippable, base []bool, forward bool) {
	n := len(marked)
	var stack []int
	for i, ok := range marked {
		if ok {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !skippable[s] {
			continue
		}
		for c := 0; c < n; c++ {
			edge := base[s*n+c]
			if !forward {
				edge = base[c*n+s]
			}
			if edge && !marked[c] {
				marked[c] = true
				stack = append(stack, c)
			}
		}
	}
}

// newDFG builds the graph and its derived tables from an adjacency matrix
// (self-loops ignored). ShortestPath is 0 when no end is reachable.
func newDFG(keys []string, adj, isStart, isEnd []bool) *DFG {
	n := len(keys)
	d := &DFG{
		Stages:  keys,
		Starts:  []string{},
		Ends:    []string{},
		Edges:   []Edge{},
		n:       n,
		adj:     make([]bool, n*n),
		succ:    make([][]int32, n+1),
		isStart: isStart,
		isEnd:   isEnd,
	}
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			if a != b && adj[a*n+b] {
				d.adj[a*n+b] = true
				d.succ[a] = append(d.succ[a], int32(b))
				d.Edges = append(d.Edges, Edge{From: keys[a], To: keys[b]})
			}
		}
		if isStart[a] {
			d.Starts = append(d.Starts, keys[a])
			d.succ[n] = append(d.succ[n], int32(a))
		}
		if isEnd[a] {
			d.Ends = append(d.Ends, keys[a])
		}
	}
	// All-pairs shortest edge counts by BFS from every node (node n = initial).
	m := n + 1
	d.dist = make([]int32, m*m)
	queue := make([]int32, 0, m)
	for s := 0; s < m; s++ {
		row := d.dist[s*m : (s+1)*m]
		for i := range row {
			row[i] = inf32
		}
		row[s] = 0
		queue = append(queue[:0], int32(s))
		for h := 0; h < len(queue); h++ {
			v := queue[h]
			for _, w := range d.succ[v] {
				if row[w] == inf32 {
					row[w] = row[v] + 1
					queue = append(queue, w)
				}
			}
		}
	}
	best := int32(inf32)
	for e := 0; e < n; e++ {
		if isEnd[e] && d.dist[n*m+e] < best {
			best = d.dist[n*m+e]
		}
	}
	if best < inf32 {
		d.ShortestPath = int(best) // edges from the initial state = stages on the path
	}
	return d
}

// HasEdge reports whether from→to is an edge of the graph.
func (d *DFG) HasEdge(from, to string) bool {
	a, b := d.indexOf(from), d.indexOf(to)
	return a >= 0 && b >= 0 && d.adj[a*d.n+b]
}

func (d *DFG) indexOf(key string) int {
	for i, k := range d.Stages {
		if k == key {
			return i
		}
	}
	return -1
}
