package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse"
)

// Webhook endpoints, and the fan-out of a change's events to them. The
// attempts (ordering, auto-disable) are in webhook_attempt.go, the
// deliveries list in webhook_delivery.go.

var errNoSealer = &gatehouse.Error{Code: gatehouse.EInternal,
	Message: "webhook endpoints need a sealer for their secrets: the store was opened without sqlstore.Options.Sealer"}

// SetWebhookQueue sets the queue that takes the jobs of the webhook events
// the store writes, in the writing transaction. The queue is built on the
// store's own database, hence after Open. With none (nil, the default)
// events are written and nothing is enqueued.
func (s *Store) SetWebhookQueue(q gatehouse.WebhookQueue) {
	if q == nil {
		s.queue.Store(nil)
		return
	}
	s.queue.Store(&q)
}

// enqueue hands jobs to the queue in tx.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, jobs []gatehouse.WebhookJob) error {
	q := s.queue.Load()
	if q == nil || len(jobs) == 0 {
		return nil
	}
	if err := (*q).EnqueueTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("enqueue %d webhook jobs: %w", len(jobs), err)
	}
	return nil
}

const endpointColumns = `id, organization_id, created_at, modified_at, deleted_at, url, name, format,
	secret_sealed, previous_secret_sealed, previous_secret_until, events, enabled`

// endpointArgs returns the stored values of every column of e after id
// and organization_id, sealing its secrets.
func (s *Store) endpointArgs(e *gatehouse.WebhookEndpoint) ([]any, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	secret, err := s.sealer.Seal([]byte(e.Secret))
	if err != nil {
		return nil, fmt.Errorf("seal webhook secret: %w", err)
	}
	var prev any
	if e.PreviousSecret != nil {
		if prev, err = s.sealer.Seal([]byte(*e.PreviousSecret)); err != nil {
			return nil, fmt.Errorf("seal webhook secret: %w", err)
		}
	}
	events, err := json.Marshal(e.Events)
	if err != nil {
		return nil, fmt.Errorf("encode webhook events: %w", err)
	}
	return []any{micros(e.CreatedAt), microsPtr(e.ModifiedAt), microsPtr(e.DeletedAt), e.URL, nullStr(e.Name), e.Format,
		secret, prev, microsPtr(e.PreviousSecretUntil), string(events), e.Enabled}, nil
}

// normEndpoint normalizes the times and events of e in place.
func normEndpoint(e *gatehouse.WebhookEndpoint) {
	e.CreatedAt = norm(e.CreatedAt)
	normPtr(e.ModifiedAt)
	normPtr(e.DeletedAt)
	normPtr(e.PreviousSecretUntil)
	if e.Events == nil {
		e.Events = []string{}
	}
}

// scanEndpoint reads one row of endpointColumns and opens its secrets.
func (s *Store) scanEndpoint(row interface{ Scan(...any) error }, more ...any) (*gatehouse.WebhookEndpoint, error) {
	var (
		e                        gatehouse.WebhookEndpoint
		created                  int64
		modified, deleted, until sql.NullInt64
		name                     sql.NullString
		secret, prev             []byte
		events                   string
	)
	if err := row.Scan(append([]any{&e.ID, &e.OrganizationID, &created, &modified, &deleted, &e.URL, &name, &e.Format,
		&secret, &prev, &until, &events, &e.Enabled}, more...)...); err != nil {
		return nil, err
	}
	if s.sealer == nil {
		return nil, errNoSealer
	}
	e.CreatedAt, e.ModifiedAt, e.DeletedAt, e.PreviousSecretUntil = fromMicros(created), timePtr(modified), timePtr(deleted), timePtr(until)
	e.Name = strPtr(name)
	pt, err := s.sealer.Open(secret)
	if err != nil {
		return nil, fmt.Errorf("open secret of webhook endpoint %s: %w", e.ID, err)
	}
	e.Secret = string(pt)
	if prev != nil {
		pt, err := s.sealer.Open(prev)
		if err != nil {
			return nil, fmt.Errorf("open previous secret of webhook endpoint %s: %w", e.ID, err)
		}
		p := string(pt)
		e.PreviousSecret = &p
	}
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return nil, fmt.Errorf("decode events of webhook endpoint %s: %w", e.ID, err)
	}
	if e.Events == nil {
		e.Events = []string{}
	}
	return &e, nil
}

// CreateWebhookEndpoint inserts e (an ID is generated when e.ID is empty),
// its secrets sealed. Without a Sealer it is EInternal.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *gatehouse.WebhookEndpoint) error {
	if e.ID == "" {
		e.ID = newID()
	}
	normEndpoint(e)
	args, err := s.endpointArgs(e)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES (?, ?, `+placeholders(len(args))+`)`),
		append([]any{e.ID, e.OrganizationID}, args...)...)
	s.sessionSubs.forget(e.OrganizationID)
	return s.wrap(err, "create webhook endpoint")
}

// WebhookEndpoint returns a live endpoint of the organization, or
// ENotFound.
func (s *Store) WebhookEndpoint(ctx context.Context, orgID, id string) (*gatehouse.WebhookEndpoint, error) {
	e, err := s.scanEndpoint(s.r.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE id = ? AND organization_id = ? AND deleted_at IS NULL`), id, orgID))
	return e, s.notFound(err, "find webhook endpoint %s", id)
}

