package api

import (
	"encoding/base64"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// Query parameters are request input like bodies, with the same one home:
// a route that reads any declares a query type (route.query), a struct
// whose fields name their parameter (`query`), say what it is (`doc`,
// `default`) and carry validate tags (validate.go). Before the handler
// runs, the route binds the request's query into a new value of that type:
// a value that is not a number is 422 naming the parameter, and then the
// validator checks the tags, all in one answer. The handler reads the
// bound value (queryOf); the OpenAPI reflector documents each field as a
// parameter from the same tags (queryParameters in openapi.go), so the
// document and the check cannot drift (TestValidateTagsMatchDocument).
// Query types may embed others (a list's pageQuery). A parameter that is
// empty (?limit=) counts as absent; a parameter the type does not name is
// ignored, as HTTP caches and proxies expect.

// pageQuery is the paging of every list.
type pageQuery struct {
	Cursor string `query:"cursor" validate:"omitempty,cursor" doc:"the next_cursor of the previous page"`
	Limit  *int   `query:"limit" validate:"omitnil,min=1,max=200" doc:"page size" default:"50"`
}

// page is the page asked for (Cursor decoded: the tag has checked it).
func (q *pageQuery) page() models.Page {
	p := models.Page{Limit: 50}
	if q.Limit != nil {
		p.Limit = *q.Limit
	}
	if q.Cursor != "" {
		p.Cursor, _ = decodeCursor(q.Cursor)
	}
	return p
}

// pager is every query type that embeds pageQuery.
type pager interface{ page() models.Page }

func cursorOf(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(n, 10)))
}

// cursorPattern is what the document says of a cursor: base64url.
const cursorPattern = `^[A-Za-z0-9_-]+$`

// decodeCursor reads a cursor made by cursorOf.
func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "c1:") {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[3:]), 10, 64)
	return n, err == nil && n >= 0
}

// diffQuery: GET …/versions/{n}/diff.
type diffQuery struct {
	From int `query:"from" validate:"required,min=1" doc:"the version number to compare with"`
}

// exportQuery: GET …/versions/{n}/export.
type exportQuery struct {
	Format string `query:"format" validate:"omitempty,oneof=json dot mermaid svg" doc:"json, dot, mermaid or svg" default:"json"`
}

// auditQuery: GET /audit.
type auditQuery struct {
	After *int64 `query:"after" validate:"omitnil,min=0" doc:"list entries with seq greater than this"`
	Limit *int   `query:"limit" validate:"omitnil,min=1,max=200" doc:"page size" default:"100"`
}

// comparisonQuery: GET /comparisons/{id}.
type comparisonQuery struct {
	Format string `query:"format" validate:"omitempty,oneof=json csv validation.csv svg index.svg" doc:"json, csv (one row per session), validation.csv (one row per validation test), svg, or index.svg (the sequence index plot)" default:"json"`
}

// resultsQuery: GET /rounds/{id}/results.
type resultsQuery struct {
	Format string `query:"format" validate:"omitempty,oneof=json csv" doc:"json or csv (one row per item)" default:"json"`
}

// csvFormat is ?format of a dataset list that is also an export.
type csvFormat struct {
	Format string `query:"format" validate:"omitempty,oneof=json csv" doc:"json (paginated) or csv (the whole export, in the import format)" default:"json"`
}

func (q *csvFormat) csv() bool { return q.Format == "csv" }

// exportListQuery: GET /datasets/{id}/sessions.
type exportListQuery struct {
	csvFormat
	pageQuery
}

// eventsQuery: GET /datasets/{id}/events.
type eventsQuery struct {
	csvFormat
	Coder string `query:"coder" doc:"only this coder's events"`
	Case  string `query:"case" doc:"only this case's events"`
	pageQuery
}

// codersQuery: the two coders a comparison of coding is about.
type codersQuery struct {
	Coders string `query:"coders" validate:"required" doc:"two coder names separated by a comma, such as ana,ben"`
}

// pair is the two names (the workflow checks that there are two, and who).
func (q *codersQuery) pair() []string {
	var coders []string
	for _, x := range strings.Split(q.Coders, ",") {
		coders = append(coders, strings.TrimSpace(x))
	}
	return coders
}

// queryKey is where the route keeps the bound query for the handler.
const queryKey = "stagewise.query"

// queryOf is the request's bound query, of the type its route declares.
func queryOf[T any](c echo.Context) *T { return c.Get(queryKey).(*T) }

// bindQuery parses the request's query into a new value of t's type and
// validates it; every bad parameter is named in one error.
func bindQuery(c echo.Context, t reflect.Type) (any, error) {
	v := reflect.New(t)
	var errs []models.FieldError
	parseQuery(c, v.Elem(), &errs)
	unparsed := len(errs)
	for _, fe := range fieldErrors(validate.Struct(v.Interface())) {
		fe.Field = fe.Field[strings.LastIndexByte(fe.Field, '.')+1:] // the parameter's name, without embedded types
		if !slices.ContainsFunc(errs[:unparsed], func(p models.FieldError) bool { return p.Field == fe.Field }) {
			errs = append(errs, fe)
		}
	}
	if err := models.Invalid(errs); err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

func parseQuery(c echo.Context, v reflect.Value, errs *[]models.FieldError) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			parseQuery(c, v.Field(i), errs)
			continue
		}
		name := f.Tag.Get("query")
		raw := c.QueryParam(name)
		if raw == "" {
			continue
		}
		val := reflect.New(f.Type).Elem() // set on the field only when it parses
		dst := val
		if dst.Kind() == reflect.Pointer {
			dst.Set(reflect.New(f.Type.Elem()))
			dst = dst.Elem()
		}
		switch dst.Kind() {
		case reflect.String:
			dst.SetString(raw)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || dst.OverflowInt(n) {
				*errs = append(*errs, models.FieldError{Field: name, Message: "must be an integer"})
				continue
			}
			dst.SetInt(n)
		default:
			panic("query field " + f.Name + ": teach parseQuery its kind " + dst.Kind().String())
		}
		v.Field(i).Set(val)
	}
}
