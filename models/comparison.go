package models

import "time"

// Comparison is a stored empirical comparison of a model version with coded
// sessions. Inputs and Report are JSON documents built by the workflow; the
// report is stored as computed so that reading it back gives the same
// bytes.
type Comparison struct {
	ID            int64
	ModelID       int64
	ModelSlug     string
	VersionNumber int
	DatasetID     int64
	Sessions      string
	Coder         string
	Inputs        []byte
	InputsHash    string
	Report        []byte
	Summary       []byte
	CreatedBy     int64
	CreatedAt     time.Time
}
