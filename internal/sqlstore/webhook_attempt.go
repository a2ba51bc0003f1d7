package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Webhook attempts and the per-customer order.
//
// For one endpoint and customer, an event is attempted only once every
// earlier (lower seq) one is finished: succeeded or failed for good
// (succeeded IS NOT NULL) or skipped. BeginWebhookAttempt checks that and,
// when an earlier one is unfinished, marks the event waiting instead; the
// earlier one's FinishWebhookAttempt (final) or SkipWebhookEvent enqueues
// the lowest waiting event of the key and clears its mark. The check and
// the mark must not interleave with the finish of the earlier event, or
// the finish could look for waiting events before the mark is written and
// the event would never be enqueued again:
//   - SQLite has one writer, and every one of these runs in a write
//     transaction: they are serial.
//   - PostgreSQL: the check locks the unfinished earlier rows FOR UPDATE
//     (all of them, no LIMIT: under READ COMMITTED a locked row that
//     changed is re-checked, and a LIMIT could then hide the others). A
//     finish updates its own row first, so it either commits before the
//     check reads the row (then the row is finished and not returned), or
//     waits for the check's transaction, and its later statements see the
//     committed mark. Both take the earlier row's lock before touching the
//     later one. A begin first reads, without locking, whether any earlier
//     event is unfinished: finishing is final, so "none" is safe to act on,
//     and only "some" takes the locking path.
//   - Auto-disable (a finish that skips the endpoint's pending events) can
//     still cross a begin's locks; PostgreSQL breaks such a deadlock and
//     attemptTx runs the aborted transaction again.
//
// Events without a customer (CustomerID "") are not ordered. A begin also
// claims its event (WebhookClaim), so two jobs of one event never attempt
// it at once.

// forUpdate is the row-lock clause of the dialect (SQLite's write
// transactions already exclude each other).
func (s *Store) forUpdate() string {
	if s.dialect == dialectPostgres {
		return ` FOR UPDATE`
	}
	return ``
}

// eventKey is what the ordering needs of an event row.
type eventKey struct {
	seq                    int64
	orgID, endpointID, cus string
}

// lockEvent reads (on PostgreSQL: locks) the event with id in tx.
func (s *Store) lockEvent(ctx context.Context, tx *sql.Tx, id string) (eventKey, error) {
	var k eventKey
	err := tx.QueryRowContext(ctx, s.q(`SELECT seq, organization_id, endpoint_id, customer_id FROM webhook_events WHERE id = ?`+s.forUpdate()), id).
		Scan(&k.seq, &k.orgID, &k.endpointID, &k.cus)
	return k, errNotFoundRow(err)
}

