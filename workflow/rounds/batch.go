package rounds

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagewise/stagewise/models"
)

// Group commit of panel reviews. With synchronous=FULL (SQLite) or
// synchronous_commit (PostgreSQL) every commit waits for the disk, so one
// transaction per review caps throughput at the disk's flush rate.
// Concurrent review submissions are therefore queued, and one goroutine
// writes whatever is queued (up to maxBatch reviews, after waiting up to
// linger for more to arrive) in one transaction, then acknowledges each
// caller. Each review runs in its own savepoint and re-checks, inside the
// transaction, that its round is still open and before its deadline
// (Store.LockOpenRound), so a failing review gets its own error without
// failing the others; each writes its audit entry in the same transaction.
// Batching is per process; with several processes on PostgreSQL the row
// lock LockOpenRound takes and the audit head serialize them correctly.
//
// The writer goroutine runs only while there is work: it starts with the
// first queued review and ends when the queue is empty, so an idle
// Service holds no goroutine. StopBatching waits for it and makes later
// submissions write on their own.

const (
	maxBatch    = 256
	batchLinger = time.Millisecond
	batchBudget = 30 * time.Second
)

type reviewJob struct {
	actor  models.User
	review models.Review
	err    error
	done   chan struct{}
}

type reviewBatcher struct {
	write func(jobs []*reviewJob)

	// contents caches the content of versions under review by version id:
	// content is frozen once a version leaves draft, and rounds exist only
	// on such versions, so an entry never goes stale.
	contents sync.Map // int64 → models.Content
	cached   atomic.Int64

	mu      sync.Mutex
	queue   []*reviewJob
	running bool
	closed  bool
	wg      sync.WaitGroup
}

// batcher returns the Service's batcher, made on first use.
func (s *Service) batcher() *reviewBatcher {
	s.batchOnce.Do(func() { s.batch = &reviewBatcher{write: s.writeBatch} })
	return s.batch
}

// StopBatching drains the review queue, waits for the writer and makes
// later review submissions write one transaction each. Call it on
// shutdown after the HTTP server has stopped and before the store closes.
func (s *Service) StopBatching() {
	b := s.batcher()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wg.Wait()
}

// submit queues a validated review and waits until it is durable (or
// failed). A caller that gives up (ctx done) gets ctx's error; its review
// may still be written.
func (b *reviewBatcher) submit(ctx context.Context, actor models.User, rv models.Review) (models.Review, error) {
	j := &reviewJob{actor: actor, review: rv, done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.write([]*reviewJob{j})
		return j.review, j.err
	}
	b.queue = append(b.queue, j)
	if !b.running {
		b.running = true
		b.wg.Add(1)
		go b.run()
	}
	b.mu.Unlock()
	select {
	case <-j.done:
		return j.review, j.err
	case <-ctx.Done():
		return models.Review{}, ctx.Err()
	}
}

func (b *reviewBatcher) run() {
	defer b.wg.Done()
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		short := len(b.queue) < maxBatch
		b.mu.Unlock()
		if short {
			// Let the submissions that are on their way join this batch.
			time.Sleep(batchLinger)
		}
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		batch := b.queue[:n:n]
		b.queue = append([]*reviewJob(nil), b.queue[n:]...)
		b.mu.Unlock()
		b.write(batch)
	}
}

// writeBatch writes jobs in one transaction and acknowledges each.
func (s *Service) writeBatch(jobs []*reviewJob) {
	ctx, cancel := context.WithTimeout(context.Background(), batchBudget)
	defer cancel()
	written := make([]bool, len(jobs))
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		// Take every round's row lock first, in id order, before any audit
		// append: a close in another process locks its round and then the
		// audit head, so this order cannot deadlock with it.
		var ids []int64
		for _, j := range jobs {
			if !slices.Contains(ids, j.review.RoundID) {
				ids = append(ids, j.review.RoundID)
			}
		}
		slices.Sort(ids)
		now := s.core.Now()
		for _, id := range ids {
			if _, err := s.store.LockOpenRound(ctx, id, now); err != nil {
				return err
			}
		}
		for i, j := range jobs {
			rv := j.review
			j.err = s.store.Savepoint(ctx, func(ctx context.Context) error {
				return s.writeReview(ctx, j.actor, &rv)
			})
			if j.err == nil {
				j.review, written[i] = rv, true
			}
		}
		return nil
	})
	for i, j := range jobs {
		// A failed transaction wrote nothing: the reviews it had written
		// are rolled back and those it never reached (LockOpenRound or
		// BEGIN failed) were not written either. Every job without an
		// error of its own gets the transaction's, so none is acknowledged
		// as durable when it is not.
		if err != nil && (written[i] || j.err == nil) {
			j.err = err
		}
		close(j.done)
	}
}

// maxCachedContents bounds the version-content cache; past it the cache
// starts over.
const maxCachedContents = 256

// roundContent returns the content of the version round r reviews.
func (s *Service) roundContent(ctx context.Context, r models.Round) (models.Content, error) {
	b := s.batcher()
	if c, ok := b.contents.Load(r.VersionID); ok {
		return c.(models.Content), nil
	}
	m, err := s.store.ModelBySlug(ctx, r.ModelSlug)
	if err != nil {
		return models.Content{}, err
	}
	v, err := s.store.VersionByNumber(ctx, m, r.VersionNumber)
	if err != nil {
		return models.Content{}, err
	}
	if v.Status != models.StatusDraft {
		if b.cached.Add(1) > maxCachedContents {
			b.contents.Clear()
			b.cached.Store(1)
		}
		b.contents.Store(r.VersionID, v.Content)
	}
	return v.Content, nil
}
