package models

import "time"

// WebSession is a browser sign-in: the web UI holds its id in an HttpOnly
// cookie, the database only the id's hash.
type WebSession struct {
	IDHash    string
	UserID    int64
	CreatedAt time.Time
	// LastSeen is when the session was last used (updated at most once a
	// minute); a session idle for longer than the idle limit has ended.
	LastSeen time.Time
}
