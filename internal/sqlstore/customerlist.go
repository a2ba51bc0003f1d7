package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
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

// searchMinRunes is the shortest query the trigram indexes can serve;
// shorter ones scan the organization's customers.
const searchMinRunes = 3

// pgSearchText is the expression of PostgreSQL's customers_search_trgm
// index (migration 0002), character for character.
const pgSearchText = `(coalesce(c.email_lower, '') || chr(10) || coalesce(c.name_lower, '') || chr(10) || ` +
	`coalesce(c.billing_name_lower, '') || chr(10) || coalesce(c.external_id_lower, ''))`

// ftsPhrase quotes q as one FTS5 string: inside double quotes every
// character is literal except the quote itself, which is doubled. User
// input can therefore never be read as FTS5 query syntax (operators,
// column filters, prefix stars, NEAR).
func ftsPhrase(q string) string {
	return `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
}

// customerWhere builds the WHERE clause of a customer list whose filter
// can match something (see matchesNothing).
//
// The query filter is always the LIKE condition (substring of the lowercased
// email, name and billing name, prefix of the lowercased external ID), which
// defines its meaning. On SQLite, for queries of at least three characters,
// an FTS5 trigram match narrows the rows first: every row containing the
// query contains its trigrams in sequence, so the match is a superset of the
// LIKE's and the result is the same. On PostgreSQL a LIKE on the four
// columns joined (pgSearchText) does the same through its pg_trgm index.
//
// search reports that the SQLite trigram match is in the clause. The
// organization condition is then written +c.organization_id, which keeps
// SQLite from walking the organization's index past every customer and
// makes it start from the (few) search candidates instead.
func (s *Store) customerWhere(orgID string, f gatehouse.CustomerFilter) (where string, args []any, search bool) {
	conds := []string{"c.organization_id = ?", "c.deleted_at IS NULL"}
	args = []any{orgID}
	if f.Email != "" {
		conds = append(conds, "c.email_lower = ?")
		args = append(args, strings.ToLower(f.Email))
	}
	if f.Query != "" {
		lq := strings.ToLower(f.Query)
		if s.dialect == dialectSQLite && utf8.RuneCountInString(lq) >= searchMinRunes && !strings.ContainsRune(lq, 0) {
			conds[0] = "+c.organization_id = ?"
			conds = append(conds, `c.rowid IN (SELECT rowid FROM customers_search WHERE customers_search MATCH ?)`)
			args = append(args, ftsPhrase(lq))
			search = true
		}
		q := escapeLike(lq)
		if s.dialect == dialectPostgres && utf8.RuneCountInString(lq) >= searchMinRunes {
			conds = append(conds, pgSearchText+` LIKE ? ESCAPE '\'`)
			args = append(args, "%"+q+"%")
		}
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
	return strings.Join(conds, " AND "), args, search
}

// matchesNothing reports whether f can match no customer of orgID: a
// filter on other organizations, or on an active subscription (Gatehouse
// has none).
func matchesNothing(orgID string, f gatehouse.CustomerFilter) bool {
	return (len(f.OrganizationIDs) > 0 && !slices.Contains(f.OrganizationIDs, orgID)) || (f.Active != nil && *f.Active)
}

// customerOrder builds the ORDER BY clause: NULLs last ascending and first
// descending (PostgreSQL's default, made explicit for SQLite), then the ID
// for a stable order across pages. created_at is NOT NULL, so it carries no
// NULLS clause: that lets SQLite walk customers_organization_created in
// order instead of sorting every match.
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
		switch {
		case sf.Field == gatehouse.SortCreatedAt && sf.Desc:
			parts = append(parts, col+" DESC")
		case sf.Field == gatehouse.SortCreatedAt:
			parts = append(parts, col+" ASC")
		case sf.Desc:
			parts = append(parts, col+" DESC NULLS FIRST")
		default:
			parts = append(parts, col+" ASC NULLS LAST")
		}
	}
	parts = append(parts, "c.id ASC")
	return strings.Join(parts, ", "), nil
}

// ListCustomers returns one page of live customers matching f and the total
// count of matches. An unknown sort field is EInvalid.
//
// On SQLite the customer search (customersearch.go) answers from memory
// unless f filters on metadata; the customers it returns are its cache's
// and must not be changed. The rest of this comment is the SQL path.
//
// The count and the page are two statements. (One statement with
// count(*) OVER () made both backends materialize and sort every match with
// every column before applying LIMIT.) Without a trigram search the count
// reads only index entries and the page walks an index in the sort order
// and stops after LIMIT rows. With one (SQLite), both start from the search
// candidates: the page sorts only their keys and then reads the LIMIT rows
// it keeps, so its cost follows the number of matches, never the number of
// customers. Both statements run in one read-only transaction (REPEATABLE
// READ on PostgreSQL), so the count and the page agree.
func (s *Store) ListCustomers(ctx context.Context, orgID string, f gatehouse.CustomerFilter) ([]*gatehouse.Customer, int, error) {
	order, err := customerOrder(f.Sorting)
	if err != nil {
		return nil, 0, err
	}
	if matchesNothing(orgID, f) {
		return []*gatehouse.Customer{}, 0, nil
	}
	limit, offset := pageBounds(f.Page)
	if s.search != nil && !hasMetadataFilter(f) {
		if out, total, ok, err := s.listIndexed(ctx, orgID, f, limit, offset); ok || err != nil {
			return out, total, err
		}
	}
	where, args, search := s.customerWhere(orgID, f)
	// The count and the page read one snapshot: on SQLite any transaction
	// does; PostgreSQL's default (READ COMMITTED) gives each statement its
	// own, so a write between them could make the total disagree with the
	// page (ConcurrentListsAndWrites caught it).
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == dialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, 0, s.wrap(err, "list customers")
	}
	defer tx.Rollback()
	if s.dialect == dialectPostgres {
		// Plan each list with its actual arguments (an unnamed statement):
		// a cached generic plan cannot know how selective a LIKE pattern
		// is and settles on walking every customer of the organization.
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	total := 0
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM customers c WHERE `+where), args...).Scan(&total); err != nil {
		return nil, 0, s.wrap(err, "count customers")
	}
	out := []*gatehouse.Customer{}
	if total <= offset {
		return out, total, nil
	}
	page := `SELECT ` + customerColumns + ` FROM customers c WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	if search {
		// Inside the subquery c is the inner table; outside, the outer one.
		page = `SELECT ` + customerColumns + ` FROM customers c WHERE c.rowid IN (SELECT c.rowid FROM customers c
			WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?) ORDER BY ` + order
	}
	rows, err := tx.QueryContext(ctx, s.q(page), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(err, "list customers")
	}
	defer rows.Close()
	for rows.Next() {
		var d customerDest
		if err := rows.Scan(d.targets()...); err != nil {
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
	return out, total, nil
}

// hasMetadataFilter reports whether f filters on metadata (which the
// customer search leaves to SQL).
func hasMetadataFilter(f gatehouse.CustomerFilter) bool {
	for _, vs := range f.Metadata {
		if len(vs) > 0 {
			return true
		}
	}
	return false
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
