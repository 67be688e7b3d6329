package store

import (
	"context"

	"github.com/stagewise/stagewise/models"
)

// CreateUser inserts u with the hash of its token and sets u.ID.
func (s *Store) CreateUser(ctx context.Context, u *models.User, tokenHash string, createdBy *int64) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	r := userRow{Name: u.Name, Email: u.Email, Role: string(u.Role), TokenHash: tokenHash, CreatedBy: createdBy, CreatedAt: u.CreatedAt}
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	u.ID = r.ID
	return nil
}

// UserByTokenHash finds the holder of a token.
func (s *Store) UserByTokenHash(ctx context.Context, hash string) (models.User, error) {
	var r userRow
	if err := s.db(ctx).Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return models.User{}, notFound(err, "user")
	}
	return r.toModel(), nil
}

// UserByID finds a user.
func (s *Store) UserByID(ctx context.Context, id int64) (models.User, error) {
	var r userRow
	if err := s.db(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.User{}, notFound(err, "user")
	}
	return r.toModel(), nil
}

// UserByEmail finds a user by email.
func (s *Store) UserByEmail(ctx context.Context, email string) (models.User, error) {
	var r userRow
	if err := s.db(ctx).Where("email = ?", email).Take(&r).Error; err != nil {
		return models.User{}, notFound(err, "user")
	}
	return r.toModel(), nil
}

// UsersByIDs returns the users with the given ids, in id order; ids that do
// not exist are simply absent.
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) ([]models.User, error) {
	var rows []userRow
	if len(ids) == 0 {
		return nil, nil
	}
	if err := s.db(ctx).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.User, len(rows))
	for i, r := range rows {
		out[i] = r.toModel()
	}
	return out, nil
}

// ListUsers returns users after the cursor id.
func (s *Store) ListUsers(ctx context.Context, p models.Page) ([]models.User, error) {
	var rows []userRow
	if err := s.db(ctx).Where("id > ?", p.Cursor).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.User, len(rows))
	for i, r := range rows {
		out[i] = r.toModel()
	}
	return out, nil
}

// SetUserToken replaces a user's token hash (admin bootstrap).
func (s *Store) SetUserToken(ctx context.Context, id int64, tokenHash string) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return conflict(db.Model(&userRow{}).Where("id = ?", id).Update("token_hash", tokenHash).Error)
}

// UsersCreatedBy returns the users creatorID created, in id order.
func (s *Store) UsersCreatedBy(ctx context.Context, creatorID int64) ([]models.User, error) {
	var rows []userRow
	if err := s.db(ctx).Where("created_by = ?", creatorID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.User, len(rows))
	for i, r := range rows {
		out[i] = r.toModel()
	}
	return out, nil
}
