package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/comparisons"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/diagram"
)

type comparisonParamsDTO struct {
	SupportThreshold *float64 `json:"support_threshold" validate:"omitnil,gt=0,lte=1" default:"0.5" doc:"a stage or transition is supported when its share of units reaches it"`
	Unit             *string  `json:"unit" validate:"omitnil,oneof=session case" default:"session" doc:"the unit of support"`
	Lag              *int     `json:"lag" validate:"omitnil,min=1,max=5" default:"1" doc:"lag of the lag-sequential table"`
	AllowRepeats     *bool    `json:"allow_repeats" default:"false" doc:"keep consecutive repeats in the lag table, and list observed self-pairs among the transitions"`
	Unmapped         *string  `json:"unmapped" validate:"omitnil,oneof=deviation ignore" default:"deviation" doc:"what an event whose code indicates no stage does to the alignment"`
	Outcome          *string  `json:"outcome" validate:"omitnil,oneof=resolution_stage reported" default:"resolution_stage" doc:"report.validation's resolved sessions: ending in a resolution stage, or the session report's resolution rating at or above outcome_min"`
	OutcomeMin       *int     `json:"outcome_min" validate:"omitnil,min=1,max=5" doc:"outcome reported only: the lowest resolution rating that counts as resolved; default 4"`
	OutcomeRater     *string  `json:"outcome_rater" validate:"omitnil,oneof=patient therapist" doc:"outcome reported only: whose rating; default patient"`
}

func (comparisonParamsDTO) openAPIName() string { return "ComparisonParams" }

type comparisonRequest struct {
	Model     string              `json:"model" validate:"required" doc:"the model's slug"`
	Version   int                 `json:"version" validate:"required,min=1" doc:"the version number"`
	Dataset   int64               `json:"dataset" validate:"required,min=1" doc:"the dataset id"`
	Sessions  string              `json:"sessions" validate:"omitempty,oneof=selected all" default:"selected" doc:"selected: the dataset's latest stored selection (none stored: 422)"`
	Coder     string              `json:"coder" default:"consensus" doc:"whose events are used; a session without them is left out and counted"`
	CompareTo *int                `json:"compare_to" validate:"omitnil,min=1" doc:"another version of the same model, compared on the same sessions and parameters: report.baseline"`
	Params    comparisonParamsDTO `json:"params"`
}

func (comparisonRequest) openAPIName() string { return "Comparison" }

// comparisonParts are the pieces of {id, created_at, inputs, report}
// around the stored documents, which are written as they are, never
// decoded or re-encoded (a report of 100,000 sessions is tens of
// megabytes).
func comparisonParts(c models.Comparison) [][]byte {
	head := []byte(`{"id":`)
	head = strconv.AppendInt(head, c.ID, 10)
	head = append(head, `,"created_at":"`...)
	head = c.CreatedAt.UTC().AppendFormat(head, time.RFC3339Nano)
	head = append(head, `","inputs":`...)
	head = append(head, c.Inputs...)
	head = append(head, `,"report":`...)
	return [][]byte{head, c.Report, []byte("}\n")}
}