// ListWebhookEndpoints returns a page of the organization's live
// endpoints, newest first, and their total count.
func (s *Store) ListWebhookEndpoints(ctx context.Context, orgID string, p gatehouse.Page) ([]*gatehouse.WebhookEndpoint, int, error) {
	limit, offset := pageBounds(p)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+endpointColumns+`, count(*) OVER () FROM webhook_endpoints
		WHERE organization_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`), orgID, limit, offset)
	if err != nil {
		return nil, 0, s.wrap(err, "list webhook endpoints")
	}
	defer rows.Close()
	out := []*gatehouse.WebhookEndpoint{}
	total := 0
	for rows.Next() {
		e, err := s.scanEndpoint(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &total)...) }))
		if err != nil {
			return nil, 0, s.wrap(err, "list webhook endpoints")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err, "list webhook endpoints")
	}
	if len(out) == 0 && offset > 0 {
		err := s.r.QueryRowContext(ctx, s.q(`SELECT count(*) FROM webhook_endpoints WHERE organization_id = ? AND deleted_at IS NULL`), orgID).Scan(&total)
		if err != nil {
			return nil, 0, s.wrap(err, "count webhook endpoints")
		}
	}
	return out, total, nil
}

// scanFunc adapts a function to the Scan method scanEndpoint takes.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// UpdateWebhookEndpoint writes every field of e to the live row (ENotFound
// if there is none); setting DeletedAt soft-deletes it. The secrets are
// sealed again, with fresh nonces.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e *gatehouse.WebhookEndpoint) error {
	normEndpoint(e)
	args, err := s.endpointArgs(e)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET created_at = ?, modified_at = ?, deleted_at = ?, url = ?,
		name = ?, format = ?, secret_sealed = ?, previous_secret_sealed = ?, previous_secret_until = ?, events = ?, enabled = ?
		WHERE id = ? AND organization_id = ? AND deleted_at IS NULL`), append(args, e.ID, e.OrganizationID)...)
	s.sessionSubs.forget(e.OrganizationID)
	if err != nil {
		return s.wrap(err, "update webhook endpoint %s", e.ID)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.wrap(err, "update webhook endpoint %s", e.ID)
	} else if n == 0 {
		return gatehouse.ErrNotFound
	}
	return nil
}

// writeEvents is the fan-out of a change (of a customer, or of one of its
// sessions), in its transaction tx and after the change's rows were
// written: one webhook_events row per event and enabled, live endpoint of
// the organization subscribed to its type, then one EnqueueTx of them
// all. An event without an organization or customer takes orgID's or
// customerID's; an event of another organization is refused.
func (s *Store) writeEvents(ctx context.Context, tx *sql.Tx, orgID, customerID string, events []gatehouse.Event) error {
	if len(events) == 0 {
		return nil
	}
	subs, err := s.subscriptions(ctx, tx, orgID)
	if err != nil || len(subs) == 0 {
		return err
	}
	var jobs []gatehouse.WebhookJob
	for _, ev := range events {
		org, cust := ev.OrganizationID, ev.CustomerID
		if org == "" {
			org = orgID
		}
		if cust == "" {
			cust = customerID
		}
		if org != orgID {
			return fmt.Errorf("write webhook events: event of organization %s in a change of %s", org, orgID)
		}
		for _, sub := range subs {
			if !sub.Subscribed(ev.Type) {
				continue
			}
			id := newID()
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_events (id, organization_id, endpoint_id, customer_id, type, payload, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), id, org, sub.ID, cust, ev.Type, string(ev.Payload), micros(ev.Timestamp))
			if err != nil {
				return fmt.Errorf("write webhook event: %w", err)
			}
			jobs = append(jobs, gatehouse.WebhookJob{EventID: id})
		}
	}
	return s.enqueue(ctx, tx, jobs)
}

// subscriptions returns the enabled, live endpoints of the organization
// with their IDs and events only (no secrets are opened).
func (s *Store) subscriptions(ctx context.Context, tx *sql.Tx, orgID string) ([]*gatehouse.WebhookEndpoint, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, events FROM webhook_endpoints
		WHERE organization_id = ? AND enabled = ? AND deleted_at IS NULL ORDER BY created_at, id`), orgID, true)
	if err != nil {
		return nil, fmt.Errorf("find webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []*gatehouse.WebhookEndpoint
	for rows.Next() {
		var e gatehouse.WebhookEndpoint
		var events string
		if err := rows.Scan(&e.ID, &events); err != nil {
			return nil, fmt.Errorf("find webhook endpoints: %w", err)
		}
		if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
			return nil, fmt.Errorf("decode events of webhook endpoint %s: %w", e.ID, err)
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// errNotFoundRow reports a missing row of a transaction's query as
// ENotFound.
func errNotFoundRow(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.ErrNotFound
	}
	return err
}
