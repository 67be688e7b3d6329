package datasets

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/dataset"
)

// Store is the persistence of coded cases.
type Store interface {
	core.Store
	MemberStore

	UsersByIDs(ctx context.Context, ids []int64) ([]models.User, error)

	CreateDataset(ctx context.Context, d *models.Dataset) error
	DatasetByID(ctx context.Context, id int64) (models.Dataset, error)
	DatasetByName(ctx context.Context, name string) (models.Dataset, error)
	ListDatasets(ctx context.Context, p models.Page) ([]models.Dataset, error)
	LockDataset(ctx context.Context, id int64, now time.Time) error
	DatasetStats(ctx context.Context, id int64) (models.DatasetStats, error)

	ImportSessions(ctx context.Context, datasetID int64, rows func(emit func(models.SessionReport) error) error) (models.ImportCounts, error)
	ImportEvents(ctx context.Context, datasetID int64, rows func(emit func(models.Event) error) error) (models.ImportCounts, error)
	UpsertCases(ctx context.Context, datasetID int64, cs []models.Case) (int, error)

	ListCases(ctx context.Context, datasetID int64, p models.Page) ([]models.Case, error)
	ListSessions(ctx context.Context, datasetID int64, p models.Page) ([]models.Session, error)
	AllSessions(ctx context.Context, datasetID int64) ([]models.Session, error)
	ListEvents(ctx context.Context, datasetID int64, f models.EventFilter, p models.Page) ([]models.Event, error)
	EachEvent(ctx context.Context, datasetID int64, f models.EventFilter, fn func(models.Event) error) error
	CoderHasEvents(ctx context.Context, datasetID int64, coder string) (bool, error)
	EachCodedUnit(ctx context.Context, datasetID int64, a, b string, fn func(models.CodedUnit) error) error

	// EachSessionCodes streams every session of the dataset that has events
	// by coder (restricted to only when only != nil), one at a time, with
	// its codes ordered as domain.md says: by onset when every event of that
	// session and coder has one, otherwise by segment; ties keep the input
	// order. Sessions come in no promised order. It returns the keys of only
	// (of every session of the dataset when only is nil) that have no events
	// by that coder.
	EachSessionCodes(ctx context.Context, datasetID int64, coder string, only []models.SessionKey, fn func(models.SessionCodes) error) (missing []models.SessionKey, err error)

	CreateSelection(ctx context.Context, sel *models.Selection) error
	// LatestSelection is ErrNotFound when none is stored.
	LatestSelection(ctx context.Context, datasetID int64) (models.Selection, error)
}

// DemoDatasetName names the demonstration dataset; seeding skips when a
// dataset of that name exists.
const DemoDatasetName = "Demo: CBT rupture repair"

// Limits of datasets.
const (
	maxDatasetName = 200
)

// canReadDatasets: only admins, PIs and coders work with datasets; which
// datasets is a matter of their teams (see DatasetAccess).
func canReadDatasets(actor models.User) error {
	switch actor.Role {
	case models.RoleAdmin, models.RolePI, models.RoleCoder:
		return nil
	}
	return models.Errf(models.ErrForbidden, "only admins, PIs and coders work with datasets")
}

// NewDataset is the input of CreateDataset: either Builtin names a built-in
// codebook ("3rs-2015") or Codebook lists a custom one. ReverseKeyed nil
// means the WAI-12 default (items 4 and 10); an empty slice reverses none.
type NewDataset struct {
	Name         string
	Builtin      string
	Codebook     []models.Code
	ReverseKeyed []int
}