// BeginWebhookAttempt loads the event with id, its endpoint (deleted or
// not) and its delivery count, and claims the event for claim.Owner until
// claim.Until. It returns nil and marks the event waiting when an earlier
// event of its endpoint and customer is unfinished and redeliver is false.
// It also returns nil, changing nothing, for an event that is already
// finished or skipped when redeliver is false (a duplicate job, one
// rescued after its attempt committed, has nothing left to do), and for
// one another owner's unexpired claim holds: that sender finishes it. A
// redelivery then gets EConflict, to be tried again. ENotFound when there
// is no such event.
//
// The claim is what keeps two senders off one event: a job that marked
// its event waiting can be rescued by River after its instance died, and
// run again beside the job the earlier event's finish enqueued.
func (s *Store) BeginWebhookAttempt(ctx context.Context, id string, redeliver bool, claim gatehouse.WebhookClaim) (*gatehouse.WebhookAttempt, error) {
	var ev *gatehouse.WebhookEvent
	now := s.now()
	err := s.attemptTx(ctx, func(tx *sql.Tx) error {
		ev = nil
		// The event and whether an earlier one is unfinished, in one
		// read: finishing is final, so "none" needs no lock; "some" takes
		// earlierUnfinished's locking path.
		e, seq, blocked, err := s.scanEventBlocked(tx.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+`, ev.seq,
			EXISTS (SELECT 1 FROM webhook_events e2 WHERE e2.endpoint_id = ev.endpoint_id AND e2.customer_id = ev.customer_id
				AND ev.customer_id <> '' AND e2.seq < ev.seq AND e2.succeeded IS NULL AND NOT e2.skipped)
			FROM webhook_events ev WHERE ev.id = ?`), id))
		if err != nil {
			return errNotFoundRow(err)
		}
		if !redeliver {
			if e.Succeeded != nil || e.Skipped {
				return nil
			}
			if blocked {
				if wait, err := s.earlierUnfinished(ctx, tx, e, seq); err != nil || wait {
					return err
				}
			}
		}
		if claim.Owner != "" {
			// One statement claims or finds the claim held: on PostgreSQL
			// a concurrent claimer waits for this row and re-reads it;
			// the row is locked after the earlier ones (the lock order).
			res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET claim_owner = ?, claim_until = ?
				WHERE id = ? AND (claim_owner IS NULL OR claim_owner = ? OR claim_until <= ?)
				AND (? OR (succeeded IS NULL AND NOT skipped))`),
				claim.Owner, micros(claim.Until), id, claim.Owner, micros(now), redeliver)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				if redeliver {
					return gatehouse.Errorf(gatehouse.EConflict, "webhook event %s is being delivered", id)
				}
				return nil
			}
		}
		ev = e
		return nil
	})
	if err != nil || ev == nil {
		return nil, s.wrap(err, "begin webhook attempt %s", id)
	}
	// The endpoint and the delivery count, read after the claim committed
	// (not holding SQLite's one writer): the claim keeps other senders off
	// the event, so its deliveries do not change meanwhile.
	a := &gatehouse.WebhookAttempt{Event: ev}
	row := s.r.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+`, (SELECT count(*) FROM webhook_deliveries WHERE event_id = ?)
		FROM webhook_endpoints WHERE id = ?`), id, ev.EndpointID)
	if a.Endpoint, err = s.scanEndpoint(row, &a.Deliveries); err != nil {
		return nil, s.wrap(fmt.Errorf("find webhook endpoint %s: %w", ev.EndpointID, err), "begin webhook attempt %s", id)
	}
	return a, nil
}

// attemptTx runs fn in a write transaction, again when PostgreSQL broke a
// deadlock by aborting it (at most three times). The sender's
// transactions lock events of one endpoint in orders that can cross (a
// finish locks its own event, then auto-disable the endpoint's pending
// ones; a begin locks a customer's earlier events, then its own): the
// server detects the cycle and aborts one, and running it again is safe,
// where giving up would lose the record of an attempt already made (its
// job would then make one more than the ten).
func (s *Store) attemptTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for try := 0; ; try++ {
		err := s.tx(ctx, fn)
		if err == nil || try == 2 || !retryableTx(err) || ctx.Err() != nil {
			return err
		}
	}
}

// earlierUnfinished reports whether an earlier event of ev's endpoint and
// customer is unfinished, locking those rows, and marks ev waiting if so.
func (s *Store) earlierUnfinished(ctx context.Context, tx *sql.Tx, ev *gatehouse.WebhookEvent, seq int64) (bool, error) {
	if ev.CustomerID == "" {
		return false, nil
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT seq FROM webhook_events
		WHERE endpoint_id = ? AND customer_id = ? AND seq < ? AND succeeded IS NULL AND NOT skipped`+s.forUpdate()),
		ev.EndpointID, ev.CustomerID, seq)
	if err != nil {
		return false, err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET waiting = ? WHERE id = ?`), true, ev.ID)
	return true, err
}

// releaseNext enqueues the lowest waiting event of k's endpoint and
// customer and clears its mark.
func (s *Store) releaseNext(ctx context.Context, tx *sql.Tx, k eventKey) error {
	if k.cus == "" {
		return nil
	}
	var next string
	err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM webhook_events
		WHERE endpoint_id = ? AND customer_id = ? AND succeeded IS NULL AND NOT skipped AND waiting = ?
		ORDER BY seq LIMIT 1`+s.forUpdate()), k.endpointID, k.cus, true).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET waiting = ? WHERE id = ?`), false, next); err != nil {
		return err
	}
	return s.enqueue(ctx, tx, []gatehouse.WebhookJob{{EventID: next}})
}

// FinishWebhookAttempt records d, an attempt of d.EventID (an ID is
// generated when d.ID is empty; a zero CreatedAt is now). Every attempt
// sets the event's last HTTP code and modified_at (d.CreatedAt). With
// final set the event is finished (Succeeded = d.Succeeded); a failure
// then checks the endpoint's WebhookFailureThreshold latest finished
// events and, when all failed, disables the endpoint and skips its
// pending events (disabled reports that this call disabled it); last the
// next waiting event of the customer is enqueued. ENotFound when there is
// no such event.
func (s *Store) FinishWebhookAttempt(ctx context.Context, d *gatehouse.WebhookDelivery, final bool) (disabled bool, err error) {
	if d.ID == "" {
		d.ID = newID()
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.now()
	}
	d.CreatedAt = norm(d.CreatedAt)
	normPtr(d.ModifiedAt)
	err = s.attemptTx(ctx, func(tx *sql.Tx) error {
		disabled = false
		if final && !d.Succeeded {
			if err := s.lockEndpointOf(ctx, tx, d.EventID); err != nil {
				return err
			}
		}
		// The event row is updated (and so locked) first, returning what
		// the delivery row and the order need: one statement instead of a
		// locking read and an update.
		upd := `UPDATE webhook_events SET last_http_code = ?, modified_at = ?, claim_owner = NULL, claim_until = NULL`
		args := []any{intPtr(d.HTTPCode), micros(d.CreatedAt)}
		if final {
			upd += `, succeeded = ?, waiting = ?`
			args = append(args, d.Succeeded, false)
		}
		var k eventKey
		err := tx.QueryRowContext(ctx, s.q(upd+` WHERE id = ? RETURNING seq, organization_id, endpoint_id, customer_id`),
			append(args, d.EventID)...).Scan(&k.seq, &k.orgID, &k.endpointID, &k.cus)
		if err != nil {
			return errNotFoundRow(err)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, event_id, created_at, modified_at, succeeded, http_code, response)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), d.ID, k.orgID, k.endpointID, d.EventID, micros(d.CreatedAt), microsPtr(d.ModifiedAt),
			d.Succeeded, intPtr(d.HTTPCode), nullStr(d.Response))
		if err != nil || !final {
			return err
		}
		if !d.Succeeded {
			if disabled, err = s.autoDisable(ctx, tx, k.endpointID, d.CreatedAt); err != nil {
				return err
			}
		}
		return s.releaseNext(ctx, tx, k)
	})
	if err != nil {
		return false, s.wrap(err, "finish webhook attempt of %s", d.EventID)
	}
	return disabled, nil
}

// lockEndpointOf locks, on PostgreSQL, the endpoint row of event id, so
// that the final failures of one endpoint's events finish one after the
// other: each autoDisable then counts the failures committed before it.
// Without it, ten events failing for good at once each saw nine (their
// own, the others uncommitted under READ COMMITTED) and none disabled the
// endpoint. It runs before lockEvent: the endpoint, then its events, is
// the one lock order (autoDisable's UPDATE of pending events takes event
// rows while holding the endpoint). SQLite has one writer: nothing to do.
// A missing event locks nothing; lockEvent reports it.
func (s *Store) lockEndpointOf(ctx context.Context, tx *sql.Tx, id string) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT 1 FROM webhook_endpoints
		WHERE id = (SELECT endpoint_id FROM webhook_events WHERE id = $1) FOR UPDATE`, id)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// autoDisable disables the endpoint when its WebhookFailureThreshold
