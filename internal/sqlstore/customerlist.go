package sqlstore

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// sortColumns maps sort keys to columns. Text is sorted on the lowercased
// columns, which use byte order on both backends (COLLATE "C" on
// PostgreSQL), so both give the same order.
var sortColumns = map[string]string{
	gatehouse.SortCreatedAt: "c.created_at",
	gatehouse.SortEmail:     "c.email_lower",
	gatehouse.SortName:      "c.name_lower",
}

// escapeLike escapes the LIKE wildcards % and _ and the escape character
// itself, for use with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// customerWhere builds the WHERE clause of a customer list. ok is false
// when the filter can match nothing.
func customerWhere(orgID string, f gatehouse.CustomerFilter) (where string, args []any, ok bool) {
	if len(f.OrganizationIDs) > 0 && !slices.Contains(f.OrganizationIDs, orgID) {
		return "", nil, false
	}
	if f.Active != nil && *f.Active {
		return "", nil, false // Gatehouse has no subscriptions
	}
	conds := []string{"c.organization_id = ?", "c.deleted_at IS NULL"}
	args = []any{orgID}
	if f.Email != "" {
		conds = append(conds, "c.email_lower = ?")
		args = append(args, strings.ToLower(f.Email))
	}
	if f.Query != "" {
		q := escapeLike(strings.ToLower(f.Query))
		conds = append(conds, `(c.email_lower LIKE ? ESCAPE '\' OR c.name_lower LIKE ? ESCAPE '\'
			OR c.billing_name_lower LIKE ? ESCAPE '\' OR c.external_id_lower LIKE ? ESCAPE '\')`)
		args = append(args, "%"+q+"%", "%"+q+"%", "%"+q+"%", q+"%")
	}
	keys := make([]string, 0, len(f.Metadata))
	for k, vs := range f.Metadata {
		if len(vs) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := f.Metadata[k]
		conds = append(conds, `EXISTS (SELECT 1 FROM customer_metadata m WHERE m.customer_id = c.id
			AND m.meta_key = ? AND m.meta_value IN (`+placeholders(len(vs))+`))`)
		args = append(args, k)
		args = append(args, anys(vs)...)
	}
	return strings.Join(conds, " AND "), args, true
}

// customerOrder builds the ORDER BY clause: NULLs last ascending and first
// descending (PostgreSQL's default, made explicit for SQLite), then the ID
// for a stable order across pages.
func customerOrder(sorting []gatehouse.SortField) (string, error) {
	if len(sorting) == 0 {
		sorting = []gatehouse.SortField{{Field: gatehouse.SortCreatedAt, Desc: true}}
	}
	parts := make([]string, 0, len(sorting)+1)
	for _, sf := range sorting {
		col, ok := sortColumns[sf.Field]
		if !ok {
			return "", gatehouse.Errorf(gatehouse.EInvalid, "unknown sort field %q", sf.Field)
		}
		if sf.Desc {
			parts = append(parts, col+" DESC NULLS FIRST")
		} else {
			parts = append(parts, col+" ASC NULLS LAST")
		}
	}
	parts = append(parts, "c.id ASC")
	return strings.Join(parts, ", "), nil
}

// ListCustomers returns one page of live customers matching f and the total
// count of matches. An unknown sort field is EInvalid.
func (s *Store) ListCustomers(ctx context.Context, orgID string, f gatehouse.CustomerFilter) ([]*gatehouse.Customer, int, error) {
	order, err := customerOrder(f.Sorting)
	if err != nil {
		return nil, 0, err
	}
	where, args, ok := customerWhere(orgID, f)
	if !ok {
		return []*gatehouse.Customer{}, 0, nil
	}
	limit, offset := pageBounds(f.Page)
	// count(*) OVER () gives the total with the page in one query; only an
	// empty page past the end needs a separate count.
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+customerColumns+`, count(*) OVER () FROM customers c
		WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(err, "list customers")
	}
	defer rows.Close()
	out := []*gatehouse.Customer{}
	total := 0
	for rows.Next() {
		var d customerDest
		if err := rows.Scan(append(d.targets(), &total)...); err != nil {
			return nil, 0, s.wrap(err, "list customers")
		}
		c, err := d.customer()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err, "list customers")
	}
	if len(out) == 0 && offset > 0 {
		err := s.r.QueryRowContext(ctx, s.q(`SELECT count(*) FROM customers c WHERE `+where), args...).Scan(&total)
		if err != nil {
			return nil, 0, s.wrap(err, "count customers")
		}
	}
	return out, total, nil
}

// pageBounds returns LIMIT and OFFSET for p (page 1 and 10 rows when unset).
func pageBounds(p gatehouse.Page) (limit, offset int) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Limit < 1 {
		p.Limit = 10
	}
	return p.Limit, p.Offset()
}

// EachCustomer calls fn for every live customer of the organization, oldest
// first, streaming rows from one query. An error from fn stops the walk and
// is returned as is.
func (s *Store) EachCustomer(ctx context.Context, orgID string, fn func(*gatehouse.Customer) error) error {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+customerColumns+` FROM customers c
		WHERE c.organization_id = ? AND c.deleted_at IS NULL ORDER BY c.created_at, c.id`), orgID)
	if err != nil {
		return s.wrap(err, "export customers")
	}
	defer rows.Close()
	for rows.Next() {
		var d customerDest
		if err := rows.Scan(d.targets()...); err != nil {
			return s.wrap(err, "export customers")
		}
		c, err := d.customer()
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return s.wrap(rows.Err(), "export customers")
}
