package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// customerColumns are the columns scanCustomer reads, prefixed with c.
const customerColumns = `c.id, c.organization_id, c.created_at, c.modified_at, c.deleted_at, c.metadata,
	c.external_id, c.email, c.email_verified, c.type, c.name, c.billing_name, c.billing_address,
	c.tax_id_number, c.tax_id_format, c.locale`

// customerDest holds the scan targets of customerColumns.
type customerDest struct {
	c                                   gatehouse.Customer
	created                             int64
	modified, deleted                   sql.NullInt64
	metadata                            string
	externalID, email, name, billing    sql.NullString
	address, taxNumber, taxFormat, lang sql.NullString
}

func (d *customerDest) targets() []any {
	return []any{&d.c.ID, &d.c.OrganizationID, &d.created, &d.modified, &d.deleted, &d.metadata,
		&d.externalID, &d.email, &d.c.EmailVerified, &d.c.Type, &d.name, &d.billing, &d.address,
		&d.taxNumber, &d.taxFormat, &d.lang}
}

func (d *customerDest) customer() (*gatehouse.Customer, error) {
	c := d.c
	c.CreatedAt, c.ModifiedAt, c.DeletedAt = fromMicros(d.created), timePtr(d.modified), timePtr(d.deleted)
	c.ExternalID, c.Email, c.Name, c.BillingName, c.Locale = strPtr(d.externalID), strPtr(d.email), strPtr(d.name), strPtr(d.billing), strPtr(d.lang)
	if d.taxNumber.Valid {
		c.TaxID = &gatehouse.TaxID{Number: d.taxNumber.String, Format: d.taxFormat.String}
	}
	var err error
	if c.Metadata, err = decodeMetadata(d.metadata); err != nil {
		return nil, err
	}
	if c.BillingAddress, err = decodeAddress(d.address); err != nil {
		return nil, err
	}
	return &c, nil
}

// lowerPtr is the stored *_lower form of an optional string.
func lowerPtr(s *string) any {
	if s == nil {
		return nil
	}
	return strings.ToLower(*s)
}

// customerArgs returns the values of every stored column of c after id and
// organization_id, in the order of the INSERT and UPDATE statements.
func customerArgs(c *gatehouse.Customer) ([]any, error) {
	meta, err := encodeMetadata(c.Metadata)
	if err != nil {
		return nil, err
	}
	addr, err := encodeAddress(c.BillingAddress)
	if err != nil {
		return nil, err
	}
	var taxNumber, taxFormat any
	if c.TaxID != nil {
		taxNumber, taxFormat = c.TaxID.Number, c.TaxID.Format
	}
	return []any{micros(c.CreatedAt), microsPtr(c.ModifiedAt), microsPtr(c.DeletedAt), meta,
		nullStr(c.ExternalID), lowerPtr(c.ExternalID), nullStr(c.Email), lowerPtr(c.Email), c.EmailVerified,
		c.Type, nullStr(c.Name), lowerPtr(c.Name), nullStr(c.BillingName), lowerPtr(c.BillingName),
		addr, taxNumber, taxFormat, nullStr(c.Locale)}, nil
}

// normCustomer normalizes the times and metadata of c in place.
func normCustomer(c *gatehouse.Customer) {
	c.CreatedAt = norm(c.CreatedAt)
	normPtr(c.ModifiedAt)
	normPtr(c.DeletedAt)
	if c.Metadata == nil {
		c.Metadata = gatehouse.Metadata{}
	}
}

// CreateCustomer inserts c (an ID is generated when c.ID is empty). An email
// (case-insensitive) or external ID used by a live customer of the
// organization is EConflict with ErrEmailTaken / ErrExternalIDTaken field
// errors, both when both are taken, also when two creates race. The events
// are written after the customer row, in its transaction (writeEvents).
func (s *Store) CreateCustomer(ctx context.Context, c *gatehouse.Customer, events ...gatehouse.Event) error {
	if c.ID == "" {
		c.ID = newID()
	}
	normCustomer(c)
	args, err := customerArgs(c)
	if err != nil {
		return err
	}
	err = s.writeCustomer(ctx, c, func(tx *sql.Tx) error {
		if err := s.checkUnique(ctx, tx, c); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO customers (id, organization_id, created_at, modified_at, deleted_at, metadata,
			external_id, external_id_lower, email, email_lower, email_verified, type, name, name_lower,
			billing_name, billing_name_lower, billing_address, tax_id_number, tax_id_format, locale)
			VALUES (?, ?, `+placeholders(len(args))+`)`), append([]any{c.ID, c.OrganizationID}, args...)...)
		if err != nil {
			return err
		}
		if err := s.writeMetadata(ctx, tx, c); err != nil {
			return err
		}
		return s.writeEvents(ctx, tx, c.OrganizationID, c.ID, events)
	})
	return s.uniqueErr(ctx, err, c, "create customer")
}

// UpdateCustomer writes every field of c to the live row with c.ID in
// c.OrganizationID: ENotFound if there is none, EConflict as in
// CreateCustomer. Setting DeletedAt soft-deletes the customer. The events
// are written after the UPDATE, which holds the customer row's lock until
// commit: a concurrent update of the same customer writes its events after
// these commit, so their seq order is the commit order.
func (s *Store) UpdateCustomer(ctx context.Context, c *gatehouse.Customer, events ...gatehouse.Event) error {
	normCustomer(c)
	args, err := customerArgs(c)
	if err != nil {
		return err
	}
	err = s.writeCustomer(ctx, c, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM customers WHERE id = ? AND organization_id = ? AND deleted_at IS NULL`),
			c.ID, c.OrganizationID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return gatehouse.ErrNotFound
		} else if err != nil {
			return err
		}
		if c.DeletedAt == nil {
			if err := s.checkUnique(ctx, tx, c); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE customers SET created_at = ?, modified_at = ?, deleted_at = ?, metadata = ?,
			external_id = ?, external_id_lower = ?, email = ?, email_lower = ?, email_verified = ?, type = ?,
			name = ?, name_lower = ?, billing_name = ?, billing_name_lower = ?, billing_address = ?,
			tax_id_number = ?, tax_id_format = ?, locale = ?
			WHERE id = ? AND organization_id = ? AND deleted_at IS NULL`), append(args, c.ID, c.OrganizationID)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return gatehouse.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM customer_metadata WHERE customer_id = ?`), c.ID); err != nil {
			return err
		}
		if err := s.writeMetadata(ctx, tx, c); err != nil {
			return err
		}
		return s.writeEvents(ctx, tx, c.OrganizationID, c.ID, events)
	})
	return s.uniqueErr(ctx, err, c, "update customer %s", c.ID)
}

