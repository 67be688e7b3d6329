package workflow

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// TeamStore keeps model teams: the co-investigators a model's creating PI
// adds. The creator is the model's owner and always on the team.
type TeamStore interface {
	ModelTeam(ctx context.Context, modelID int64) ([]models.TeamMember, error)
	SetModelTeam(ctx context.Context, modelID int64, ids []int64, now time.Time) error
	OnModelTeam(ctx context.Context, modelID, userID int64) (bool, error)
}

// OnModelTeam reports whether actor acts as "the model's PI": an admin, the
// PI who created the model, or a PI the team lists. Everyone else sees the
// model only as a client does.
func (s *Service) OnModelTeam(ctx context.Context, actor models.User, m models.TaskModel) (bool, error) {
	switch {
	case actor.Role == models.RoleAdmin:
		return true, nil
	case actor.Role != models.RolePI || actor.ID == 0:
		return false, nil
	case actor.ID == m.OwnerID:
		return true, nil
	}
	return s.store.OnModelTeam(ctx, m.ID, actor.ID)
}