// CreateDataset creates a dataset owned by actor (a PI or an admin), who
// becomes the first PI of its team. Coders join a team; they create none.
func (s *Service) CreateDataset(ctx context.Context, actor models.User, in NewDataset) (models.Dataset, error) {
	if actor.Role != models.RoleAdmin && actor.Role != models.RolePI {
		return models.Dataset{}, models.Errf(models.ErrForbidden, "only PIs and admins create datasets; a coder joins a dataset's team")
	}
	var errs []models.FieldError
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		errs = append(errs, models.FieldError{Field: "name", Message: "is required"})
	case utf8.RuneCountInString(name) > maxDatasetName:
		errs = append(errs, models.FieldError{Field: "name", Message: fmt.Sprintf("must be at most %d characters", maxDatasetName)})
	}
	d := models.Dataset{Name: name, OwnerID: actor.ID, OwnerName: actor.Name}
	switch {
	case in.Builtin != "":
		if in.Builtin != models.CodebookBuiltin3RS2015 {
			errs = append(errs, models.FieldError{Field: "codebook", Message: fmt.Sprintf("unknown built-in codebook %q: use %q or a list of {code, family, label}", in.Builtin, models.CodebookBuiltin3RS2015)})
		}
		d.CodebookName = models.CodebookBuiltin3RS2015
		for _, c := range dataset.Codebook3RS2015() {
			d.Codebook = append(d.Codebook, models.Code(c))
		}
	default:
		d.CodebookName = models.CodebookCustom
		cs := make([]dataset.Code, len(in.Codebook))
		for i, c := range in.Codebook {
			cs[i] = dataset.Code(c)
		}
		for _, fe := range dataset.ValidateCodebook(cs) {
			errs = append(errs, models.FieldError(fe))
		}
		d.Codebook = in.Codebook
	}
	d.ReverseKeyed = in.ReverseKeyed
	if d.ReverseKeyed == nil {
		d.ReverseKeyed = dataset.DefaultReverseKeyed()
	}
	for _, fe := range dataset.ValidateReverseKeyed(d.ReverseKeyed) {
		errs = append(errs, models.FieldError(fe))
	}
	if err := models.Invalid(errs); err != nil {
		return models.Dataset{}, err
	}
	d.ReverseKeyed = slices.Clone(d.ReverseKeyed)
	slices.Sort(d.ReverseKeyed)
	now := s.core.Now()
	d.CreatedAt, d.UpdatedAt = now, now
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateDataset(ctx, &d); err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "dataset.create", "dataset", core.Itoa(d.ID), d.CodebookName)
	})
	return d, err
}

// DatasetInfo is a dataset with what it holds, as one reader sees it:
// Stats counts only a blind coder's own events; Members is the team, set
// for team PIs (and admins) only; Access is what the reader may do.
type DatasetInfo struct {
	models.Dataset
	Stats   models.DatasetStats
	Access  DatasetAccess
	Members []models.DatasetMember
}

// Dataset returns a dataset with its counts (and its team, for a team PI).
// Someone not on its team gets ErrNotFound.
func (s *Service) Dataset(ctx context.Context, actor models.User, id int64) (DatasetInfo, error) {
	d, acc, err := s.DatasetFor(ctx, actor, id)
	if err != nil {
		return DatasetInfo{}, err
	}
	return s.datasetInfo(ctx, d, acc)
}

