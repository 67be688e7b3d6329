package users

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

func TestCheckerNamesEveryField(t *testing.T) {
	c := core.NewChecker()
	got := c.Check(NewUser{Name: "Ana", Email: "ana at example", Role: "boss"})
	want := []models.FieldError{
		{Field: "email", Message: "must be a plain email address such as ana@example.org"},
		{Field: "role", Message: "must be one of admin, pi, panelist, coder, client"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if errs := c.Check(NewUser{Name: "Ana", Email: "ana@example.org", Role: models.RolePI}); errs != nil {
		t.Errorf("a valid user: %v", errs)
	}
}
