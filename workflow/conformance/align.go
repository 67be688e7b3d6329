package conformance

// Deviation types.
const (
	LogMove   = "log_move"
	ModelMove = "model_move"
)

// Deviation is a non-synchronous move of an optimal alignment.
//
// A "log_move" skips the event at Position (0-based index in the collapsed
// stage sequence) whose stage is Stage. A "model_move" moves the model to
// Stage without consuming an event; Position is the number of events consumed
// before the move (the move happens just before event Position; Position ==
// len(sequence) means after the last event).
type Deviation struct {
	Type     string `json:"type"`
	Stage    string `json:"stage"`
	Position int    `json:"position"`
	// Code is set, and Stage empty, for the log move of an event whose code
	// indicates no stage (Params.Unmapped "deviation"); its Position is the
	// number of stages of the sequence before it.
	Code string `json:"code,omitempty"`
}

type move struct {
	model bool  // model move, else log move
	stage int32 // stage index
	pos   int32
}

// aligner computes optimal DFG alignments (PM4Py's DFG alignment semantics).
//
// States are (i, v): i events of the sequence consumed, v the current DFG node
// or the initial state. Moves: a synchronous move consumes event i when its
// stage is a successor of v (a start stage when v is the initial state), cost
// 0, and moves to that stage; a log move consumes event i without moving,
// cost 1; a model move follows an edge of v (from the initial state: goes to a
// start stage) without consuming, cost 1. The final states have i = len and v
// an end stage.
//
// The optimal cost h(i, v) to a final state is computed backwards layer by
// layer (h(i,v) = min over w of dist(v,w) + b(i,w), where b is the best of the
// synchronous and log moves out of (i, w) and dist counts model moves), and
// the reported alignment is the canonical optimal path from (0, initial):
// at every state the first optimal move in the order synchronous, log move,
// model move to the successor of lowest model index. The result therefore
// depends only on the sequence and the graph.
type aligner struct {
	d *DFG
	h []int32
	b []int32
}

func newAligner(d *DFG) *aligner { return &aligner{d: d} }

// align returns the optimal cost and the deviations in path order.
func (al *aligner) align(t []int32, moves []move) (int, []move) {
	d := al.d
	n := d.n
	m := n + 1
	L := len(t)
	size := (L + 1) * m
	if cap(al.h) < size {
		al.h = make([]int32, size)
	}
	h := al.h[:size]
	if cap(al.b) < m {
		al.b = make([]int32, m)
	}
	b := al.b[:m]
	for i := L; i >= 0; i-- {
		if i == L {
			for v := 0; v < m; v++ {
				if v < n && d.isEnd[v] {
					b[v] = 0
				} else {
					b[v] = inf32
				}
			}
		} else {
			x := int(t[i])
			next := h[(i+1)*m : (i+2)*m]
			hx := next[x]
			for v := 0; v < n; v++ {
				c := next[v] + 1
				if d.adj[v*n+x] && hx < c {
					c = hx
				}
				b[v] = c
			}
			c := next[n] + 1
			if d.isStart[x] && hx < c {
				c = hx
			}
			b[n] = c
		}
		row := h[i*m : (i+1)*m]
		for v := 0; v < m; v++ {
			dv := d.dist[v*m : (v+1)*m]
			best := int32(inf32)
			for w := 0; w < m; w++ {
				if c := dv[w] + b[w]; c < best {
					best = c
				}
			}
			row[v] = best
		}
	}
	cost := h[n]
	// Canonical walk.
	i, v := 0, n
	for !(i == L && v < n && d.isEnd[v]) {
		cur := h[i*m+v]
		if i < L {
			x := int(t[i])
			allowed := d.isStart[x]
			if v < n {
				allowed = d.adj[v*n+x]
			}
			if allowed && h[(i+1)*m+x] == cur {
				v = x
				i++
				continue
			}
			if h[(i+1)*m+v]+1 == cur {
				moves = append(moves, move{stage: int32(x), pos: int32(i)})
				i++
				continue
			}
		}
		found := false
		for _, w := range d.succ[v] {
			if h[i*m+int(w)]+1 == cur {
				moves = append(moves, move{model: true, stage: w, pos: int32(i)})
				v = int(w)
				found = true
				break
			}
		}
		if !found {
			panic("conformance: alignment walk found no optimal move")
		}
	}
	return int(cost), moves
}