// writeMetadata inserts c's metadata as (key, value-as-text) rows.
func (s *Store) writeMetadata(ctx context.Context, tx *sql.Tx, c *gatehouse.Customer) error {
	if len(c.Metadata) == 0 {
		return nil
	}
	keys := make([]string, 0, len(c.Metadata))
	for k := range c.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]any, 0, 3*len(keys))
	for _, k := range keys {
		v, err := metadataText(c.Metadata[k])
		if err != nil {
			return err
		}
		args = append(args, c.ID, k, v)
	}
	query := `INSERT INTO customer_metadata (customer_id, meta_key, meta_value) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(keys)), ", ")
	_, err := tx.ExecContext(ctx, s.q(query), args...)
	return err
}

// conflicts returns the field errors for c's email and external ID taken
// by another live customer of its organization.
func (s *Store) conflicts(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, c *gatehouse.Customer) ([]gatehouse.FieldError, error) {
	var emailTaken, extTaken bool
	err := q.QueryRowContext(ctx, s.q(`SELECT
		EXISTS (SELECT 1 FROM customers WHERE organization_id = ? AND email_lower = ? AND deleted_at IS NULL AND id <> ?),
		EXISTS (SELECT 1 FROM customers WHERE organization_id = ? AND external_id = ? AND deleted_at IS NULL AND id <> ?)`),
		c.OrganizationID, lowerPtr(c.Email), c.ID, c.OrganizationID, nullStr(c.ExternalID), c.ID).Scan(&emailTaken, &extTaken)
	if err != nil {
		return nil, err
	}
	var fields []gatehouse.FieldError
	if emailTaken {
		fields = append(fields, gatehouse.ErrEmailTaken(*c.Email))
	}
	if extTaken {
		fields = append(fields, gatehouse.ErrExternalIDTaken(*c.ExternalID))
	}
	return fields, nil
}

// checkUnique is the in-transaction pre-check of CreateCustomer and
// UpdateCustomer.
func (s *Store) checkUnique(ctx context.Context, tx *sql.Tx, c *gatehouse.Customer) error {
	fields, err := s.conflicts(ctx, tx, c)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return gatehouse.Conflict(fields...)
	}
	return nil
}

// uniqueErr turns a unique violation that raced past the pre-check (another
// transaction committed the same email or external ID meanwhile) into the
// same EConflict the pre-check gives, and wraps anything else.
func (s *Store) uniqueErr(ctx context.Context, err error, c *gatehouse.Customer, format string, args ...any) error {
	constraint, ok := uniqueViolation(err)
	if !ok {
		return s.wrap(err, format, args...)
	}
	fields, cerr := s.conflicts(ctx, s.w, c)
	if cerr == nil && len(fields) > 0 {
		return &gatehouse.Error{Code: gatehouse.EConflict, Message: "Conflict.", Fields: fields, Err: err}
	}
	switch {
	case constraint == "customers_email_key" && c.Email != nil:
		fields = []gatehouse.FieldError{gatehouse.ErrEmailTaken(*c.Email)}
	case constraint == "customers_external_id_key" && c.ExternalID != nil:
		fields = []gatehouse.FieldError{gatehouse.ErrExternalIDTaken(*c.ExternalID)}
	default:
		return s.wrap(err, format, args...)
	}
	return &gatehouse.Error{Code: gatehouse.EConflict, Message: "Conflict.", Fields: fields, Err: err}
}

// Customer returns a live customer, or ENotFound.
func (s *Store) Customer(ctx context.Context, orgID, id string) (*gatehouse.Customer, error) {
	return s.oneCustomer(ctx, `c.id = ?`, orgID, id)
}

// CustomerByExternalID returns a live customer, or ENotFound.
func (s *Store) CustomerByExternalID(ctx context.Context, orgID, externalID string) (*gatehouse.Customer, error) {
	return s.oneCustomer(ctx, `c.external_id = ?`, orgID, externalID)
}

// CustomerByEmail returns the live customer with that email
// (case-insensitive), or ENotFound.
func (s *Store) CustomerByEmail(ctx context.Context, orgID, email string) (*gatehouse.Customer, error) {
	return s.oneCustomer(ctx, `c.email_lower = ?`, orgID, strings.ToLower(email))
}

func (s *Store) oneCustomer(ctx context.Context, cond, orgID, arg string) (*gatehouse.Customer, error) {
	st, err := s.stmt(ctx, `SELECT `+customerColumns+` FROM customers c
		WHERE c.organization_id = ? AND `+cond+` AND c.deleted_at IS NULL`)
	if err != nil {
		return nil, s.wrap(err, "find customer")
	}
	var d customerDest
	if err := st.QueryRowContext(ctx, orgID, arg).Scan(d.targets()...); err != nil {
		return nil, s.notFound(err, "find customer")
	}
	return d.customer()
}
