package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// AuditEntry is one state change in the append-only, hash-chained audit log.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Detail   string
	PrevHash string
	Hash     string
}

// AuditVerification is the result of re-computing the audit chain.
type AuditVerification struct {
	OK          bool
	Entries     int64
	FirstBadSeq *int64
}

// ComputeHash computes the chained SHA-256 of an entry: it covers the previous
// entry's hash and every field of this one, so changing, dropping or
// reordering any entry breaks the chain from there on.
func (e AuditEntry) ComputeHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Entity, e.EntityID, e.Detail, e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}
