package versions

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// LineageEntry is one version in a model's lineage: where it came from
// (parent, provenance), how much changed (the change-log size) and who
// approved it.
type LineageEntry struct {
	Number        int
	Kind          models.VersionKind
	Status        models.VersionStatus
	Parent        *int
	Provenance    models.Provenance
	ChangeLogSize int
	ApprovedAt    *time.Time
	ApprovedBy    *string
}

// lineagePage is the page size used to walk a model's versions.
const lineagePage = 200

// Lineage lists the versions of a model that actor may see, in number
// order. Which versions those are is decided by ListVersions alone (the
// versions list uses the same function), so the two never disagree. A
// parent actor may not see still appears as its number, and nothing more.
func (s *Service) Lineage(ctx context.Context, actor models.User, slug string) ([]LineageEntry, error) {
	out := []LineageEntry{}
	p := models.Page{Limit: lineagePage}
	for {
		vs, err := s.ListVersions(ctx, actor, slug, p)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out = append(out, LineageEntry{Number: v.Number, Kind: v.Kind, Status: v.Status, Parent: v.Parent,
				Provenance: v.Provenance, ChangeLogSize: len(v.ChangeLog), ApprovedAt: v.ApprovedAt, ApprovedBy: v.ApprovedBy})
		}
		if len(vs) < p.Limit {
			return out, nil
		}
		p.Cursor = int64(vs[len(vs)-1].Number)
	}
}