// ListDatasets lists, in creation order, the datasets whose team holds
// actor (every dataset for an admin), with their counts.
func (s *Service) ListDatasets(ctx context.Context, actor models.User, p models.Page) ([]DatasetInfo, error) {
	if err := canReadDatasets(actor); err != nil {
		return nil, err
	}
	var ds []models.Dataset
	var err error
	if actor.Role == models.RoleAdmin {
		ds, err = s.store.ListDatasets(ctx, p)
	} else {
		ds, err = s.store.ListMemberDatasets(ctx, actor.ID, p)
	}
	if err != nil {
		return nil, err
	}
	out := make([]DatasetInfo, 0, len(ds))
	for _, d := range ds {
		acc, err := s.DatasetAccess(ctx, actor, d)
		if err != nil {
			return nil, err
		}
		if !acc.Member {
			continue
		}
		info, err := s.datasetInfo(ctx, d, acc)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// readDataset loads a dataset actor is on the team of.
func (s *Service) readDataset(ctx context.Context, actor models.User, id int64) (models.Dataset, DatasetAccess, error) {
	return s.DatasetFor(ctx, actor, id)
}

// Who may change a dataset through changeDataset.
const (
	teamPIs     = false
	teamMembers = true
)

// changeDataset runs fn in a write transaction on a dataset actor is on
// the team of, with the dataset's row locked: a non-member gets
// ErrNotFound, a coder member ErrForbidden unless coders is teamMembers.
func (s *Service) changeDataset(ctx context.Context, actor models.User, id int64, coders bool, what string, fn func(ctx context.Context, d models.Dataset, acc DatasetAccess) error) error {
	if err := canReadDatasets(actor); err != nil {
		return err
	}
	return s.core.InTx(ctx, func(ctx context.Context) error {
		d, acc, err := s.DatasetFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if !coders {
			if err := needTeamPI(acc, what); err != nil {
				return err
			}
		}
		if err := s.store.LockDataset(ctx, id, s.core.Now()); err != nil {
			return err
		}
		return fn(ctx, d, acc)
	})
}

// Import formats: the problems of a rejected import are named by the line
// of the CSV file ("line[5].wai3", "line[5]" for the whole row) or by the
// index of the JSON row ("rows[3].wai3", "rows[3]").
const (
	formatCSV  = "csv"
	formatJSON = "json"
)

// countingReader counts the bytes read, to tell an empty body from a file
// of blank lines.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importProblems turns a parser's ImportError into a ValidationError with
// one field per problem (see formatCSV, formatJSON); other errors pass.
func importProblems(err error, format string) error {
	var ie *dataset.ImportError
	if !errors.As(err, &ie) {
		return err
	}
	fields := make([]models.FieldError, 0, len(ie.Problems)+1)
	for _, p := range ie.Problems {
		var field string
		if format == formatJSON {
			switch {
			case p.Row < 2:
				field = "rows"
			case p.Column == "":
				field = fmt.Sprintf("rows[%d]", p.Row-2)
			default:
				field = fmt.Sprintf("rows[%d].%s", p.Row-2, p.Column)
			}
			if p.Message == "no data rows" {
				p.Message = "must hold at least one row"
			}
			// The JSON rows were written as CSV; say which row, not which line.
			p.Message = lineRe(p.Message)
		} else {
			field = fmt.Sprintf("line[%d]", p.Row)
			if p.Column != "" {
				field += "." + p.Column
			}
		}
		fields = append(fields, models.FieldError{Field: field, Message: p.Message})
	}
	if ie.Truncated {
		top := "csv"
		if format == formatJSON {
			top = "rows"
		}
		fields = append(fields, models.FieldError{Field: top, Message: fmt.Sprintf("has more problems; only the first %d are listed", dataset.MaxProblems)})
	}
	return &models.ValidationError{Fields: fields, Malformed: ie.Malformed()}
}

// lineRe rewrites "duplicate of line N" (a CSV line of the JSON rows
// written as CSV) as "duplicate of rows[N-2]".
func lineRe(msg string) string {
	const prefix = "duplicate of line "
	if !strings.HasPrefix(msg, prefix) {
		return msg
	}
	rest := msg[len(prefix):]
	i := strings.IndexByte(rest, ' ')
	if i < 0 {
		i = len(rest)
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil {
		return msg
	}
	return fmt.Sprintf("duplicate of rows[%d]%s", n-2, rest[i:])
}

// ImportSessions imports a sessions CSV file (api.md: case, session, rater,
// wai1…wai12, rupture and the optional intensity and resolution; see
// dataset.ParseSessions for every rule) into dataset id, all or nothing.
//
// Re-import policy: a report replaces the stored report of the same (case,
// session, rater); reports of other sessions and raters stay. Importing the
// same file twice therefore leaves the dataset as after the first import.
// Cases and sessions that do not exist yet are created. A file with any bad
// row stores nothing: the error is a ValidationError naming every problem
// (up to 100) as "line[N].column", N the line in the file. An empty body is
// ErrMalformed.
func (s *Service) ImportSessions(ctx context.Context, actor models.User, id int64, r io.Reader) (models.ImportCounts, error) {
	return s.importSessions(ctx, actor, id, r, formatCSV)
}

func (s *Service) importSessions(ctx context.Context, actor models.User, id int64, r io.Reader, format string) (models.ImportCounts, error) {
	var counts models.ImportCounts
	err := s.changeDataset(ctx, actor, id, teamPIs, "import session reports", func(ctx context.Context, d models.Dataset, _ DatasetAccess) error {
		cr := &countingReader{r: r}
		var perr error
		c, err := s.store.ImportSessions(ctx, id, func(emit func(models.SessionReport) error) error {
			_, perr = dataset.ParseSessions(cr, func(row dataset.SessionRow) error {
				return emit(models.SessionReport{Case: row.Case, Session: row.Session, Rater: row.Rater, WAI: row.WAI,
					Rupture: row.Rupture, Intensity: row.Intensity, Resolution: row.Resolution})
			})
			return perr
		})
		if err != nil {
			if cr.n == 0 && perr != nil && format == formatCSV {
				return models.Errf(models.ErrMalformed, "the request body is empty; send a CSV file with a header row")
			}
			return importProblems(err, format)
		}
		counts = c
		return s.core.Audit(ctx, actor, "dataset.import_sessions", "dataset", core.Itoa(id), importDetail(c))
	})
	return counts, err
}

func importDetail(c models.ImportCounts) string {
	return fmt.Sprintf("imported=%d replaced=%d cases_created=%d sessions_created=%d", c.Imported, c.Replaced, c.CasesCreated, c.SessionsCreated)
}

// ImportEvents imports an events CSV file (api.md: case, session, coder,
// segment, code and the optional onset and salience; see
// dataset.ParseEvents for every rule; codes must be in the dataset's
// codebook) into dataset id, all or nothing.
//
// Re-import policy: the events in the file replace every stored event of
// each (case, session, coder) that occurs in the file; events of other
// sessions or coders stay. Importing the same file twice therefore leaves
// the dataset as after the first import. Each event keeps its line in the
// file as its input order (seq). Cases and sessions that do not exist yet
// are created. Rejections are as for ImportSessions.
func (s *Service) ImportEvents(ctx context.Context, actor models.User, id int64, r io.Reader) (models.ImportCounts, error) {
	return s.importEvents(ctx, actor, id, r, formatCSV)
}

func (s *Service) importEvents(ctx context.Context, actor models.User, id int64, r io.Reader, format string) (models.ImportCounts, error) {
	var counts models.ImportCounts
	err := s.changeDataset(ctx, actor, id, teamMembers, "", func(ctx context.Context, d models.Dataset, acc DatasetAccess) error {
		known := make(map[string]bool, len(d.Codebook))
		for _, c := range d.Codebook {
			known[c.Code] = true
		}
		rules := dataset.EventRules{Known: func(code string) bool { return known[code] }}
		if !acc.PI {
			// A coder imports only under their own coder name.
			rules.Coder = acc.Coder
		}
		cr := &countingReader{r: r}
		var perr error
		c, err := s.store.ImportEvents(ctx, id, func(emit func(models.Event) error) error {
			_, perr = dataset.ParseEventsWith(cr, rules, func(row dataset.EventRow) error {
				return emit(models.Event{Case: row.Case, Session: row.Session, Coder: row.Coder, Segment: row.Segment,
					Onset: row.Onset, Code: row.Code, Salience: row.Salience, Seq: int64(row.Line)})
			})
			return perr
		})
		if err != nil {
			if cr.n == 0 && perr != nil && format == formatCSV {
				return models.Errf(models.ErrMalformed, "the request body is empty; send a CSV file with a header row")
			}
			return importProblems(err, format)
		}
		counts = c
		return s.core.Audit(ctx, actor, "dataset.import_events", "dataset", core.Itoa(id), importDetail(c))
	})
	return counts, err
}

// SessionRowInput is one row of a JSON sessions import: the columns of the
// CSV file. Nil numbers are missing values.
type SessionRowInput struct {
	Case       string
	Session    *int
	Rater      string
	WAI        [12]*int
	Rupture    *bool
	Intensity  *int
	Resolution *int
}

// EventRowInput is one row of a JSON events import: the columns of the CSV
// file. Nil numbers are missing values.
type EventRowInput struct {
	Case     string
	Session  *int
	Coder    string
	Segment  *int
	Onset    *float64
	Code     string
	Salience *int
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// ImportSessionRows imports JSON rows with exactly the rules (and re-import
// policy) of ImportSessions; problems are named "rows[i].column", i the
// 0-based index of the row.
func (s *Service) ImportSessionRows(ctx context.Context, actor models.User, id int64, rows []SessionRowInput) (models.ImportCounts, error) {
	if _, acc, err := s.readDataset(ctx, actor, id); err != nil {
		return models.ImportCounts{}, err
	} else if err := needTeamPI(acc, "import session reports"); err != nil {
		return models.ImportCounts{}, err
	}
	var blank []models.FieldError
	for i, r := range rows {
		if r.Case == "" && r.Session == nil && r.Rater == "" && r.WAI == [12]*int{} && r.Rupture == nil && r.Intensity == nil && r.Resolution == nil {
			blank = append(blank, models.FieldError{Field: fmt.Sprintf("rows[%d]", i), Message: "is empty"})
		}
	}
	if err := models.Invalid(blank); err != nil {
		return models.ImportCounts{}, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"case", "session", "rater"}
	for i := 1; i <= 12; i++ {
		header = append(header, "wai"+strconv.Itoa(i))
	}
	header = append(header, "rupture", "intensity", "resolution")
	_ = w.Write(header)
	rec := make([]string, len(header))
	for _, r := range rows {
		rec[0], rec[1], rec[2] = r.Case, optInt(r.Session), r.Rater
		for i, x := range r.WAI {
			rec[3+i] = optInt(x)
		}
		rec[15] = ""
		if r.Rupture != nil {
			rec[15] = "0"
			if *r.Rupture {
				rec[15] = "1"
			}
		}
		rec[16], rec[17] = optInt(r.Intensity), optInt(r.Resolution)
		_ = w.Write(rec)
	}
	w.Flush()
	return s.importSessions(ctx, actor, id, &buf, formatJSON)
}

// ImportEventRows imports JSON rows with exactly the rules (and re-import
// policy) of ImportEvents; problems are named "rows[i].column", i the
// 0-based index of the row; the row index orders ties (seq).
func (s *Service) ImportEventRows(ctx context.Context, actor models.User, id int64, rows []EventRowInput) (models.ImportCounts, error) {
	if _, _, err := s.readDataset(ctx, actor, id); err != nil {
		return models.ImportCounts{}, err
	}
	var blank []models.FieldError
	for i, r := range rows {
		if r == (EventRowInput{}) {
			blank = append(blank, models.FieldError{Field: fmt.Sprintf("rows[%d]", i), Message: "is empty"})
		}
	}
	if err := models.Invalid(blank); err != nil {
		return models.ImportCounts{}, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"case", "session", "coder", "segment", "onset", "code", "salience"})
	rec := make([]string, 7)
	for _, r := range rows {
		rec[0], rec[1], rec[2], rec[3] = r.Case, optInt(r.Session), r.Coder, optInt(r.Segment)
		rec[4] = ""
		if r.Onset != nil {
			rec[4] = strconv.FormatFloat(*r.Onset, 'g', -1, 64)
		}
		rec[5], rec[6] = r.Code, optInt(r.Salience)
		_ = w.Write(rec)
	}
	w.Flush()
	return s.importEvents(ctx, actor, id, &buf, formatJSON)
}

// UpsertCases describes cases by label (treatment, therapist, outcome),
// creating those that do not exist. It returns how many it created.
func (s *Service) UpsertCases(ctx context.Context, actor models.User, id int64, cs []models.Case) (int, error) {
	if _, acc, err := s.readDataset(ctx, actor, id); err != nil {
		return 0, err
	} else if err := needTeamPI(acc, "describe its cases"); err != nil {
		return 0, err
	}
	var errs []models.FieldError
	seen := map[string]int{}
	if len(cs) == 0 {
		errs = append(errs, models.FieldError{Field: "rows", Message: "must hold at least one case"})
	}
	for i, c := range cs {
		p := fmt.Sprintf("rows[%d]", i)
		switch label := c.Label; {
		case label == "" || strings.TrimSpace(label) != label:
			errs = append(errs, models.FieldError{Field: p + ".label", Message: "is required, without leading or trailing spaces"})
		case utf8.RuneCountInString(label) > dataset.MaxLabelLen || strings.ContainsAny(label, "\r\n\x00"):
			errs = append(errs, models.FieldError{Field: p + ".label", Message: fmt.Sprintf("must be at most %d characters on one line", dataset.MaxLabelLen)})
		default:
			if j, dup := seen[label]; dup {
				errs = append(errs, models.FieldError{Field: p + ".label", Message: fmt.Sprintf("duplicate of rows[%d].label", j)})
			}
			seen[label] = i
		}
		// treatment, therapist, outcome: at most 2000 characters, the api
		// request's validate tags.
	}
	if err := models.Invalid(errs); err != nil {
		return 0, err
	}
	var created int
	err := s.changeDataset(ctx, actor, id, teamPIs, "describe its cases", func(ctx context.Context, d models.Dataset, _ DatasetAccess) error {
		var err error
		if created, err = s.store.UpsertCases(ctx, id, cs); err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "dataset.cases", "dataset", core.Itoa(id), fmt.Sprintf("cases=%d created=%d", len(cs), created))
	})
	return created, err
}

// ListCases lists a dataset's cases in creation order.
func (s *Service) ListCases(ctx context.Context, actor models.User, id int64, p models.Page) ([]models.Case, error) {
	if _, _, err := s.readDataset(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.ListCases(ctx, id, p)
}

// ScoredReport is a session report with its WAI-12 scoring under the
// dataset's reverse-keyed items.
type ScoredReport struct {
	models.SessionReport
	Score dataset.WAIScore
}

// ScoredSession is a session with its scored reports.
type ScoredSession struct {
	ID      int64
	Case    string
	Number  int
	Reports []ScoredReport
}

func scoreSessions(d models.Dataset, ss []models.Session) []ScoredSession {
	out := make([]ScoredSession, len(ss))
	for i, x := range ss {
		out[i] = ScoredSession{ID: x.ID, Case: x.Case, Number: x.Number, Reports: make([]ScoredReport, len(x.Reports))}
		for j, r := range x.Reports {
			out[i].Reports[j] = ScoredReport{SessionReport: r, Score: dataset.ScoreWAI(r.WAI, d.ReverseKeyed)}
		}
	}
	return out
}

// ListSessions lists a dataset's sessions in creation order, with their
// reports scored.
func (s *Service) ListSessions(ctx context.Context, actor models.User, id int64, p models.Page) ([]ScoredSession, error) {
	d, _, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	ss, err := s.store.ListSessions(ctx, id, p)
	if err != nil {
		return nil, err
	}
	return scoreSessions(d, ss), nil
}

// AllSessions returns every session of a dataset with its reports, in case
// label and session number order (for exports).
func (s *Service) AllSessions(ctx context.Context, actor models.User, id int64) ([]models.Session, error) {
	if _, _, err := s.readDataset(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.AllSessions(ctx, id)
}

// eventFilter applies blind coding to an event listing: a blind coder
// reads only their own events (no coder filter means theirs; another
// coder's name is ErrForbidden).
func eventFilter(acc DatasetAccess, f models.EventFilter) (models.EventFilter, error) {
	if !acc.Blind() {
		return f, nil
	}
	if f.Coder != "" && f.Coder != acc.Coder {
		return f, NeedUnblinded(acc, "another coder's events")
	}
	f.Coder = acc.Coder
	return f, nil
}

// ListEvents lists a dataset's events in import order; a blind coder's
// listing holds only their own events.
func (s *Service) ListEvents(ctx context.Context, actor models.User, id int64, f models.EventFilter, p models.Page) ([]models.Event, error) {
	_, acc, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if f, err = eventFilter(acc, f); err != nil {
		return nil, err
	}
	return s.store.ListEvents(ctx, id, f, p)
}

// EachEvent streams a dataset's events in (case, session, coder, input)
// order, for exports, as ListEvents filters them. The dataset is checked
// before fn is first called, so a caller may start its response in fn.
func (s *Service) EachEvent(ctx context.Context, actor models.User, id int64, f models.EventFilter, fn func(models.Event) error) error {
	_, acc, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return err
	}
	if f, err = eventFilter(acc, f); err != nil {
		return err
	}
	return s.store.EachEvent(ctx, id, f, fn)
}

// sessionInfos turns sessions into what the selection rules read: the WAI
// item means of each rater after reverse keying, and their rupture reports.
func sessionInfos(d models.Dataset, ss []models.Session) []dataset.SessionInfo {
	out := make([]dataset.SessionInfo, 0, len(ss))
	for _, x := range ss {
		info := dataset.SessionInfo{Case: x.Case, Session: x.Number}
		for _, r := range x.Reports {
			m := dataset.ScoreWAI(r.WAI, d.ReverseKeyed).Mean
			switch r.Rater {
			case models.RaterPatient:
				info.PatientMean, info.PatientRupture = &m, r.Rupture
			case models.RaterTherapist:
				info.TherapistMean, info.TherapistRupture = &m, r.Rupture
			}
		}
		out = append(out, info)
	}
	return out
}

// CreateSelection applies a selection rule (dataset.ParseSelection and
// dataset.Select give the rules and parameters; "" is rise_after_rupture)
// to the dataset's sessions and stores the result, which comparisons then
// use by default. The stored parameters have every default filled in.
func (s *Service) CreateSelection(ctx context.Context, actor models.User, id int64, rule string, params map[string]any) (models.Selection, error) {
	if _, acc, err := s.readDataset(ctx, actor, id); err != nil {
		return models.Selection{}, err
	} else if err := needTeamPI(acc, "store a session selection"); err != nil {
		return models.Selection{}, err
	}
	p, ferrs := dataset.ParseSelection(rule, params)
	if len(ferrs) > 0 {
		errs := make([]models.FieldError, len(ferrs))
		for i, fe := range ferrs {
			errs[i] = models.FieldError(fe)
		}
		return models.Selection{}, models.Invalid(errs)
	}
	if rule == "" {
		rule = dataset.DefaultRule
	}
	var sel models.Selection
	err := s.changeDataset(ctx, actor, id, teamPIs, "store a session selection", func(ctx context.Context, d models.Dataset, _ DatasetAccess) error {
		ss, err := s.store.AllSessions(ctx, id)
		if err != nil {
			return err
		}
		picked := dataset.Select(rule, p, sessionInfos(d, ss))
		sel = models.Selection{DatasetID: id, Rule: rule, Params: p.Params(rule), Selected: make([]models.SelectedSession, len(picked)),
			CreatedBy: actor.ID, CreatedAt: s.core.Now()}
		for i, x := range picked {
			sel.Selected[i] = models.SelectedSession(x)
		}
		if err := s.store.CreateSelection(ctx, &sel); err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "dataset.select", "dataset", core.Itoa(id), fmt.Sprintf("selection=%d rule=%s selected=%d", sel.ID, rule, len(picked)))
	})
	return sel, err
}

// LatestSelection returns the dataset's newest stored selection
// (ErrNotFound when none is stored).
func (s *Service) LatestSelection(ctx context.Context, actor models.User, id int64) (models.Selection, error) {
	if _, _, err := s.readDataset(ctx, actor, id); err != nil {
		return models.Selection{}, err
	}
	return s.store.LatestSelection(ctx, id)
}

// SeedDemoDataset adds the demonstration dataset, owned by the demo PI,
// unless a dataset named DemoDatasetName exists: six CBT cases of 14
// sessions, each with patient and therapist WAI-12 and rupture reports,
// generated deterministically so that rise_after_rupture (k = 2) selects
// two sessions per case; the twelve selected sessions coded with 3RS-2015
// by the coder "consensus", four of them double-coded by "coder2" with some
// disagreement; and the selection stored. Everything goes through the same
// rules as user data (the CSV parsers, the selection rule) in one
// transaction.
func (s *Service) SeedDemoDataset(ctx context.Context, pi models.User) error {
	if _, err := s.store.DatasetByName(ctx, DemoDatasetName); err == nil {
		return nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return s.core.InTx(ctx, func(ctx context.Context) error {
		d, err := s.CreateDataset(ctx, pi, NewDataset{Name: DemoDatasetName, Builtin: models.CodebookBuiltin3RS2015})
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(2023, 1629))
		var cases []models.Case
		for i := range demoCases {
			cases = append(cases, models.Case{Label: fmt.Sprintf("P%02d", i+1), Treatment: "CBT",
				Therapist: fmt.Sprintf("T%d", i/2+1), Outcome: demoCases[i]})
		}
		if _, err := s.UpsertCases(ctx, pi, d.ID, cases); err != nil {
			return err
		}
		if _, err := s.ImportSessions(ctx, pi, d.ID, strings.NewReader(demoSessionsCSV(rng, cases, d.ReverseKeyed))); err != nil {
			return fmt.Errorf("sessions: %w", err)
		}
		sel, err := s.CreateSelection(ctx, pi, d.ID, dataset.RuleRiseAfterRupture, nil)
		if err != nil {
			return err
		}
		if _, err := s.ImportEvents(ctx, pi, d.ID, strings.NewReader(demoEventsCSV(rng, sel.Selected))); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		return nil
	})
}

// demoCases are the outcomes of the six demonstration cases.
var demoCases = []string{"improved", "recovered", "improved", "unchanged", "recovered", "improved"}

// demoSessionsCSV writes 14 sessions per case. Each case has three
// sessions where a rupture is reported and both raters' WAI means rise from
// the session before (the candidates of rise_after_rupture) and one decoy
// where a rupture is reported but the alliance falls; no other session
// reports a rupture.
func demoSessionsCSV(rng *rand.Rand, cases []models.Case, reverse []int) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := []string{"case", "session", "rater"}
	for i := 1; i <= 12; i++ {
		header = append(header, "wai"+strconv.Itoa(i))
	}
	_ = w.Write(append(header, "rupture", "intensity", "resolution"))
	isReversed := func(item int) bool { return slices.Contains(reverse, item) }
	// answers draws twelve answers around a target item mean.
	answers := func(target float64) [12]int {
		var a [12]int
		for i := range a {
			x := int(target + rng.NormFloat64()*0.6 + 0.5)
			x = min(max(x, 1), 7)
			if isReversed(i + 1) {
				x = 8 - x
			}
			a[i] = x
		}
		return a
	}
	for _, c := range cases {
		// Three rises and one decoy among sessions 3-14, apart from each other.
		var picks []int
		for len(picks) < 4 {
			n := 3 + rng.IntN(12)
			if !slices.ContainsFunc(picks, func(p int) bool { return p-n <= 1 && n-p <= 1 }) {
				picks = append(picks, n)
			}
		}
		rises, decoy := picks[:3], picks[3]
		base := [2]float64{3.6 + rng.Float64(), 4.2 + rng.Float64()}
		prev := [2]float64{}
		for n := 1; n <= 14; n++ {
			rise, fall := slices.Contains(rises, n), n == decoy
			var reports [2][12]int
			for k := range 2 {
				target := base[k] + 0.05*float64(n)
				for try := 0; ; try++ {
					reports[k] = answers(target)
					m := dataset.ScoreWAI(reports[k], reverse).Mean
					if try > 200 || n == 1 || (!rise && !fall) ||
						(rise && m > prev[k]+0.15) || (fall && m < prev[k]-0.15) {
						prev[k] = m
						break
					}
					if rise {
						target += 0.05
					} else {
						target -= 0.05
					}
				}
			}
			// Who reports the rupture: the patient, the therapist or both.
			who := rng.IntN(3)
			for k, rater := range []string{models.RaterPatient, models.RaterTherapist} {
				rec := []string{c.Label, strconv.Itoa(n), rater}
				for _, x := range reports[k] {
					rec = append(rec, strconv.Itoa(x))
				}
				if (rise || fall) && (who == 2 || who == k) {
					resolution := 2 + rng.IntN(2)
					if rise {
						resolution = 4 + rng.IntN(2)
					}
					rec = append(rec, "1", strconv.Itoa(2+rng.IntN(3)), strconv.Itoa(resolution))
				} else {
					rec = append(rec, "0", "", "")
				}
				_ = w.Write(rec)
			}
		}
	}
	w.Flush()
	return b.String()
}

// demoEventsCSV codes the selected sessions: a withdrawal or confrontation
// marker, then resolution strategies in varied orders (RS04 invites
// discussion, usually first; RS09 validates, RS01/RS03 clarify or give a
// rationale, RS02 renegotiates the task or goal, in any order; RS05
// acknowledges the therapist's contribution in every third session; RS10
// redirects), one or two codes per one-minute segment; a quarter of the
// sessions stop before RS10. The first
// four selected sessions are double-coded by coder2, who disagrees now and
// then.
func demoEventsCSV(rng *rand.Rand, selected []models.SelectedSession) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"case", "session", "coder", "segment", "onset", "code", "salience"})
	markers := []string{"W1", "W2", "W3", "W4", "W5", "W6", "W7", "C1", "C2", "C3", "C4", "C5", "C6", "C7"}
	type event struct {
		segment int
		code    string
	}
	for i, sel := range selected {
		var evs []event
		seg := 1 + rng.IntN(3)
		evs = append(evs, event{seg, markers[rng.IntN(len(markers))]})
		if rng.IntN(3) == 0 {
			seg++
			evs = append(evs, event{seg, markers[rng.IntN(len(markers))]})
		}
		// RS04 opens the repair in most sessions; the strategies that
		// follow come in any order, and in a third of the sessions the
		// therapist also acknowledges their own contribution (RS05), a
		// strategy the rational model has no stage for.
		middle := []string{"RS09", "RS01", "RS03", "RS02"}
		rng.Shuffle(len(middle), func(a, b int) { middle[a], middle[b] = middle[b], middle[a] })
		middle = middle[:2+rng.IntN(3)]
		if i%3 == 0 {
			at := rng.IntN(len(middle) + 1)
			middle = slices.Insert(middle, at, "RS05")
		}
		if rng.IntN(8) != 0 {
			middle = append([]string{"RS04"}, middle...)
		} else {
			middle = append(middle, "RS04")
		}
		for _, code := range middle {
			seg += 1 + rng.IntN(2)
			evs = append(evs, event{seg, code})
			if rng.IntN(5) == 0 {
				evs = append(evs, event{seg, "RS09"})
			}
		}
		if i%4 != 3 {
			seg += 1 + rng.IntN(2)
			evs = append(evs, event{seg, "RS10"})
		}
		write := func(coder string, evs []event) {
			last := map[int]int{}
			for _, e := range evs {
				onset := float64(e.segment-1)*60 + 5 + float64(last[e.segment])*20 + float64(rng.IntN(10))
				last[e.segment]++
				_ = w.Write([]string{sel.Case, strconv.Itoa(sel.Session), coder, strconv.Itoa(e.segment),
					strconv.FormatFloat(onset, 'f', 1, 64), e.code, strconv.Itoa(2 + rng.IntN(4))})
			}
		}
		write("consensus", dedupeEvents(evs, func(e event) [2]any { return [2]any{e.segment, e.code} }))
		if i < 4 {
			// coder2: same segmentation, one code swapped within its family
			// or dropped, sometimes an extra strategy.
			other := slices.Clone(evs)
			j := 1 + rng.IntN(len(other)-1)
			switch rng.IntN(3) {
			case 0:
				other = slices.Delete(other, j, j+1)
			case 1:
				if strings.HasPrefix(other[j].code, "RS") {
					other[j].code = []string{"RS01", "RS03", "RS09"}[rng.IntN(3)]
				}
			}
			if rng.IntN(2) == 0 {
				other = append(other, event{other[len(other)-1].segment, "RS05"})
			}
			write("coder2", dedupeEvents(other, func(e event) [2]any { return [2]any{e.segment, e.code} }))
		}
	}
	w.Flush()
	return b.String()
}

// dedupeEvents drops repeats of the same key, keeping the first.
func dedupeEvents[T any](xs []T, key func(T) [2]any) []T {
	seen := map[[2]any]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		k := key(x)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, x)
	}
	return out
}
