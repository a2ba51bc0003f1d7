package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DefaultBacklogLimit caps how many pending events WebhookBacklog reads:
// a metrics scrape must cost the same when a dead receiver has piled up a
// million events.
const DefaultBacklogLimit = 100_000

// WebhookBacklog returns how many webhook events are pending (not yet
// succeeded or failed for good, and not skipped: queued, retrying or
// waiting behind an earlier event of their customer), counting at most
// limit of them, and the creation time of the oldest one counted (zero
// when none is pending). At the cap, pending is limit and oldest is the
// oldest of the rows read, so both are lower bounds.
//
// The scan runs on the partial index webhook_events_pending, which holds
// exactly the pending rows, so its cost is bounded by limit whatever the
// size of the table.
func (s *Store) WebhookBacklog(ctx context.Context, limit int) (pending int, oldest time.Time, err error) {
	if limit <= 0 {
		limit = DefaultBacklogLimit
	}
	var first sql.NullInt64
	err = s.r.QueryRowContext(ctx, s.q(`SELECT count(*), min(created_at) FROM (
		SELECT created_at FROM webhook_events WHERE succeeded IS NULL AND NOT skipped LIMIT ?) p`), limit).Scan(&pending, &first)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count pending webhook events: %w", err)
	}
	if first.Valid {
		oldest = fromMicros(first.Int64)
	}
	return pending, oldest, nil
}
