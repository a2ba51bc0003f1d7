package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
)

// eventColumns are the columns scanEvent reads (then seq), prefixed ev.
const eventColumns = `ev.id, ev.organization_id, ev.endpoint_id, ev.customer_id, ev.type, ev.created_at, ev.modified_at,
	ev.payload, ev.succeeded, ev.skipped, ev.last_http_code`

// scanEvent reads eventColumns and seq.
func (s *Store) scanEvent(row interface{ Scan(...any) error }, more ...any) (*gatehouse.WebhookEvent, int64, error) {
	var (
		e         gatehouse.WebhookEvent
		created   int64
		modified  sql.NullInt64
		payload   sql.NullString
		succeeded sql.NullBool
		code      sql.NullInt64
		seq       int64
	)
	if err := row.Scan(append([]any{&e.ID, &e.OrganizationID, &e.EndpointID, &e.CustomerID, &e.Type, &created, &modified,
		&payload, &succeeded, &e.Skipped, &code, &seq}, more...)...); err != nil {
		return nil, 0, err
	}
	e.CreatedAt, e.ModifiedAt, e.Payload = fromMicros(created), timePtr(modified), strPtr(payload)
	if succeeded.Valid {
		e.Succeeded = &succeeded.Bool
	}
	if code.Valid {
		c := int(code.Int64)
		e.LastHTTPCode = &c
	}
	return &e, seq, nil
}

// scanEventBlocked reads eventColumns, seq and one boolean more.
func (s *Store) scanEventBlocked(row interface{ Scan(...any) error }) (*gatehouse.WebhookEvent, int64, bool, error) {
	var blocked bool
	e, seq, err := s.scanEvent(row, &blocked)
	return e, seq, blocked, err
}

// WebhookEvent returns one event of the organization, or ENotFound.
func (s *Store) WebhookEvent(ctx context.Context, orgID, id string) (*gatehouse.WebhookEvent, error) {
	e, _, err := s.scanEvent(s.r.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+`, ev.seq FROM webhook_events ev
		WHERE ev.id = ? AND ev.organization_id = ?`), id, orgID))
	return e, s.notFound(err, "find webhook event %s", id)
}

// errArchived is the answer to a redelivery of an archived event.
var errArchived = &gatehouse.Error{Code: gatehouse.EInvalid, Message: "This webhook event is archived: its payload is gone and it cannot be redelivered."}

// RedeliverWebhookEvent clears Skipped (and the waiting mark) of an event
// of the organization and enqueues it as a redelivery, which bypasses the
// per-customer order. ENotFound if there is no such event, EInvalid if it
// is archived.
func (s *Store) RedeliverWebhookEvent(ctx context.Context, orgID, id string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var archived bool
		err := tx.QueryRowContext(ctx, s.q(`SELECT payload IS NULL FROM webhook_events WHERE id = ? AND organization_id = ?`+s.forUpdate()), id, orgID).Scan(&archived)
		if err != nil {
			return errNotFoundRow(err)
		}
		if archived {
			return errArchived
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET skipped = ?, waiting = ?, modified_at = ? WHERE id = ?`),
			false, false, micros(s.now()), id); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, []gatehouse.WebhookJob{{EventID: id, Redeliver: true}})
	})
	return s.wrap(err, "redeliver webhook event %s", id)
}

// archiveBatch bounds each archiving transaction, so SQLite's one writer
// is never held long.
const archiveBatch = 1000

// ArchiveWebhookEvents drops the payloads of the finished or skipped
// events created before t and returns how many it archived. Pending events
// keep theirs (an event whose payload is gone could never be sent, and
// would hold up its customer's later events forever).
func (s *Store) ArchiveWebhookEvents(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		res, err := s.w.ExecContext(ctx, s.q(`UPDATE webhook_events SET payload = NULL WHERE seq IN (
			SELECT seq FROM webhook_events WHERE created_at < ? AND payload IS NOT NULL AND (succeeded IS NOT NULL OR skipped)
			LIMIT ?)`), micros(before), archiveBatch)
		if err != nil {
			return total, s.wrap(err, "archive webhook events")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.wrap(err, "archive webhook events")
		}
		total += int(n)
		if n < archiveBatch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("archive webhook events: %w", err)
		}
	}
}
