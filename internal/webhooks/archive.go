package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// archiveArgs is the daily job that drops old payloads (Polar's retention
// cron).
type archiveArgs struct{}

// Kind implements river.JobArgs.
func (archiveArgs) Kind() string { return "gatehouse_webhook_archive" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (archiveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: 5}
}

// archivePeriodic enqueues the archive once a day, and once when an
// instance becomes leader (so a fleet that restarts more often than daily
// still archives). Only the leader enqueues periodic jobs.
func archivePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return archiveArgs{}, nil },
		&river.PeriodicJobOpts{ID: "gatehouse_webhook_archive", RunOnStart: true})
}

type archiveWorker struct {
	river.WorkerDefaults[archiveArgs]
	e *Engine
}

// Work archives the payloads of events older than the retention.
func (w *archiveWorker) Work(ctx context.Context, _ *river.Job[archiveArgs]) error {
	return w.e.Archive(ctx)
}

// Archive drops the payloads of events created more than Retention ago
// (the daily job calls it; so may an operator).
func (e *Engine) Archive(ctx context.Context) error {
	before := e.now().Add(-e.retention)
	n, err := e.store.ArchiveWebhookEvents(ctx, before)
	if err != nil {
		return fmt.Errorf("archive webhook events: %w", err)
	}
	if n > 0 {
		e.log.InfoContext(ctx, "archived webhook event payloads", "events", n, "before", before.UTC().Format(time.RFC3339))
	}
	return nil
}
