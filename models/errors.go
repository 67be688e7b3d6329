// Package models holds the domain types of Stagewise and its small error
// vocabulary. It has no database, HTTP or JSON concerns: persistence rows live
// in models/store and the wire types in api.
package models

import (
	"errors"
	"fmt"
	"strings"
)

// The error kinds every layer speaks. Wrap them with %w and match with
// errors.Is; the api package maps each to one HTTP status.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrPrecondition is a stale If-Match.
	ErrPrecondition = errors.New("precondition failed")
	// ErrMalformed is input that cannot be parsed at all (broken JSON or CSV).
	ErrMalformed = errors.New("malformed input")
)

// FieldError names one invalid field by its path in the request, such as
// "stages[2].key", and says what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError is well-formed input that breaks the rules. It carries
// every violation found, not just the first.
type ValidationError struct {
	Fields []FieldError
	// Malformed marks input that could not be read at all (a CSV syntax
	// error, invalid UTF-8, a NUL byte): it is answered 400, not 422, but
	// still names every place.
	Malformed bool
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Invalid builds a ValidationError from field errors; it returns nil when
// there are none, so callers can write `if err := Invalid(errs); err != nil`.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: fields}
}

// InvalidField is a ValidationError with a single field.
func InvalidField(field, format string, args ...any) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Errf wraps a kind with a human-readable detail: Errf(ErrConflict, "version %d is %s", n, s).
func Errf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// Detail returns the human part of an error built with Errf, without the kind prefix.
func Detail(err error) string {
	msg := err.Error()
	for _, k := range []error{ErrNotFound, ErrConflict, ErrForbidden, ErrUnauthorized, ErrPrecondition, ErrMalformed} {
		if errors.Is(err, k) {
			return strings.TrimPrefix(msg, k.Error()+": ")
		}
	}
	return msg
}
