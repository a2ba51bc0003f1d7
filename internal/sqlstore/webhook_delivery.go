package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// httpCodeClasses maps WebhookDeliveryFilter.HTTPCodeClass to its range.
var httpCodeClasses = map[string]int{"2xx": 200, "3xx": 300, "4xx": 400, "5xx": 500}

// deliveryWhere returns the conditions and arguments of f for the
// organization's deliveries d joined with their events ev.
func deliveryWhere(orgID string, f gatehouse.WebhookDeliveryFilter) (string, []any, error) {
	conds := []string{`d.organization_id = ?`}
	args := []any{orgID}
	if len(f.EndpointIDs) > 0 {
		conds = append(conds, `d.endpoint_id IN (`+placeholders(len(f.EndpointIDs))+`)`)
		args = append(args, anys(f.EndpointIDs)...)
	}
	if f.Start != nil {
		conds = append(conds, `d.created_at > ?`)
		args = append(args, micros(*f.Start))
	}
	if f.End != nil {
		conds = append(conds, `d.created_at < ?`)
		args = append(args, micros(*f.End))
	}
	if f.Succeeded != nil {
		conds = append(conds, `d.succeeded = ?`)
		args = append(args, *f.Succeeded)
	}
	if f.Query != "" {
		// Polar's ILIKE on the three columns. IDs are stored lowercase,
		// so lowering the query is the case-insensitive match on both
		// dialects (PostgreSQL's LIKE is case-sensitive).
		p := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		conds = append(conds, `(lower(d.id) LIKE ? ESCAPE '\' OR lower(d.event_id) LIKE ? ESCAPE '\'
			OR CAST(d.http_code AS TEXT) LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p)
	}
	if f.HTTPCodeClass != "" {
		lo, ok := httpCodeClasses[f.HTTPCodeClass]
		if !ok {
			return "", nil, gatehouse.Errorf(gatehouse.EInvalid, "http_code_class must be 2xx, 3xx, 4xx or 5xx")
		}
		conds = append(conds, `d.http_code >= ? AND d.http_code < ?`)
		args = append(args, lo, lo+100)
	}
	if len(f.EventTypes) > 0 {
		conds = append(conds, `ev.type IN (`+placeholders(len(f.EventTypes))+`)`)
		args = append(args, anys(f.EventTypes)...)
	}
	return strings.Join(conds, ` AND `), args, nil
}

// ListWebhookDeliveries returns a page of the deliveries of the
// organization's endpoints (deleted endpoints' included) matching f,
// newest first, each with its Event, and the total count of matches. An
// unknown HTTPCodeClass is EInvalid.
func (s *Store) ListWebhookDeliveries(ctx context.Context, orgID string, f gatehouse.WebhookDeliveryFilter) ([]*gatehouse.WebhookDelivery, int, error) {
	where, args, err := deliveryWhere(orgID, f)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := pageBounds(f.Page)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT d.id, d.event_id, d.created_at, d.modified_at, d.succeeded, d.http_code, d.response,
		`+eventColumns+`, ev.seq, count(*) OVER ()
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
		WHERE `+where+` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(err, "list webhook deliveries")
	}
	defer rows.Close()
	out := []*gatehouse.WebhookDelivery{}
	total := 0
	for rows.Next() {
		var (
			d        gatehouse.WebhookDelivery
			created  int64
			modified sql.NullInt64
			code     sql.NullInt64
			response sql.NullString
		)
		head := []any{&d.ID, &d.EventID, &created, &modified, &d.Succeeded, &code, &response}
		d.Event, _, err = s.scanEvent(scanFunc(func(dest ...any) error {
			return rows.Scan(append(append(head, dest...), &total)...)
		}))
		if err != nil {
			return nil, 0, s.wrap(err, "list webhook deliveries")
		}
		d.CreatedAt, d.ModifiedAt, d.Response = fromMicros(created), timePtr(modified), strPtr(response)
		if code.Valid {
			c := int(code.Int64)
			d.HTTPCode = &c
		}
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err, "list webhook deliveries")
	}
	if len(out) == 0 && offset > 0 {
		err := s.r.QueryRowContext(ctx, s.q(`SELECT count(*) FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
			WHERE `+where), args...).Scan(&total)
		if err != nil {
			return nil, 0, s.wrap(err, "count webhook deliveries")
		}
	}
	return out, total, nil
}
