package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/stagewise/stagewise/models"
)

// datasetsMigrations create the coded-case tables (version 3).
var datasetsMigrations = []migration{
	{
		version: 3,
		name:    "datasets, cases, sessions, session reports, events, selections",
		sql: []string{
			`CREATE TABLE datasets (
				id {{id}},
				name TEXT NOT NULL,
				owner_id BIGINT NOT NULL REFERENCES users(id),
				codebook_name TEXT NOT NULL,
				codebook TEXT NOT NULL,
				reverse_keyed TEXT NOT NULL,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE INDEX datasets_name ON datasets (name)`,
			`CREATE TABLE cases (
				id {{id}},
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				label TEXT NOT NULL,
				treatment TEXT NOT NULL DEFAULT '',
				therapist TEXT NOT NULL DEFAULT '',
				outcome TEXT NOT NULL DEFAULT '',
				UNIQUE (dataset_id, label)
			)`,
			`CREATE TABLE sessions (
				id {{id}},
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				case_id BIGINT NOT NULL REFERENCES cases(id),
				number INTEGER NOT NULL,
				UNIQUE (case_id, number)
			)`,
			`CREATE INDEX sessions_dataset ON sessions (dataset_id)`,
			`CREATE TABLE session_reports (
				session_id BIGINT NOT NULL REFERENCES sessions(id),
				rater TEXT NOT NULL,
				wai1 INTEGER NOT NULL, wai2 INTEGER NOT NULL, wai3 INTEGER NOT NULL, wai4 INTEGER NOT NULL,
				wai5 INTEGER NOT NULL, wai6 INTEGER NOT NULL, wai7 INTEGER NOT NULL, wai8 INTEGER NOT NULL,
				wai9 INTEGER NOT NULL, wai10 INTEGER NOT NULL, wai11 INTEGER NOT NULL, wai12 INTEGER NOT NULL,
				rupture {{bool}} NOT NULL,
				intensity INTEGER,
				resolution INTEGER,
				PRIMARY KEY (session_id, rater)
			)`,
			`CREATE TABLE events (
				id {{id}},
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				session_id BIGINT NOT NULL REFERENCES sessions(id),
				coder TEXT NOT NULL,
				segment INTEGER NOT NULL,
				onset {{real}},
				code TEXT NOT NULL,
				salience INTEGER,
				seq INTEGER NOT NULL
			)`,
			`CREATE INDEX events_session_coder ON events (session_id, coder)`,
			`CREATE INDEX events_dataset_coder ON events (dataset_id, coder, session_id, seq, code, onset, segment)`,
			`CREATE TABLE selections (
				id {{id}},
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				rule TEXT NOT NULL,
				params TEXT NOT NULL,
				selected TEXT NOT NULL,
				created_by BIGINT NOT NULL,
				created_at {{ts}} NOT NULL
			)`,
			`CREATE INDEX selections_dataset ON selections (dataset_id, id)`,
		},
	},
}

type datasetRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	OwnerID      int64
	CodebookName string
	Codebook     string
	ReverseKeyed string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	UnblindedAt  *time.Time
	UnblindedBy  *int64
}

func (datasetRow) TableName() string { return "datasets" }

// codeJSON is the stored form of one codebook entry.
type codeJSON struct {
	Code   string `json:"code"`
	Family string `json:"family"`
	Label  string `json:"label"`
}

func datasetToRow(d models.Dataset) (datasetRow, error) {
	cb := make([]codeJSON, len(d.Codebook))
	for i, c := range d.Codebook {
		cb[i] = codeJSON(c)
	}
	cbj, err := json.Marshal(cb)
	if err != nil {
		return datasetRow{}, err
	}
	rk := d.ReverseKeyed
	if rk == nil {
		rk = []int{}
	}
	rkj, err := json.Marshal(rk)
	if err != nil {
		return datasetRow{}, err
	}
	return datasetRow{ID: d.ID, Name: d.Name, OwnerID: d.OwnerID, CodebookName: d.CodebookName, Codebook: string(cbj),
		ReverseKeyed: string(rkj), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, UnblindedAt: d.UnblindedAt, UnblindedBy: d.UnblindedBy}, nil
}

