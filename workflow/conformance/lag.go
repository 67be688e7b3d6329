package conformance

import "math"

// Lag tables.
const (
	TableIndependence      = "independence"
	TableQuasiIndependence = "quasi_independence"
)

// IPF limits for the quasi-independence fit.
const (
	ipfTolerance     = 1e-10
	ipfMaxIterations = 10000
)

// LagTable is the lag-sequential table (Bakeman & Quera, GSEQ).
//
// Counts[i][j] is the number of times label j occurs Lag positions after
// label i within a session's sequence (collapsed unless allow_repeats), summed
// over sessions. Labels are all model stages in model order.
//
// Table "independence" (repeats kept, or lag > 1): e_ij = x_i+ x_+j / N and
// z_ij = (x_ij − e_ij) / √(e_ij (1 − x_+j/N)(1 − x_i+/N)).
//
// Table "quasi_independence" (repeats collapsed and lag 1, so the diagonal is
// a structural zero): e_ij by iterative proportional fitting of the row and
// column margins with a zero diagonal, starting from 1 in every other cell of
// the rows and columns with non-zero margins, alternately scaling rows and
// columns until every row sum is within 1e-10 (relative) of its margin (at
// most 10000 iterations; Converged says whether the tolerance was reached);
// z_ij = (x_ij − e_ij) / √(e_ij (1 − h_ij)) with h_ij the leverage of the cell
// in the Poisson log-linear model log e_ij = row_i + col_j over the
// non-structural cells with e_ij > 0 (hat matrix W½X(XᵀWX)⁻X ᵀW½, W = diag(e);
// rows and columns with zero margins drop out). For the plain independence
// model this leverage equals 1 − (1 − x_+j/N)(1 − x_i+/N), so both tables use
// the same residual family.
//
// Expected values of structural zeros and of empty rows or columns are 0;
// expected values are null only when N = 0. A residual is null when e_ij = 0
// or its variance is 0 (e.g. a row holding all of N).
type LagTable struct {
	Lag               int          `json:"lag"`
	Labels            []string     `json:"labels"`
	Counts            [][]int      `json:"counts"`
	N                 int          `json:"n"`
	Table             string       `json:"table"`
	Expected          [][]*float64 `json:"expected"`
	AdjustedResiduals [][]*float64 `json:"adjusted_residuals"`
	Iterations        int          `json:"iterations"`
	Converged         bool         `json:"converged"`
}

// lagFit holds the fitted table as flat n×n slices (NaN = undefined).
type lagFit struct {
	n          int
	x          []int64
	row, col   []int64
	total      int64
	e, z       []float64
	iterations int
	converged  bool
}

func fitLag(x []int64, n int, quasi bool) *lagFit {
	f := &lagFit{n: n, x: x, row: make([]int64, n), col: make([]int64, n), e: make([]float64, n*n), z: make([]float64, n*n), converged: true}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := x[i*n+j]
			f.row[i] += v
			f.col[j] += v
			f.total += v
		}
	}
	nan := math.NaN()
	if f.total == 0 {
		for k := range f.e {
			f.e[k], f.z[k] = nan, nan
		}
		return f
	}
	N := float64(f.total)
	if !quasi {
		for i := 0; i < n; i++ {
			r := float64(f.row[i])
			for j := 0; j < n; j++ {
				c := float64(f.col[j])
				e := r * c / N
				f.e[i*n+j] = e
				v := e * (1 - c/N) * (1 - r/N)
				if e > 0 && v > 0 {
					f.z[i*n+j] = (float64(x[i*n+j]) - e) / math.Sqrt(v)
				} else {
					f.z[i*n+j] = nan
				}
			}
		}
		return f
	}
	f.iterations, f.converged = ipfQuasi(f.e, f.row, f.col, n)
	include := func(i, j int) bool { return i != j }
	h := leverage(f.e, n, include)
	for k := range f.z {
		e := f.e[k]
		if e > 0 && !math.IsNaN(h[k]) && 1-h[k] > 1e-12 {
			f.z[k] = (float64(x[k]) - e) / math.Sqrt(e*(1-h[k]))
		} else {
			f.z[k] = nan
		}
	}
	return f
}

