package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// customerPatch is a validated CustomerUpdate body: only keys present in
// the JSON are applied, and null differs from absent (§C.4).
type customerPatch struct {
	email                      *string // nil: unchanged (null is ignored)
	nameSet, taxSet, localeSet bool
	name, tax, locale          *string
	address                    *gatehouse.Address
	addressNull                bool
	metadata                   gatehouse.Metadata // nil: unchanged
	extSet                     bool
	ext                        *string
	extInput                   any
	typeSet                    bool
	typ                        *string
}

// parseCustomerPatch validates a CustomerUpdate (byID) or
// CustomerUpdateExternalID body; the latter ignores external_id and type.
func parseCustomerPatch(f *form, byID bool) (*customerPatch, error) {
	f.withPrefix("body")
	p := &customerPatch{}
	if s, pr := f.str("email"); pr == set {
		if e, fe := validate.Email(f.loc("email"), s); !f.add(fe) {
			p.email = &e
		}
	}
	if _, pr := f.raw("name"); pr == null || pr == set {
		p.nameSet, p.name = true, f.name("name")
	}
	switch a, pr := f.address("billing_address"); pr {
	case null:
		p.addressNull = true
	case set:
		p.address = a
	}
	switch s, pr := f.str("tax_id"); pr {
	case null, set:
		p.taxSet, p.tax = true, validate.TrimOrNil(s)
	}
	switch v, pr := f.locale("locale"); pr {
	case null, set:
		p.localeSet, p.locale = true, v
	}
	p.metadata, _ = f.metadata("metadata", true)
	if byID {
		switch s, pr := f.str("external_id"); pr {
		case null:
			p.extSet = true
		case set:
			p.extSet, p.ext, p.extInput = true, validate.TrimOrNil(s), s
		}
		switch raw, pr := f.raw("type"); pr {
		case null:
			p.typeSet = true
		case set:
			var s string
			if raw[0] != '"' || json.Unmarshal(raw, &s) != nil || s != gatehouse.CustomerIndividual && s != gatehouse.CustomerTeam {
				f.errs = append(f.errs, gatehouse.FieldError{Type: "enum", Loc: f.loc("type"),
					Msg: "Input should be 'individual' or 'team'", Input: inputOf(raw),
					Ctx: map[string]any{"expected": "'individual' or 'team'"}})
			} else {
				p.typeSet, p.typ = true, &s
			}
		}
	}
	return p, f.err()
}

// updateCustomer is PATCH /v1/customers/{id} and its external-ID twin:
// schema errors of path and body together, then 404, then the business
// rules, then the save.
func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, pathErr := pathCustomerID(r)
	f, err := readForm(w, r)
	var p *customerPatch
	if err == nil {
		p, err = parseCustomerPatch(f, r.PathValue("external_id") == "")
	}
	if pathErr != nil {
		if e, ok := err.(*gatehouse.Error); ok && e.Schema {
			return gatehouse.InvalidSchema(append([]gatehouse.FieldError{*pathErr}, e.Fields...)...)
		}
		return gatehouse.InvalidSchema(*pathErr)
	}
	if err != nil {
		return err
	}
	c, err := s.findCustomer(r, id)
	if err != nil {
		return err
	}
	if err := s.applyPatch(r, c, p); err != nil {
		return err
	}
	if err := s.store.UpdateCustomer(r.Context(), c); err != nil {
		return fmt.Errorf("update customer %s: %w", c.ID, err)
	}
	writeCustomer(w, http.StatusOK, c)
	return nil
}

// applyPatch checks p's business rules against c and, when they all hold,
// applies p to c. All rule violations are reported together.
func (s *Server) applyPatch(r *http.Request, c *gatehouse.Customer, p *customerPatch) error {
	var errs []gatehouse.FieldError
	var checkEmail, checkExt *string
	if p.email != nil && (c.Email == nil || !strings.EqualFold(*p.email, *c.Email)) {
		checkEmail = p.email
	}
	if p.extSet {
		switch {
		case c.ExternalID == nil:
			checkExt = p.ext
		case p.ext == nil || *p.ext != *c.ExternalID:
			errs = append(errs, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "external_id"},
				Msg: "Customer external ID cannot be updated.", Input: p.extInput})
		}
	}
	if err := s.checkUnique(r, c.OrganizationID, c, checkEmail, checkExt); err != nil {
		e, ok := err.(*gatehouse.Error)
		if !ok {
			return err
		}
		errs = append(e.Fields, errs...)
	}
	if p.typeSet && c.Type == gatehouse.CustomerTeam && (p.typ == nil || *p.typ != gatehouse.CustomerTeam) {
		var in any
		if p.typ != nil {
			in = *p.typ
		}
		errs = append(errs, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "type"},
			Msg: "Customer type cannot be downgraded from 'team' to 'individual'.", Input: in})
	}
	if p.addressNull {
		errs = append(errs, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "billing_address"},
			Msg: "Customer billing address cannot be reset to null once set.", Input: nil})
	}
	tax, fe := s.patchTax(c, p.address, p.taxSet, p.tax)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return gatehouse.Invalid(errs...)
	}
	if p.email != nil {
		if c.Email == nil || !strings.EqualFold(*p.email, *c.Email) {
			c.EmailVerified = false
		}
		c.Email = p.email
	}
	if p.nameSet {
		c.Name = p.name
	}
	if p.address != nil {
		c.BillingAddress = p.address
	}
	c.TaxID = tax
	if p.localeSet {
		c.Locale = p.locale
	}
	if p.metadata != nil {
		c.Metadata = p.metadata
	}
	if checkExt != nil {
		c.ExternalID = checkExt
	}
	if p.typ != nil {
		c.Type = *p.typ
	}
	now := s.clock()
	c.ModifiedAt = &now
	return nil
}

// patchTax returns the customer's tax ID after an update that may set the
// address and the tax ID: a new tax ID is validated against the new address
// if given, else the stored one; an existing tax ID is re-validated when the
// address changes (§C.4, §C.9).
func (s *Server) patchTax(c *gatehouse.Customer, addr *gatehouse.Address, taxSet bool, raw *string) (*gatehouse.TaxID, *gatehouse.FieldError) {
	if addr == nil {
		addr = c.BillingAddress
	}
	switch {
	case taxSet && raw == nil:
		return nil, nil
	case taxSet:
		return taxFor(addr, *raw)
	case c.TaxID != nil && addr != c.BillingAddress:
		return taxFor(addr, c.TaxID.Number)
	}
	return c.TaxID, nil
}

// taxFor validates raw against addr's country (§D.4).
func taxFor(addr *gatehouse.Address, raw string) (*gatehouse.TaxID, *gatehouse.FieldError) {
	if addr == nil {
		return nil, &gatehouse.FieldError{Type: "missing", Loc: []any{"body", "billing_address"},
			Msg: "Country is required to validate tax ID.", Input: nil}
	}
	t, fe := validate.TaxID([]any{"body", "tax_id"}, addr.Country, raw)
	if fe != nil {
		return nil, fe
	}
	return &t, nil
}