func (r datasetRow) toModel() (models.Dataset, error) {
	var cb []codeJSON
	if err := json.Unmarshal([]byte(r.Codebook), &cb); err != nil {
		return models.Dataset{}, fmt.Errorf("dataset %d codebook: %w", r.ID, err)
	}
	var rk []int
	if err := json.Unmarshal([]byte(r.ReverseKeyed), &rk); err != nil {
		return models.Dataset{}, fmt.Errorf("dataset %d reverse_keyed: %w", r.ID, err)
	}
	d := models.Dataset{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, CodebookName: r.CodebookName,
		Codebook: make([]models.Code, len(cb)), ReverseKeyed: rk, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), UnblindedBy: r.UnblindedBy}
	if r.UnblindedAt != nil {
		t := r.UnblindedAt.UTC()
		d.UnblindedAt = &t
	}
	for i, c := range cb {
		d.Codebook[i] = models.Code(c)
	}
	if d.ReverseKeyed == nil {
		d.ReverseKeyed = []int{}
	}
	return d, nil
}

type caseRow struct {
	ID        int64 `gorm:"primaryKey"`
	DatasetID int64
	Label     string
	Treatment string
	Therapist string
	Outcome   string
}

func (caseRow) TableName() string { return "cases" }

type selectionRow struct {
	ID        int64 `gorm:"primaryKey"`
	DatasetID int64
	Rule      string
	Params    string
	Selected  string
	CreatedBy int64
	CreatedAt time.Time
}

func (selectionRow) TableName() string { return "selections" }

type selectedJSON struct {
	Case    string  `json:"case"`
	Session int     `json:"session"`
	Score   float64 `json:"score"`
	Reason  string  `json:"reason"`
}

// byteOrder makes an ORDER BY term sort text by its bytes on both
// databases: SQLite's default BINARY collation does; PostgreSQL needs "C".
func (s *Store) byteOrder(col string) string {
	if s.dialect == Postgres {
		return col + ` COLLATE "C"`
	}
	return col
}

// placeholders returns n groups of width bind variables, "(?, ?), (?, ?)"
// on SQLite and "($1, $2), ($3, $4)" on PostgreSQL.
func (s *Store) placeholders(n, width int) string {
	var b strings.Builder
	k := 1
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 0; j < width; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			if s.dialect == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(k))
				k++
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// batchInsert collects rows and writes them with multi-row INSERT
// statements straight through the transaction's connection (gorm's SQL
// builder would walk every one of the thousands of bind variables again).
type batchInsert struct {
	ctx    context.Context
	pool   gorm.ConnPool
	prefix string
	width  int
	size   int
	full   *sql.Stmt // the prepared statement for a full batch
	args   []any
	n      int
	s      *Store
}

func (s *Store) newBatch(ctx context.Context, db *gorm.DB, table string, cols []string, size int) *batchInsert {
	return &batchInsert{ctx: ctx, pool: db.Statement.ConnPool, s: s, width: len(cols), size: size,
		prefix: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		args:   make([]any, 0, size*len(cols))}
}

func (b *batchInsert) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.n++
	if b.n == b.size {
		return b.flush()
	}
	return nil
}

// close releases the prepared statement.
func (b *batchInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}

