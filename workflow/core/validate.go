package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/stagewise/stagewise/models"
)

// Checker validates input structs by their `validate` tags and names each
// violation by the struct's `field` tag (the field's name in the request),
// so that the rules of simple inputs live next to their fields. Graph rules
// and rules that need the database stay in code.
type Checker struct{ v *validator.Validate }

// NewChecker builds a Checker; an area adds its own string rules (such as
// "slug") with Register before first use.
func NewChecker() *Checker {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if name := f.Tag.Get("field"); name != "" {
			return name
		}
		return f.Name
	})
	// notblank: required, and more than white space.
	_ = v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	})
	return &Checker{v: v}
}

// Register adds a rule on string fields under tag; call it before first
// use, as the validator's own registration requires.
func (c *Checker) Register(tag string, ok func(string) bool) {
	_ = c.v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) })
}

// Check returns every violation of in's tags as field errors.
func (c *Checker) Check(in any) []models.FieldError {
	err := c.v.Struct(in)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return []models.FieldError{{Field: "body", Message: err.Error()}}
	}
	out := make([]models.FieldError, 0, len(ves))
	for _, fe := range ves {
		out = append(out, models.FieldError{Field: fieldPath(fe), Message: message(fe)})
	}
	return out
}

// fieldPath drops the struct's own name from the namespace: "NewUser.email"
// → "email", "X.items[2].key" → "items[2].key".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		return ns[i+1:]
	}
	return ns
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "notblank":
		return "is required"
	case "email":
		return "must be a plain email address such as ana@example.org"
	case "max":
		return "must be at most " + fe.Param() + " characters"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "slug":
		return "must be 1-80 lower-case letters, digits and single hyphens, such as renegotiating-tasks-goals"
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}
