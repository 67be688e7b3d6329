// Package datasets holds coded psychotherapy sessions: datasets, their
// teams and blind coding, imports, cases, session selection, inter-coder
// reliability, disagreements and consensus coding. The statistics come
// from the pure packages stats and dataset; this package loads, checks
// who may see what, and stores.
package datasets

import (
	"github.com/stagewise/stagewise/workflow/core"
)

// Service carries the rules of datasets.
type Service struct {
	core  *core.Core
	store Store
}

// New builds the datasets service.
func New(c *core.Core, st Store) *Service {
	return &Service{core: c, store: st}
}