// latest finished events (by seq: creation order, as Polar orders them by
// created_at) all failed, and skips its pending events. It reports whether
// it disabled the endpoint (false when it already was).
func (s *Store) autoDisable(ctx context.Context, tx *sql.Tx, endpointID string, now time.Time) (bool, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT succeeded FROM webhook_events
		WHERE endpoint_id = ? AND succeeded IS NOT NULL ORDER BY seq DESC LIMIT ?`), endpointID, gatehouse.WebhookFailureThreshold)
	if err != nil {
		return false, err
	}
	failed := 0
	for rows.Next() {
		var ok bool
		if err := rows.Scan(&ok); err != nil {
			rows.Close()
			return false, err
		}
		if !ok {
			failed++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || failed < gatehouse.WebhookFailureThreshold {
		return false, err
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET enabled = ?, modified_at = ? WHERE id = ? AND enabled = ?`),
		false, micros(now), endpointID, true)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET skipped = ?, waiting = ?, modified_at = ?
		WHERE endpoint_id = ? AND succeeded IS NULL AND NOT skipped`), true, false, micros(now), endpointID)
	return true, err
}

// SkipWebhookEvent marks an unfinished event skipped (its endpoint is
// disabled or deleted) and enqueues the next waiting event of its
// customer. A finished event keeps its outcome. ENotFound when there is no
// such event.
func (s *Store) SkipWebhookEvent(ctx context.Context, id string) error {
	err := s.attemptTx(ctx, func(tx *sql.Tx) error {
		k, err := s.lockEvent(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET skipped = ?, waiting = ?, modified_at = ?, claim_owner = NULL, claim_until = NULL
			WHERE id = ? AND succeeded IS NULL`),
			true, false, micros(s.now()), id)
		if err != nil {
			return err
		}
		return s.releaseNext(ctx, tx, k)
	})
	return s.wrap(err, "skip webhook event %s", id)
}

// intPtr is the stored form of an optional int.
func intPtr(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}
