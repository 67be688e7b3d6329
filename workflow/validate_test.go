package workflow

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

func TestCheckerNamesEveryField(t *testing.T) {
	c := newChecker()
	got := c.check(NewModel{Slug: "Not A Slug", Title: "   ", Marker: strings.Repeat("é", 2001), Resolution: "r"})
	want := []models.FieldError{
		{Field: "slug", Message: "must be 1-80 lower-case letters, digits and single hyphens, such as renegotiating-tasks-goals"},
		{Field: "title", Message: "is required"},
		{Field: "marker", Message: "must be at most 2000 characters"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	got = c.check(NewUser{Name: "Ana", Email: "ana at example", Role: "boss"})
	want = []models.FieldError{
		{Field: "email", Message: "must be a plain email address such as ana@example.org"},
		{Field: "role", Message: "must be one of admin, pi, panelist, coder, client"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if errs := c.check(NewUser{Name: "Ana", Email: "ana@example.org", Role: models.RolePI}); errs != nil {
		t.Errorf("a valid user: %v", errs)
	}
}