// writeComparison streams the parts; a conditional GET gets a strong ETag
// over all of them (a 201 does not: nobody compares it, and hashing tens
// of megabytes for it would cost a tenth of a second).
func writeComparison(c echo.Context, status int, cmp models.Comparison, conditional bool) error {
	parts := comparisonParts(cmp)
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	res := c.Response()
	if conditional {
		h := sha256.New()
		for _, p := range parts {
			h.Write(p)
		}
		etag := `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
		res.Header().Set("ETag", etag)
		if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag, true) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	res.Header().Set(echo.HeaderContentLength, strconv.Itoa(n))
	res.WriteHeader(status)
	for _, p := range parts {
		if _, err := res.Write(p); err != nil {
			return nil // the client went away; nothing to tell it
		}
	}
	return nil
}

type synthesisParamsDTO struct {
	SupportThreshold    *float64 `json:"support_threshold" validate:"omitnil,gt=0,lte=1" doc:"decides supported (default: the comparison's)"`
	MinAdjustedResidual *float64 `json:"min_adjusted_residual" doc:"also require an added transition's lag-1 adjusted residual to reach this (e.g. 1.96); default off"`
	AddObserved         *bool    `json:"add_observed" default:"true" doc:"add supported observed transitions the model does not allow, as alternative"`
	DemoteUnsupported   *bool    `json:"demote_unsupported" default:"true" doc:"turn unsupported hypothesized transitions into alternative"`
	OptionalUnsupported *bool    `json:"optional_unsupported" default:"true" doc:"mark unsupported stages optional"`
	ClusterReversals    *bool    `json:"cluster_reversals" default:"true" doc:"put two process stages observed with support in both orders into one cluster"`
	MakeUnordered       *bool    `json:"make_unordered" default:"true" doc:"group process stages observed in both orders (order-free) into one any-order cluster"`
	MinCooccur          *int     `json:"min_cooccur" validate:"omitnil,min=1" default:"3" doc:"sessions in which both stages of a pair must occur for make_unordered"`
	MinReversalShare    *float64 `json:"min_reversal_share" validate:"omitnil,gt=0,lte=0.5" default:"0.25" doc:"share of co-occurring sessions each order must hold for make_unordered"`
	ProposeStages       *bool    `json:"propose_stages" default:"true" doc:"note frequent unmapped codes as propose_stage entries (not applied)"`
	MinUnmappedShare    *float64 `json:"min_unmapped_share" validate:"omitnil,gt=0,lte=1" default:"0.25" doc:"share of sessions an unmapped code must occur in for propose_stage"`
}

type synthesisRequest struct {
	Params synthesisParamsDTO `json:"params"`
	Notes  *string            `json:"notes" doc:"text put before the generated notes of the new version"`
}

func (synthesisRequest) openAPIName() string { return "Synthesis" }

type comparisonSummaryWire struct {
	ID        int64           `json:"id"`
	CreatedAt time.Time       `json:"created_at"`
	Inputs    json.RawMessage `json:"inputs"`
	Summary   json.RawMessage `json:"summary"`
}

func (s *server) comparisonRoutes() []route {
	const tag = "comparisons"
	return []route{
		{method: http.MethodPost, path: "/api/v1/comparisons", summary: "Compare a model version with coded sessions and store the report", tag: tag, auth: true,
			h: s.createComparison, req: comparisonRequest{}, resp: comparisonWire{}, status: 201, errs: []int{403, 404}},
		{method: http.MethodGet, path: "/api/v1/comparisons", summary: "List comparisons (summaries)", tag: tag, auth: true,
			h: s.listComparisons, resp: list[comparisonListItemWire]{}, status: 200, errs: []int{403, 422},
			query: pageQuery{}},
		{method: http.MethodPost, path: "/api/v1/comparisons/{id}/synthesis", summary: "Draft a rational_empirical version from a comparison: every change cites its evidence (the model's PI or an admin)", tag: tag, auth: true,
			h: s.synthesize, req: synthesisRequest{}, optionalBody: true, resp: versionResponse{}, etag: true, status: 201, errs: []int{403, 404, 409}},
		{method: http.MethodGet, path: "/api/v1/comparisons/{id}", summary: "One comparison: JSON, per-session CSV, the validation table as CSV, or an SVG of the model with observed support on its edges", tag: tag, auth: true,
			h: s.getComparison, resp: comparisonWire{}, etag: true, status: 200, raw: []string{"text/csv", "image/svg+xml"}, errs: []int{304, 403, 404, 422},
			query: comparisonQuery{}},
	}
}

func (s *server) createComparison(c echo.Context, u models.User) error {
	var req comparisonRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	cmp, err := s.Service.Comparisons.CreateComparison(c.Request().Context(), u, comparisons.ComparisonInput{
		Model: req.Model, Version: req.Version, Dataset: req.Dataset, Sessions: req.Sessions, Coder: req.Coder,
		SupportThreshold: req.Params.SupportThreshold, Unit: req.Params.Unit, Lag: req.Params.Lag, AllowRepeats: req.Params.AllowRepeats,
		Unmapped: req.Params.Unmapped, Outcome: req.Params.Outcome, OutcomeMin: req.Params.OutcomeMin, OutcomeRater: req.Params.OutcomeRater,
		CompareTo: req.CompareTo,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/comparisons/"+strconv.FormatInt(cmp.ID, 10))
	return writeComparison(c, http.StatusCreated, cmp, false)
}

func (s *server) listComparisons(c echo.Context, u models.User) error {
	p := pageOf(c)
	cs, err := s.Service.Comparisons.ListComparisons(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(cs, p, func(x models.Comparison) comparisonSummaryWire {
		return comparisonSummaryWire{ID: x.ID, CreatedAt: x.CreatedAt, Inputs: x.Inputs, Summary: x.Summary}
	}, func(x models.Comparison) int64 { return x.ID }))
}

func (s *server) getComparison(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "comparison")
	if err != nil {
		return err
	}
	cmp, err := s.Service.Comparisons.Comparison(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	switch queryOf[comparisonQuery](c).Format {
	case "", "json":
		return writeComparison(c, http.StatusOK, cmp, true)
	case "csv":
		rep, err := comparisons.ComparisonReport(cmp)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := conformance.WriteSequencesCSV(&buf, rep); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="comparison-`+c.Param("id")+`-sessions.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	case "validation.csv":
		rep, err := comparisons.ComparisonReport(cmp)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := conformance.WriteValidationCSV(&buf, rep); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="comparison-`+c.Param("id")+`-validation.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	case "svg":
		rep, err := comparisons.ComparisonReport(cmp)
		if err != nil {
			return err
		}
		v, err := s.Service.Versions.Version(c.Request().Context(), u, cmp.ModelSlug, cmp.VersionNumber)
		if err != nil {
			return err
		}
		ov := &diagram.Overlay{Unit: rep.Params.Unit}
		for _, t := range rep.Transitions {
			if t.Count == 0 && !t.InModel {
				continue
			}
			sup := 0.0
			if t.Support != nil {
				sup = *t.Support
			}
			ov.Edges = append(ov.Edges, diagram.EdgeStat{From: t.From, To: t.To, Support: sup, Count: t.Count, InModel: t.InModel})
		}
		title := cmp.ModelSlug + " v" + strconv.Itoa(cmp.VersionNumber) + " vs dataset " + strconv.FormatInt(cmp.DatasetID, 10) + " (comparison " + c.Param("id") + ")"
		svg, err := s.Renderer.SVG(c.Request().Context(), diagram.DOT(title, v.Content, ov))
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/svg+xml", svg)
	default: // index.svg; the query's tag admits no other
		rep, err := comparisons.ComparisonReport(cmp)
		if err != nil {
			return err
		}
		plot := diagram.IndexPlot{Title: cmp.ModelSlug + " v" + strconv.Itoa(cmp.VersionNumber) + " on dataset " + strconv.FormatInt(cmp.DatasetID, 10) + " (comparison " + c.Param("id") + ")"}
		// The legend names the stages when the caller may read the
		// version; a dataset-team member who may not (a draft) gets the
		// stage keys the report already holds, in model order.
		v, err := s.Service.Versions.Version(c.Request().Context(), u, cmp.ModelSlug, cmp.VersionNumber)
		switch {
		case err == nil:
			for _, st := range v.Content.Stages {
				plot.Stages = append(plot.Stages, diagram.IndexStage{Key: st.Key, Name: st.Name})
			}
		case errors.Is(err, models.ErrNotFound):
			for _, st := range rep.Stages {
				plot.Stages = append(plot.Stages, diagram.IndexStage{Key: st.Key, Name: st.Key})
			}
		default:
			return err
		}
		for _, row := range rep.Sequences {
			plot.Rows = append(plot.Rows, diagram.IndexRow{Label: row.Case + " s" + strconv.Itoa(row.Session), Stages: row.Stages})
		}
		return c.Blob(http.StatusOK, "image/svg+xml", diagram.IndexSVG(plot))
	}
}

func (s *server) synthesize(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "comparison")
	if err != nil {
		return err
	}
	var req synthesisRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	v, err := s.Service.Comparisons.Synthesize(c.Request().Context(), u, id, comparisons.SynthesisInput{
		SupportThreshold: req.Params.SupportThreshold, MinAdjustedResidual: req.Params.MinAdjustedResidual,
		AddObserved: req.Params.AddObserved, DemoteUnsupported: req.Params.DemoteUnsupported,
		OptionalUnsupported: req.Params.OptionalUnsupported, ClusterReversals: req.Params.ClusterReversals, Notes: req.Notes,
		MakeUnordered: req.Params.MakeUnordered, MinCooccur: req.Params.MinCooccur, MinReversalShare: req.Params.MinReversalShare,
		ProposeStages: req.Params.ProposeStages, MinUnmappedShare: req.Params.MinUnmappedShare,
	})
	if err != nil {
		return err
	}
	return respondVersion(c, http.StatusCreated, v)
}
