package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stagewise/stagewise/models"
)

// comparisonsMigrations create the comparison tables (version 4).
var comparisonsMigrations = []migration{
	{
		version: 4,
		name:    "comparisons",
		sql: []string{
			`CREATE TABLE comparisons (
				id {{id}},
				model_id BIGINT NOT NULL REFERENCES task_models(id),
				version_number INTEGER NOT NULL,
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				sessions TEXT NOT NULL,
				coder TEXT NOT NULL,
				inputs TEXT NOT NULL,
				inputs_hash TEXT NOT NULL,
				report {{blob}} NOT NULL,
				summary TEXT NOT NULL,
				created_by BIGINT NOT NULL REFERENCES users(id),
				created_at {{ts}} NOT NULL
			)`,
			`CREATE INDEX comparisons_model ON comparisons (model_id, version_number)`,
		},
	},
}

type comparisonRow struct {
	ID            int64 `gorm:"primaryKey"`
	ModelID       int64
	VersionNumber int
	DatasetID     int64
	Sessions      string
	Coder         string
	Inputs        string
	InputsHash    string
	Report        []byte // gzip of the report JSON
	Summary       string
	CreatedBy     int64
	CreatedAt     time.Time
}

func (comparisonRow) TableName() string { return "comparisons" }

// CreateComparison stores c and sets its ID.
func (s *Store) CreateComparison(ctx context.Context, c *models.Comparison) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	packed, err := gzipBytes(c.Report)
	if err != nil {
		return err
	}
	r := comparisonRow{ModelID: c.ModelID, VersionNumber: c.VersionNumber, DatasetID: c.DatasetID, Sessions: c.Sessions,
		Coder: c.Coder, Inputs: string(c.Inputs), InputsHash: c.InputsHash, Report: packed, Summary: string(c.Summary),
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt}
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	c.ID = r.ID
	return nil
}

func (s *Store) comparisonFrom(ctx context.Context, r comparisonRow, withReport bool) (models.Comparison, error) {
	var slug string
	if err := s.db(ctx).Model(&modelRow{}).Select("slug").Where("id = ?", r.ModelID).Scan(&slug).Error; err != nil {
		return models.Comparison{}, err
	}
	c := models.Comparison{ID: r.ID, ModelID: r.ModelID, ModelSlug: slug, VersionNumber: r.VersionNumber, DatasetID: r.DatasetID,
		Sessions: r.Sessions, Coder: r.Coder, Inputs: []byte(r.Inputs), InputsHash: r.InputsHash, Summary: []byte(r.Summary),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	if withReport {
		report, err := gunzipBytes(r.Report)
		if err != nil {
			return models.Comparison{}, fmt.Errorf("comparison %d report: %w", r.ID, err)
		}
		c.Report = report
	}
	return c, nil
}

// ComparisonByID finds a comparison with its report.
func (s *Store) ComparisonByID(ctx context.Context, id int64) (models.Comparison, error) {
	var r comparisonRow
	if err := s.db(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Comparison{}, notFound(err, "comparison")
	}
	return s.comparisonFrom(ctx, r, true)
}

// ListComparisons lists comparisons after the cursor id, without reports.
func (s *Store) ListComparisons(ctx context.Context, p models.Page) ([]models.Comparison, error) {
	var rows []comparisonRow
	if err := s.db(ctx).Omit("report").Where("id > ?", p.Cursor).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.Comparison, 0, len(rows))
	for _, r := range rows {
		c, err := s.comparisonFrom(ctx, r, false)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ComparisonCount counts the comparisons of a model (for idempotent demo data).
func (s *Store) ComparisonCount(ctx context.Context, modelID int64) (int64, error) {
	var n int64
	err := s.db(ctx).Model(&comparisonRow{}).Where("model_id = ?", modelID).Count(&n).Error
	return n, err
}

// Reports are stored gzipped: a report of 100,000 sessions is tens of
// megabytes of very repetitive JSON, about a tenth of that compressed, and
// writing (and fsyncing) less costs less than compressing at BestSpeed.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/8 + 64)
	w, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gunzipBytes(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