// ipfQuasi fits quasi-independence with a zero diagonal into e.
func ipfQuasi(e []float64, row, col []int64, n int) (int, bool) {
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && row[i] > 0 && col[j] > 0 {
				e[i*n+j] = 1
			} else {
				e[i*n+j] = 0
			}
		}
	}
	for it := 1; it <= ipfMaxIterations; it++ {
		for i := 0; i < n; i++ {
			if row[i] == 0 {
				continue
			}
			s := 0.0
			for j := 0; j < n; j++ {
				s += e[i*n+j]
			}
			if s > 0 {
				g := float64(row[i]) / s
				for j := 0; j < n; j++ {
					e[i*n+j] *= g
				}
			}
		}
		for j := 0; j < n; j++ {
			if col[j] == 0 {
				continue
			}
			s := 0.0
			for i := 0; i < n; i++ {
				s += e[i*n+j]
			}
			if s > 0 {
				g := float64(col[j]) / s
				for i := 0; i < n; i++ {
					e[i*n+j] *= g
				}
			}
		}
		worst := 0.0
		for i := 0; i < n; i++ {
			if row[i] == 0 {
				continue
			}
			s := 0.0
			for j := 0; j < n; j++ {
				s += e[i*n+j]
			}
			if d := math.Abs(s-float64(row[i])) / float64(row[i]); d > worst {
				worst = d
			}
		}
		if worst <= ipfTolerance {
			return it, true
		}
	}
	return ipfMaxIterations, false
}

// leverage returns the diagonal of the hat matrix W½X(XᵀWX)⁻XᵀW½ of the
// log-linear row + column model fitted to e, over the cells (i, j) with
// include(i, j) and e_ij > 0 (NaN elsewhere). X holds the row and column
// indicators; the projection is computed by Gram-Schmidt orthonormalisation
// of the columns of W½X (twice, dropping dependent columns), so the rank
// deficiency of the indicator coding needs no special case.
func leverage(e []float64, n int, include func(i, j int) bool) []float64 {
	h := make([]float64, n*n)
	var cells []int
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if include(i, j) && e[i*n+j] > 0 {
				cells = append(cells, i*n+j)
			}
		}
	}
	for k := range h {
		h[k] = math.NaN()
	}
	K := len(cells)
	if K == 0 {
		return h
	}
	var basis [][]float64
	a := make([]float64, K)
	for p := 0; p < 2*n; p++ {
		nonzero := false
		for c, cell := range cells {
			i, j := cell/n, cell%n
			on := (p < n && i == p) || (p >= n && j == p-n)
			if on {
				a[c] = math.Sqrt(e[cell])
				nonzero = true
			} else {
				a[c] = 0
			}
		}
		if !nonzero {
			continue
		}
		norm0 := vecNorm(a)
		for pass := 0; pass < 2; pass++ {
			for _, q := range basis {
				d := 0.0
				for c := range a {
					d += q[c] * a[c]
				}
				for c := range a {
					a[c] -= d * q[c]
				}
			}
		}
		norm := vecNorm(a)
		if norm <= 1e-9*norm0 {
			continue
		}
		q := make([]float64, K)
		for c := range a {
			q[c] = a[c] / norm
		}
		basis = append(basis, q)
	}
	for c, cell := range cells {
		s := 0.0
		for _, q := range basis {
			s += q[c] * q[c]
		}
		h[cell] = s
	}
	return h
}

func vecNorm(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += v * v
	}
	return math.Sqrt(s)
}

// cellStats returns p(j|i), the adjusted residual and Yule's Q of cell (i, j)
// (NaN when undefined). Yule's Q uses the collapsed 2×2 table a = x_ij,
// b = x_i+ − a, c = x_+j − a, d = N − x_i+ − x_+j + a, Q = (ad − bc)/(ad + bc).
func (f *lagFit) cellStats(i, j int) (p, z, q float64) {
	n := f.n
	a := float64(f.x[i*n+j])
	r, c, N := float64(f.row[i]), float64(f.col[j]), float64(f.total)
	p, q = math.NaN(), math.NaN()
	if r > 0 {
		p = a / r
	}
	b := r - a
	cc := c - a
	d := N - r - c + a
	if den := a*d + b*cc; den != 0 {
		q = (a*d - b*cc) / den
	}
	return p, f.z[i*n+j], q
}
