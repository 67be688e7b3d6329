package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField names one invalid field.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

const problemBase = "https://stagewise.dev/problems/"

// errorKinds is the one table from error kinds to HTTP: status, a stable
// problem code and a title.
var errorKinds = []struct {
	kind   error
	status int
	code   string
	title  string
}{
	{models.ErrMalformed, http.StatusBadRequest, "malformed-request", "Malformed request"},
	{models.ErrUnauthorized, http.StatusUnauthorized, "unauthorized", "Authentication required"},
	{models.ErrForbidden, http.StatusForbidden, "forbidden", "Forbidden"},
	{models.ErrNotFound, http.StatusNotFound, "not-found", "Not found"},
	{models.ErrConflict, http.StatusConflict, "conflict", "Conflict with the current state"},
	{models.ErrPrecondition, http.StatusPreconditionFailed, "precondition-failed", "Precondition failed"},
}

// problemFor converts any error into a problem; unknown errors become a
// 500 that says nothing about internals.
func problemFor(err error) Problem {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		p := Problem{Type: problemBase + "validation-error", Title: "Invalid input", Status: http.StatusUnprocessableEntity,
			Detail: "the request is well-formed but breaks the rules named in errors"}
		if ve.Malformed {
			p = Problem{Type: problemBase + "malformed-request", Title: "Malformed request", Status: http.StatusBadRequest,
				Detail: "the request body could not be read; errors names where"}
		}
		for _, f := range ve.Fields {
			p.Errors = append(p.Errors, ProblemField(f))
		}
		return p
	}
	for _, k := range errorKinds {
		if errors.Is(err, k.kind) {
			return Problem{Type: problemBase + k.code, Title: k.title, Status: k.status, Detail: models.Detail(err)}
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			detail = m
		}
		code := "http-" + http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			code = "not-found"
		case http.StatusMethodNotAllowed:
			code = "method-not-allowed"
		case http.StatusRequestEntityTooLarge:
			code, detail = "payload-too-large", "the request body is larger than this endpoint accepts"
		case http.StatusUnsupportedMediaType:
			code = "unsupported-media-type"
		}
		if he.Code >= 500 {
			return internalProblem()
		}
		return Problem{Type: problemBase + code, Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	}
	return internalProblem()
}

func internalProblem() Problem {
	return Problem{Type: problemBase + "internal-error", Title: "Internal server error", Status: http.StatusInternalServerError,
		Detail: "the server failed to handle this request; quote the request id when reporting it"}
}

// errorHandler is Echo's one HTTPErrorHandler: it writes problem+json.
// It logs nothing: edge logs each request once, with its error.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away; nobody reads this answer and it is not our failure.
		c.Response().WriteHeader(499)
		return
	}
	p := problemFor(err)
	p.Instance = c.Request().URL.Path
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = jsonEncode(c.Response(), p)
}
