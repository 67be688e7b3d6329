package models

import "time"

// Role is what a user may do.
type Role string

// The roles of api.md.
const (
	RoleAdmin    Role = "admin"
	RolePI       Role = "pi"
	RolePanelist Role = "panelist"
	RoleCoder    Role = "coder"
	RoleClient   Role = "client"
)

// Roles lists every role, in the order they are documented.
var Roles = []Role{RoleAdmin, RolePI, RolePanelist, RoleCoder, RoleClient}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// User is a person or program holding a token.
type User struct {
	ID        int64
	Name      string
	Email     string
	Role      Role
	CreatedAt time.Time
	// CreatedBy is the user who created this one (nil for bootstrap users).
	CreatedBy *int64
}

// Invitation lets a panelist or coder claim their own token once: whoever
// creates the user sees the invitation's code, never the user's token. Only
// the SHA-256 of the code is stored.
type Invitation struct {
	ID        int64
	UserID    int64
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// ClaimedAt is set when the code was exchanged for a token; RevokedAt
	// when a newer invitation replaced this one unclaimed.
	ClaimedAt *time.Time
	RevokedAt *time.Time
}

// Usable reports whether the invitation can still be claimed at now.
func (i Invitation) Usable(now time.Time) bool {
	return i.ClaimedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}
