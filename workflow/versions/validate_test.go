package versions

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

func TestCheckerNamesEveryField(t *testing.T) {
	c := New(core.New(nil, nil), nil).check
	got := c.Check(NewModel{Slug: "Not A Slug", Title: "   ", Marker: strings.Repeat("é", 2001), Resolution: "r"})
	want := []models.FieldError{
		{Field: "slug", Message: "must be 1-80 lower-case letters, digits and single hyphens, such as renegotiating-tasks-goals"},
		{Field: "title", Message: "is required"},
		{Field: "marker", Message: "must be at most 2000 characters"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
