package api

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/stagewise/stagewise/models"
)

// Input validation has one home: the `validate` tags on the request types
// of this package (go-playground/validator). bindStrict runs them right
// after strict decoding, and the OpenAPI reflector (openapi.go) derives
// required, enum, minLength/maxLength, minimum/maximum, minItems/maxItems,
// format and pattern from the same tags, so the served document and the
// server's check cannot drift (TestValidateTagsMatchDocument). The
// workflow keeps only the rules a tag cannot say: those that need another
// field, the model graph, stored state or the database.
//
// The tags in use, and what a violation says:
//
//	required   present: a non-empty string, a non-zero number, a non-null
//	           pointer, slice or map ("is required")
//	notblank   required, and more than white space ("is required")
//	min, max   characters of a string, items of a slice, the value of a
//	           number ("must be at most 200 characters")
//	gt, lt     exclusive bounds of a number
//	oneof      one of the listed words ("must be one of a, b, c")
//	email      a plain email address
//	slug       lower-case letters and digits in groups joined by hyphens
//	cursor     a next_cursor this server issued (base64url; query.go)
//	datetime   an RFC 3339 time (datetime=2006-01-02T15:04:05Z07:00)
//	omitempty  the rules after it apply only to a non-zero value
//	omitnil    the rules after it apply only to a non-null pointer (so an
//	           explicit "" or 0 is checked)
//	dive       the rules after it apply to each element of a slice or map
//
// gte and lte are min and max. A new rule needs a message here and a line
// in the reflector's parseRules; TestViolationMessages and
// FuzzValidatedBodies catch a rule without words, TestValidateTagsEnforced
// sends a violation of each kind through the API.

// slugPattern is the slug rule; the document states it as the pattern.
const slugPattern = `^[a-z0-9]+(?:-[a-z0-9]+)*$`

var slugRe = regexp.MustCompile(slugPattern)

// rfc3339 is the datetime layout the tags use for times.
const rfc3339 = "2006-01-02T15:04:05Z07:00"

// validate is the one validator of request types.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// A violation is named by the field's JSON name, so its path is the
	// path in the request body: stages[2].key.
	// A query parameter (query.go) is named by its query tag.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if q := f.Tag.Get("query"); q != "" {
			return q
		}
		name, ok := jsonName(f)
		if !ok {
			return "-"
		}
		return name
	})
	// slug: lower-case letters and digits in groups joined by single hyphens.
	must(v.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
		return slugRe.MatchString(fl.Field().String())
	}))
	// cursor: a next_cursor this server issued (query.go).
	must(v.RegisterValidation("cursor", func(fl validator.FieldLevel) bool {
		_, ok := decodeCursor(fl.Field().String())
		return ok
	}))
	// notblank: required, and more than white space.
	must(v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	}))
	return v
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// validateInput checks dst (a pointer to a request type, decoded) against
// its tags and names every violation by its path, as a *ruleViolation.
func validateInput(dst any) error {
	if _, ok := dst.(workflowChecked); ok {
		return nil
	}
	if fields := fieldErrors(validate.Struct(dst)); len(fields) > 0 {
		return &ruleViolation{&models.ValidationError{Fields: fields}}
	}
	return nil
}

// ruleViolation is a ValidationError of the validate tags of a body that
// decoded completely: a handler that checks the same input further in pure
// code (stats) may merge both into one answer (mergeRules).
type ruleViolation struct{ *models.ValidationError }

func (e *ruleViolation) Unwrap() error { return e.ValidationError }

// mergeRules lets a handler go on after a bind whose only failure is a
// tag violation: it returns those fields, or err for any other failure.
func mergeRules(err error) ([]models.FieldError, error) {
	var rv *ruleViolation
	if errors.As(err, &rv) {
		return rv.Fields, nil
	}
	return nil, err
}

// workflowChecked marks a request type whose fields the workflow checks,
// all in one pass with rules that need the database or the other fields,
// so that one answer names every bad field (a dataset: its name, its
// codebook's codes and its reverse-keyed items). Its validate tags say the
// same rules for the document, and the bad-input tests hold the workflow
// to them (TestValidateTagsEnforced); the validator does not run on it.
// The elements of the lists the workflow checks as a whole (an import's
// rows, a team's members, a consensus's resolutions) are reached the same
// way: their list's tag has no dive.
type workflowChecked interface{ checkedByWorkflow() }

func fieldErrors(err error) []models.FieldError {
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		// A request type without tags, or not a struct: nothing to check.
		var inv *validator.InvalidValidationError
		if errors.As(err, &inv) {
			return nil
		}
		return []models.FieldError{{Field: "body", Message: err.Error()}}
	}
	out := make([]models.FieldError, 0, len(ves))
	for _, fe := range ves {
		out = append(out, models.FieldError{Field: fieldPath(fe), Message: violation(fe)})
	}
	return out
}

// fieldPath drops the struct's own name from the namespace:
// "versionRequest.stages[2].key" → "stages[2].key".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		return ns[i+1:]
	}
	return ns
}

// violation says in words what the value must be.
func violation(fe validator.FieldError) string {
	p := fe.Param()
	k := fe.Kind()
	if k == reflect.Pointer {
		k = fe.Type().Elem().Kind()
	}
	unit := func(n string) string {
		plural := "s"
		if n == "1" {
			plural = ""
		}
		switch k {
		case reflect.String:
			return n + " character" + plural
		case reflect.Slice, reflect.Array, reflect.Map:
			return n + " item" + plural
		}
		return n
	}
	switch fe.Tag() {
	case "required", "notblank":
		return "is required"
	case "email":
		return "must be a plain email address such as ana@example.org"
	case "slug":
		return "must be lower-case letters, digits and single hyphens, such as renegotiating-tasks-goals"
	case "cursor":
		return "is not a cursor this server issued"
	case "oneof":
		return "must be one of " + strings.Join(strings.Fields(p), ", ")
	case "min", "gte":
		if k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have at least " + unit(p)
		}
		return "must be at least " + unit(p)
	case "max", "lte":
		if k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have at most " + unit(p)
		}
		return "must be at most " + unit(p)
	case "gt":
		return "must be greater than " + p
	case "lt":
		return "must be less than " + p
	case "datetime":
		return "must be an RFC 3339 time such as 2030-01-31T17:00:00Z"
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}