func (b *batchInsert) flush() error {
	if b.n == 0 {
		return nil
	}
	var err error
	if b.n == b.size {
		if b.full == nil {
			if b.full, err = b.pool.PrepareContext(b.ctx, b.prefix+b.s.placeholders(b.size, b.width)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(b.ctx, b.args...)
	} else {
		_, err = b.pool.ExecContext(b.ctx, b.prefix+b.s.placeholders(b.n, b.width), b.args...)
	}
	if err != nil {
		return err
	}
	clear(b.args)
	b.args = b.args[:0]
	b.n = 0
	return nil
}

// bulkCache gives SQLite's writer connection a 32 MiB page cache for a bulk
// import (the default 2 MiB makes index pages of a million-row insert spill
// to the WAL again and again) and returns the function that restores the
// previous size. It does nothing on PostgreSQL.
func (s *Store) bulkCache(db *gorm.DB) (func(), error) {
	if s.dialect != SQLite {
		return func() {}, nil
	}
	var prev int64
	if err := db.Raw(`PRAGMA cache_size`).Scan(&prev).Error; err != nil {
		return nil, err
	}
	if err := db.Exec(`PRAGMA cache_size = -32768`).Error; err != nil {
		return nil, err
	}
	return func() { db.Exec(`PRAGMA cache_size = ` + strconv.FormatInt(prev, 10)) }, nil
}

// CreateDataset inserts d and sets its ID.
func (s *Store) CreateDataset(ctx context.Context, d *models.Dataset) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	r, err := datasetToRow(*d)
	if err != nil {
		return err
	}
	r.ID = 0
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	d.ID = r.ID
	// The creator is on the team from the start, as a PI.
	return db.Create(&memberRow{DatasetID: d.ID, UserID: d.OwnerID, Role: models.MemberPI, AddedBy: &d.OwnerID, AddedAt: d.CreatedAt}).Error
}

// DatasetByID finds a dataset with its owner's name.
func (s *Store) DatasetByID(ctx context.Context, id int64) (models.Dataset, error) {
	var r datasetRow
	if err := s.db(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Dataset{}, notFound(err, "dataset")
	}
	return s.datasetWithOwner(ctx, r)
}

// DatasetByName finds the oldest dataset with that name.
func (s *Store) DatasetByName(ctx context.Context, name string) (models.Dataset, error) {
	var r datasetRow
	if err := s.db(ctx).Where("name = ?", name).Order("id").Limit(1).Take(&r).Error; err != nil {
		return models.Dataset{}, notFound(err, "dataset")
	}
	return s.datasetWithOwner(ctx, r)
}

func (s *Store) datasetWithOwner(ctx context.Context, r datasetRow) (models.Dataset, error) {
	d, err := r.toModel()
	if err != nil {
		return d, err
	}
	var name string
	if err := s.db(ctx).Model(&userRow{}).Select("name").Where("id = ?", d.OwnerID).Scan(&name).Error; err != nil {
		return d, err
	}
	d.OwnerName = name
	return d, nil
}

// ListDatasets returns datasets after the cursor id.
func (s *Store) ListDatasets(ctx context.Context, p models.Page) ([]models.Dataset, error) {
	var rows []datasetRow
	if err := s.db(ctx).Where("id > ?", p.Cursor).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.Dataset, 0, len(rows))
	for _, r := range rows {
		d, err := s.datasetWithOwner(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// LockDataset sets updated_at, which takes the dataset row's write lock for
// the rest of the transaction, so that imports into one dataset are
// serialized across processes.
func (s *Store) LockDataset(ctx context.Context, id int64, now time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	res := db.Model(&datasetRow{}).Where("id = ?", id).Update("updated_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "dataset not found")
	}
	return nil
}

// DatasetStats counts a dataset's cases, sessions, reports and events per
// coder.
func (s *Store) DatasetStats(ctx context.Context, id int64) (models.DatasetStats, error) {
	var st models.DatasetStats
	db := s.db(ctx)
	var n int64
	if err := db.Raw(`SELECT COUNT(*) FROM cases WHERE dataset_id = ?`, id).Scan(&n).Error; err != nil {
		return st, err
	}
	st.Cases = int(n)
	if err := db.Raw(`SELECT COUNT(*) FROM sessions WHERE dataset_id = ?`, id).Scan(&n).Error; err != nil {
		return st, err
	}
	st.Sessions = int(n)
	if err := db.Raw(`SELECT COUNT(*) FROM session_reports r JOIN sessions s ON s.id = r.session_id WHERE s.dataset_id = ?`, id).Scan(&n).Error; err != nil {
		return st, err
	}
	st.Reports = int(n)
	var coders []struct {
		Coder string
		N     int
	}
	if err := db.Raw(`SELECT coder, COUNT(*) AS n FROM events WHERE dataset_id = ? GROUP BY coder`, id).Scan(&coders).Error; err != nil {
		return st, err
	}
	slices.SortFunc(coders, func(a, b struct {
		Coder string
		N     int
	}) int {
		return strings.Compare(a.Coder, b.Coder)
	})
	st.Coders = make([]models.CoderCount, 0, len(coders))
	for _, c := range coders {
		st.Coders = append(st.Coders, models.CoderCount{Coder: c.Coder, Events: c.N})
		st.Events += c.N
	}
	return st, nil
}

// keyCache resolves (case label, session number) to ids during an import,
// creating cases and sessions that do not exist yet.
type keyCache struct {
	s         *Store
	db        *gorm.DB
	datasetID int64
	cases     map[string]int64
	sessions  map[sessionKey]int64
	// fresh holds sessions created by this import: they have nothing to
	// replace.
	fresh  map[int64]bool
	counts *models.ImportCounts
	// insertSession is prepared once per import: a dataset of 100,000
	// short sessions creates 100,000 of them, and a prepared INSERT …
	// RETURNING through the transaction's connection costs a tenth of a
	// gorm Create each.
	insertSession *sql.Stmt
	insertCase    *sql.Stmt
}

// close releases the prepared statement.
func (k *keyCache) close() {
	for _, st := range []*sql.Stmt{k.insertSession, k.insertCase} {
		if st != nil {
			st.Close()
		}
	}
}

// insert runs a prepared INSERT … RETURNING id, preparing it on first use.
func (k *keyCache) insert(stmt **sql.Stmt, query string, args ...any) (int64, error) {
	if *stmt == nil {
		st, err := k.db.Statement.ConnPool.PrepareContext(k.db.Statement.Context, query)
		if err != nil {
			return 0, err
		}
		*stmt = st
	}
	var id int64
	if err := (*stmt).QueryRowContext(k.db.Statement.Context, args...).Scan(&id); err != nil {
		return 0, conflict(err)
	}
	return id, nil
}

type sessionKey struct {
	caseID int64
	number int
}

func (s *Store) newKeyCache(db *gorm.DB, datasetID int64, counts *models.ImportCounts) (*keyCache, error) {
	k := &keyCache{s: s, db: db, datasetID: datasetID, cases: map[string]int64{}, sessions: map[sessionKey]int64{},
		fresh: map[int64]bool{}, counts: counts}
	var cs []caseRow
	if err := db.Where("dataset_id = ?", datasetID).Find(&cs).Error; err != nil {
		return nil, err
	}
	for _, c := range cs {
		k.cases[c.Label] = c.ID
	}
	rows, err := db.Raw(`SELECT id, case_id, number FROM sessions WHERE dataset_id = ?`, datasetID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, caseID int64
		var number int
		if err := rows.Scan(&id, &caseID, &number); err != nil {
			return nil, err
		}
		k.sessions[sessionKey{caseID, number}] = id
	}
	return k, rows.Err()
}

// session returns the id of a session and whether this import created it.
func (k *keyCache) session(label string, number int) (int64, bool, error) {
	caseID, ok := k.cases[label]
	if !ok {
		id, err := k.insert(&k.insertCase, `INSERT INTO cases (dataset_id, label, treatment, therapist, outcome) VALUES `+
			k.s.placeholders(1, 5)+` RETURNING id`, k.datasetID, label, "", "", "")
		if err != nil {
			return 0, false, err
		}
		caseID = id
		k.cases[label] = caseID
		k.counts.CasesCreated++
	}
	key := sessionKey{caseID, number}
	if id, ok := k.sessions[key]; ok {
		return id, k.fresh[id], nil
	}
	id, err := k.insert(&k.insertSession, `INSERT INTO sessions (dataset_id, case_id, number) VALUES `+k.s.placeholders(1, 3)+` RETURNING id`,
		k.datasetID, caseID, number)
	if err != nil {
		return 0, false, err
	}
	k.sessions[key] = id
	k.fresh[id] = true
	k.counts.SessionsCreated++
	return id, true, nil
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func floatOrNil(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// ImportSessions stores session reports inside the caller's transaction.
// rows is called once and hands every report to emit; whatever error it
// returns is returned, and the caller's transaction is then rolled back.
// Cases and sessions that do not exist are created. A report of a (case,
// session, rater) already stored replaces it (counted in Replaced).
func (s *Store) ImportSessions(ctx context.Context, datasetID int64, rows func(emit func(models.SessionReport) error) error) (models.ImportCounts, error) {
	var counts models.ImportCounts
	db, err := s.wdb(ctx)
	if err != nil {
		return counts, err
	}
	keys, err := s.newKeyCache(db, datasetID, &counts)
	if err != nil {
		return counts, err
	}
	defer keys.close()
	cols := []string{"session_id", "rater", "wai1", "wai2", "wai3", "wai4", "wai5", "wai6", "wai7", "wai8", "wai9", "wai10", "wai11", "wai12", "rupture", "intensity", "resolution"}
	batch := s.newBatch(ctx, db, "session_reports", cols, 200)
	defer batch.close()
	vals := make([]any, len(cols))
	err = rows(func(r models.SessionReport) error {
		id, fresh, err := keys.session(r.Case, r.Session)
		if err != nil {
			return err
		}
		if !fresh {
			res := db.Exec(`DELETE FROM session_reports WHERE session_id = ? AND rater = ?`, id, r.Rater)
			if res.Error != nil {
				return res.Error
			}
			counts.Replaced += int(res.RowsAffected)
		}
		vals[0], vals[1] = id, r.Rater
		for i, x := range r.WAI {
			vals[2+i] = int64(x)
		}
		vals[14], vals[15], vals[16] = r.Rupture, intOrNil(r.Intensity), intOrNil(r.Resolution)
		counts.Imported++
		return batch.add(vals...)
	})
	if err != nil {
		return counts, err
	}
	return counts, batch.flush()
}

// ImportEvents stores coded events inside the caller's transaction. rows is
// called once and hands every event to emit (Seq is stored as given);
// whatever error it returns is returned, and the caller's transaction is
// then rolled back. Cases and sessions that do not exist are created. The
// first event of each (case, session, coder) deletes the events of that
// (case, session, coder) stored before this import (counted in Replaced).
func (s *Store) ImportEvents(ctx context.Context, datasetID int64, rows func(emit func(models.Event) error) error) (models.ImportCounts, error) {
	var counts models.ImportCounts
	db, err := s.wdb(ctx)
	if err != nil {
		return counts, err
	}
	keys, err := s.newKeyCache(db, datasetID, &counts)
	if err != nil {
		return counts, err
	}
	defer keys.close()
	var first []int64
	if err := db.Raw(`SELECT id FROM events WHERE dataset_id = ? LIMIT 1`, datasetID).Scan(&first).Error; err != nil {
		return counts, err
	}
	hadEvents := len(first) > 0
	type pair struct {
		session int64
		coder   string
	}
	seen := map[pair]bool{}
	cols := []string{"dataset_id", "session_id", "coder", "segment", "onset", "code", "salience", "seq"}
	batch := s.newBatch(ctx, db, "events", cols, 500)
	defer batch.close()
	restore, err := s.bulkCache(db)
	if err != nil {
		return counts, err
	}
	defer restore()
	var last struct {
		label  string
		number int
		coder  string
		id     int64
	}
	err = rows(func(e models.Event) error {
		// Rows of one session and coder usually come together: skip the
		// map lookups then.
		if last.id == 0 || e.Case != last.label || e.Session != last.number || e.Coder != last.coder {
			id, fresh, err := keys.session(e.Case, e.Session)
			if err != nil {
				return err
			}
			p := pair{id, e.Coder}
			if !seen[p] {
				seen[p] = true
				if hadEvents && !fresh {
					res := db.Exec(`DELETE FROM events WHERE session_id = ? AND coder = ?`, id, e.Coder)
					if res.Error != nil {
						return res.Error
					}
					counts.Replaced += int(res.RowsAffected)
				}
			}
			last.label, last.number, last.coder, last.id = e.Case, e.Session, e.Coder, id
		}
		counts.Imported++
		return batch.add(datasetID, last.id, e.Coder, int64(e.Segment), floatOrNil(e.Onset), e.Code, intOrNil(e.Salience), e.Seq)
	})
	if err != nil {
		return counts, err
	}
	return counts, batch.flush()
}

// UpsertCases sets the treatment, therapist and outcome of cases by label,
// creating the cases that do not exist; it returns how many it created.
func (s *Store) UpsertCases(ctx context.Context, datasetID int64, cs []models.Case) (int, error) {
	db, err := s.wdb(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	for _, c := range cs {
		res := db.Exec(`UPDATE cases SET treatment = ?, therapist = ?, outcome = ? WHERE dataset_id = ? AND label = ?`,
			c.Treatment, c.Therapist, c.Outcome, datasetID, c.Label)
		if res.Error != nil {
			return created, res.Error
		}
		if res.RowsAffected > 0 {
			continue
		}
		r := caseRow{DatasetID: datasetID, Label: c.Label, Treatment: c.Treatment, Therapist: c.Therapist, Outcome: c.Outcome}
		if err := db.Create(&r).Error; err != nil {
			return created, conflict(err)
		}
		created++
	}
	return created, nil
}

// ListCases returns a dataset's cases after the cursor id, with their
// session counts.
func (s *Store) ListCases(ctx context.Context, datasetID int64, p models.Page) ([]models.Case, error) {
	rows, err := s.db(ctx).Raw(`SELECT c.id, c.label, c.treatment, c.therapist, c.outcome,
			(SELECT COUNT(*) FROM sessions s WHERE s.case_id = c.id)
		FROM cases c WHERE c.dataset_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`, datasetID, p.Cursor, p.Limit).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []models.Case{}
	for rows.Next() {
		c := models.Case{DatasetID: datasetID}
		if err := rows.Scan(&c.ID, &c.Label, &c.Treatment, &c.Therapist, &c.Outcome, &c.Sessions); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const reportCols = `r.rater, r.wai1, r.wai2, r.wai3, r.wai4, r.wai5, r.wai6, r.wai7, r.wai8, r.wai9, r.wai10, r.wai11, r.wai12, r.rupture, r.intensity, r.resolution`

type reportScan struct {
	rater                 sql.NullString
	wai                   [12]sql.NullInt64
	rupture               sql.NullBool
	intensity, resolution sql.NullInt64
}

// targets lists prefix and then the scan targets of reportCols (nullable,
// after a LEFT JOIN).
func (r *reportScan) targets(prefix ...any) []any {
	dst := append(prefix, &r.rater)
	for i := range r.wai {
		dst = append(dst, &r.wai[i])
	}
	return append(dst, &r.rupture, &r.intensity, &r.resolution)
}

func (r *reportScan) report(label string, number int) (models.SessionReport, bool) {
	if !r.rater.Valid {
		return models.SessionReport{}, false
	}
	rep := models.SessionReport{Case: label, Session: number, Rater: r.rater.String, Rupture: r.rupture.Bool}
	for i, w := range r.wai {
		rep.WAI[i] = int(w.Int64)
	}
	if r.intensity.Valid {
		v := int(r.intensity.Int64)
		rep.Intensity = &v
	}
	if r.resolution.Valid {
		v := int(r.resolution.Int64)
		rep.Resolution = &v
	}
	return rep, true
}

// ListSessions returns a dataset's sessions after the cursor id, in id
// order, with their reports.
func (s *Store) ListSessions(ctx context.Context, datasetID int64, p models.Page) ([]models.Session, error) {
	rows, err := s.db(ctx).Raw(`SELECT s.id, c.label, s.number, `+reportCols+`
		FROM (SELECT id, case_id, number FROM sessions WHERE dataset_id = ? AND id > ? ORDER BY id LIMIT ?) s
		JOIN cases c ON c.id = s.case_id
		LEFT JOIN session_reports r ON r.session_id = s.id
		ORDER BY s.id, r.rater`, datasetID, p.Cursor, p.Limit).Rows()
	if err != nil {
		return nil, err
	}
	return collectSessions(rows)
}

// AllSessions returns every session of a dataset with its reports, in case
// label (byte order) and session number order.
func (s *Store) AllSessions(ctx context.Context, datasetID int64) ([]models.Session, error) {
	rows, err := s.db(ctx).Raw(`SELECT s.id, c.label, s.number, `+reportCols+`
		FROM sessions s JOIN cases c ON c.id = s.case_id
		LEFT JOIN session_reports r ON r.session_id = s.id
		WHERE s.dataset_id = ?
		ORDER BY `+s.byteOrder("c.label")+`, s.number, r.rater`, datasetID).Rows()
	if err != nil {
		return nil, err
	}
	return collectSessions(rows)
}

func collectSessions(rows *sql.Rows) ([]models.Session, error) {
	defer rows.Close()
	out := []models.Session{}
	var rs reportScan
	for rows.Next() {
		var id int64
		var label string
		var number int
		if err := rows.Scan(rs.targets(&id, &label, &number)...); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, models.Session{ID: id, Case: label, Number: number, Reports: []models.SessionReport{}})
		}
		if rep, ok := rs.report(label, number); ok {
			last := &out[len(out)-1]
			last.Reports = append(last.Reports, rep)
		}
	}
	return out, rows.Err()
}

const eventCols = `e.id, c.label, s.number, e.coder, e.segment, e.onset, e.code, e.salience, e.seq`

func scanEvent(rows *sql.Rows) (models.Event, error) {
	var e models.Event
	var onset sql.NullFloat64
	var salience sql.NullInt64
	if err := rows.Scan(&e.ID, &e.Case, &e.Session, &e.Coder, &e.Segment, &onset, &e.Code, &salience, &e.Seq); err != nil {
		return e, err
	}
	if onset.Valid {
		v := onset.Float64
		e.Onset = &v
	}
	if salience.Valid {
		v := int(salience.Int64)
		e.Salience = &v
	}
	return e, nil
}

func eventWhere(datasetID int64, f models.EventFilter) (string, []any) {
	where := "e.dataset_id = ?"
	args := []any{datasetID}
	if f.Coder != "" {
		where += " AND e.coder = ?"
		args = append(args, f.Coder)
	}
	if f.Case != "" {
		where += " AND c.label = ?"
		args = append(args, f.Case)
	}
	return where, args
}

// ListEvents returns a dataset's events after the cursor id, in id order.
func (s *Store) ListEvents(ctx context.Context, datasetID int64, f models.EventFilter, p models.Page) ([]models.Event, error) {
	where, args := eventWhere(datasetID, f)
	args = append(args, p.Cursor, p.Limit)
	rows, err := s.db(ctx).Raw(`SELECT `+eventCols+` FROM events e JOIN sessions s ON s.id = e.session_id JOIN cases c ON c.id = s.case_id
		WHERE `+where+` AND e.id > ? ORDER BY e.id LIMIT ?`, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []models.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EachEvent streams a dataset's events in (case label, session number,
// coder, seq) order, labels and coders in byte order.
func (s *Store) EachEvent(ctx context.Context, datasetID int64, f models.EventFilter, fn func(models.Event) error) error {
	where, args := eventWhere(datasetID, f)
	rows, err := s.db(ctx).Raw(`SELECT `+eventCols+` FROM events e JOIN sessions s ON s.id = e.session_id JOIN cases c ON c.id = s.case_id
		WHERE `+where+` ORDER BY `+s.byteOrder("c.label")+`, s.number, `+s.byteOrder("e.coder")+`, e.seq, e.id`, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CoderHasEvents reports whether coder has any event in the dataset.
func (s *Store) CoderHasEvents(ctx context.Context, datasetID int64, coder string) (bool, error) {
	var ids []int64
	if err := s.db(ctx).Raw(`SELECT id FROM events WHERE dataset_id = ? AND coder = ? LIMIT 1`, datasetID, coder).Scan(&ids).Error; err != nil {
		return false, err
	}
	return len(ids) > 0, nil
}

// EachCodedUnit streams the events of coders a and b in (session id,
// segment) order, for reliability.
func (s *Store) EachCodedUnit(ctx context.Context, datasetID int64, a, b string, fn func(models.CodedUnit) error) error {
	rows, err := s.db(ctx).Raw(`SELECT session_id, segment, coder, code FROM events
		WHERE dataset_id = ? AND coder IN (?, ?) ORDER BY session_id, segment`, datasetID, a, b).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var u models.CodedUnit
	for rows.Next() {
		if err := rows.Scan(&u.SessionID, &u.Segment, &u.Coder, &u.Code); err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachSessionCodes streams every session of the dataset that has events by
// coder — restricted to only when only != nil — with its codes ordered as
// domain.md says: by onset when every event of that session and coder has
// one, otherwise by segment; ties keep the input order (seq). Sessions come
// in storage order (callers that need another order sort; the analysis does
// not care).
//
// The database does the ordering and grouping: one row per session carries
// the codes in both orders (string_agg with ORDER BY, which SQLite ≥ 3.44
// and PostgreSQL share), read straight off the (dataset_id, coder,
// session_id, seq, code, onset, segment) index. Only one session's codes
// are held at a time. It returns the keys of only (of every session of the
// dataset when only is nil) that have no events by that coder, sorted by
// case label and session number.
func (s *Store) EachSessionCodes(ctx context.Context, datasetID int64, coder string, only []models.SessionKey, fn func(models.SessionCodes) error) ([]models.SessionKey, error) {
	// want holds the requested sessions (only), each true once the
	// dataset is seen to have it; list and ids the sessions in scope, and
	// found which of them have events by coder.
	var want map[models.SessionKey]bool
	if only != nil {
		want = make(map[models.SessionKey]bool, len(only))
		for _, k := range only {
			want[k] = false
		}
	}
	var list []models.SessionKey
	ids := map[int64]int32{}
	srows, err := s.db(ctx).Raw(`SELECT s.id, c.label, s.number FROM sessions s JOIN cases c ON c.id = s.case_id WHERE s.dataset_id = ?`, datasetID).Rows()
	if err != nil {
		return nil, err
	}
	for srows.Next() {
		var id int64
		var k models.SessionKey
		if err := srows.Scan(&id, &k.Case, &k.Session); err != nil {
			srows.Close()
			return nil, err
		}
		if want != nil {
			if _, ok := want[k]; !ok {
				continue
			}
			want[k] = true
		}
		ids[id] = int32(len(list))
		list = append(list, k)
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return nil, err
	}
	const sep = "\x1f" // codes are printable, so this never occurs in one
	// Most datasets give onsets for every event or for none; then one of the
	// two orders is enough, and the database sorts each session once.
	var withOnset, total int64
	if err := s.db(ctx).Raw(`SELECT COUNT(onset), COUNT(*) FROM events WHERE dataset_id = ? AND coder = ?`, datasetID, coder).
		Row().Scan(&withOnset, &total); err != nil {
		return nil, err
	}
	onsetOrder, segmentOrder := "string_agg(code, ? ORDER BY onset, seq)", "string_agg(code, ? ORDER BY segment, seq)"
	switch {
	case withOnset == total:
		segmentOrder = "''"
	case withOnset == 0:
		onsetOrder = "''"
	}
	var args []any
	for _, agg := range []string{onsetOrder, segmentOrder} {
		if agg != "''" {
			args = append(args, sep)
		}
	}
	args = append(args, datasetID, coder)
	rows, err := s.db(ctx).Raw(`SELECT session_id, COUNT(*) - COUNT(onset), `+onsetOrder+`, `+segmentOrder+`
		FROM events WHERE dataset_id = ? AND coder = ? GROUP BY session_id`, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make([]bool, len(list))
	codes := map[string]string{} // interned: a dataset has few distinct codes
	var byOnset, bySegment sql.RawBytes
	for rows.Next() {
		var sid, noOnset int64
		if err := rows.Scan(&sid, &noOnset, &byOnset, &bySegment); err != nil {
			return nil, err
		}
		idx, ok := ids[sid]
		if !ok {
			continue
		}
		found[idx] = true
		k := list[idx]
		codeList := byOnset
		if noOnset > 0 {
			codeList = bySegment
		}
		sc := models.SessionCodes{Case: k.Case, Session: k.Session, Codes: make([]string, 0, bytes.Count(codeList, []byte(sep))+1)}
		for len(codeList) > 0 {
			i := bytes.IndexByte(codeList, sep[0])
			part := codeList
			if i >= 0 {
				part, codeList = codeList[:i], codeList[i+1:]
			} else {
				codeList = nil
			}
			code, ok := codes[string(part)]
			if !ok {
				code = string(part)
				codes[code] = code
			}
			sc.Codes = append(sc.Codes, code)
		}
		if err := fn(sc); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []models.SessionKey
	for i, k := range list {
		if !found[i] {
			missing = append(missing, k)
		}
	}
	for k, inDataset := range want {
		if !inDataset {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, func(a, b models.SessionKey) int {
		return cmp.Or(strings.Compare(a.Case, b.Case), cmp.Compare(a.Session, b.Session))
	})
	return missing, nil
}

// CreateSelection inserts sel and sets its ID.
func (s *Store) CreateSelection(ctx context.Context, sel *models.Selection) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	params := sel.Params
	if params == nil {
		params = map[string]any{}
	}
	pj, err := json.Marshal(params)
	if err != nil {
		return err
	}
	items := make([]selectedJSON, len(sel.Selected))
	for i, x := range sel.Selected {
		items[i] = selectedJSON(x)
	}
	sj, err := json.Marshal(items)
	if err != nil {
		return err
	}
	r := selectionRow{DatasetID: sel.DatasetID, Rule: sel.Rule, Params: string(pj), Selected: string(sj), CreatedBy: sel.CreatedBy, CreatedAt: sel.CreatedAt}
	if err := db.Create(&r).Error; err != nil {
		return err
	}
	sel.ID = r.ID
	return nil
}

// LatestSelection returns the dataset's newest stored selection;
// ErrNotFound when none is stored.
func (s *Store) LatestSelection(ctx context.Context, datasetID int64) (models.Selection, error) {
	var r selectionRow
	if err := s.db(ctx).Where("dataset_id = ?", datasetID).Order("id DESC").Limit(1).Take(&r).Error; err != nil {
		return models.Selection{}, notFound(err, "selection")
	}
	sel := models.Selection{ID: r.ID, DatasetID: r.DatasetID, Rule: r.Rule, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Params), &sel.Params); err != nil {
		return sel, fmt.Errorf("selection %d params: %w", r.ID, err)
	}
	var items []selectedJSON
	if err := json.Unmarshal([]byte(r.Selected), &items); err != nil {
		return sel, fmt.Errorf("selection %d selected: %w", r.ID, err)
	}
	sel.Selected = make([]models.SelectedSession, len(items))
	for i, x := range items {
		sel.Selected[i] = models.SelectedSession(x)
	}
	return sel, nil
}
