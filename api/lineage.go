package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/versions"
)

type lineageVersionResponse struct {
	Number        int           `json:"number"`
	Kind          string        `json:"kind" enum:"rational,rational_empirical"`
	Status        string        `json:"status" enum:"draft,in_review,approved,rejected,retired"`
	Parent        *int          `json:"parent" doc:"the parent's version number, given even when the caller may not open that version"`
	Provenance    provenanceDTO `json:"provenance"`
	ChangeLogSize int           `json:"change_log_size" doc:"entries in the version's change log"`
	ApprovedAt    *time.Time    `json:"approved_at"`
	ApprovedBy    *string       `json:"approved_by"`
}

type lineageResponse struct {
	Versions []lineageVersionResponse `json:"versions" doc:"the versions the caller may see (the same as the versions list), in number order"`
}

func toLineage(es []versions.LineageEntry) lineageResponse {
	out := lineageResponse{Versions: make([]lineageVersionResponse, 0, len(es))}
	for _, e := range es {
		prov := provenanceDTO{Rounds: e.Provenance.Rounds, Comparison: e.Provenance.Comparison}
		if prov.Rounds == nil {
			prov.Rounds = []int64{}
		}
		out.Versions = append(out.Versions, lineageVersionResponse{Number: e.Number, Kind: string(e.Kind), Status: string(e.Status),
			Parent: e.Parent, Provenance: prov, ChangeLogSize: e.ChangeLogSize, ApprovedAt: e.ApprovedAt, ApprovedBy: e.ApprovedBy})
	}
	return out
}

func (s *server) lineageRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/models/{slug}/lineage", summary: "The versions the caller may see, each with its parent, provenance, change-log size and approval", tag: "models and versions", auth: true,
			h: s.lineage, resp: lineageResponse{}, status: 200, errs: []int{404}},
	}
}

func (s *server) lineage(c echo.Context, u models.User) error {
	es, err := s.Service.Versions.Lineage(c.Request().Context(), u, c.Param("slug"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toLineage(es))
}
