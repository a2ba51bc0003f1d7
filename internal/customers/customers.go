// Package customers is the customer service (gatehouse.CustomerService):
// the rules of creating, changing and deleting a customer, in one place for
// every surface that writes one (the merchant API, the customer portal, the
// e-mailed code flow). Handlers decode a request, call the service and
// encode its answer; the service checks the rules against the store and
// saves.
//
// The rules (Polar's, contract §C.2–§C.5 and §C.9):
//   - email and external ID are unique among an organization's live
//     customers (case-insensitive email); a create or patch that breaks
//     either is refused with both problems at once, before the store's own
//     constraint would;
//   - a set external ID is immutable;
//   - a team customer is never downgraded to individual;
//   - a billing address, once set, is never reset to null;
//   - a tax ID is validated against the billing country, and re-validated
//     when a patch changes the address;
//   - changing the email clears its verification; a login code sent to the
//     current email verifies it;
//   - a delete is soft, frees the external ID and may anonymize;
//   - every change that is saved reports itself to the organization's
//     webhook endpoints (customer.created, .updated, .deleted, each then
//     customer.state_changed), written in the change's own transaction
//     (events.go): a portal billing patch and an e-mail verification are
//     updates like any other.
package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// Service implements gatehouse.CustomerService on a store.
type Service struct {
	store gatehouse.Store
	now   func() time.Time
}

var _ gatehouse.CustomerService = (*Service)(nil)

// New returns the service writing to store, with now as its clock (nil:
// time.Now).
func New(store gatehouse.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

// clock is the current time in UTC at microsecond precision, the precision
// every store keeps.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// CreateCustomer implements gatehouse.CustomerService.
func (s *Service) CreateCustomer(ctx context.Context, orgID string, in gatehouse.CustomerCreate) (*gatehouse.Customer, error) {
	if in.OrganizationID != nil {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Type: "organization_token", Loc: []any{"body", "organization_id"},
			Msg: "Setting organization_id is disallowed when using an organization token.", Input: *in.OrganizationID})
	}
	c := in.Customer
	c.OrganizationID = orgID
	if errs, err := s.taken(ctx, &c, c.Email, c.ExternalID); err != nil {
		return nil, err
	} else if len(errs) > 0 {
		return nil, gatehouse.Invalid(errs...)
	}
	if in.TaxID != nil {
		t, fe := taxFor(c.BillingAddress, *in.TaxID)
		if fe != nil {
			return nil, gatehouse.Invalid(*fe)
		}
		c.TaxID = t
	}
	c.ID = gatehouse.NewID()
	c.CreatedAt = s.clock()
	evs, err := events(gatehouse.EventCustomerCreated, &c, c.CreatedAt)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateCustomer(ctx, &c, evs...); err != nil {
		return nil, fmt.Errorf("create customer: %w", err)
	}
	return &c, nil
}

// UpdateCustomer implements gatehouse.CustomerService.
func (s *Service) UpdateCustomer(ctx context.Context, c *gatehouse.Customer, p gatehouse.CustomerPatch) (*gatehouse.Customer, error) {
	return s.update(ctx, c, change{CustomerPatch: p, by: byMerchant})
}

// UpdateBilling implements gatehouse.CustomerService: the portal's patch
// is the merchant's restricted to the billing fields, on the same path.
func (s *Service) UpdateBilling(ctx context.Context, c *gatehouse.Customer, p gatehouse.BillingPatch) (*gatehouse.Customer, error) {
	return s.update(ctx, c, change{
		CustomerPatch: gatehouse.CustomerPatch{BillingChange: p.BillingChange},
		billingName:   p.BillingName,
		pmSet:         p.DefaultPaymentMethodSet,
		pm:            p.DefaultPaymentMethodID,
		by:            byCustomer,
	})
}

// editor is who asks for a change: the errors differ slightly between the
// two surfaces (as Polar's do).
type editor int

const (
	byMerchant editor = iota // the merchant API
	byCustomer               // the customer portal
)

// change is one patch on the one update path of both surfaces.
type change struct {
	gatehouse.CustomerPatch
	billingName *string // portal only
	pmSet       bool    // portal only
	pm          *string
	by          editor
}

// update checks every rule of ch against cur, reports all violations
// together, and otherwise saves cur with ch applied.
func (s *Service) update(ctx context.Context, cur *gatehouse.Customer, ch change) (*gatehouse.Customer, error) {
	c := *cur // the caller's value stays as it was (it may be cached)
	var checkEmail, checkExt *string
	if ch.Email != nil && (c.Email == nil || !strings.EqualFold(*ch.Email, *c.Email)) {
		checkEmail = ch.Email
	}
	var rules []gatehouse.FieldError
	if ch.ExternalIDSet {
		switch {
		case c.ExternalID == nil:
			checkExt = ch.ExternalID
		case ch.ExternalID == nil || *ch.ExternalID != *c.ExternalID:
			rules = append(rules, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "external_id"},
				Msg: "Customer external ID cannot be updated.", Input: ch.ExternalIDInput})
		}
	}
	errs, err := s.taken(ctx, &c, checkEmail, checkExt)
	if err != nil {
		return nil, err
	}
	errs = append(errs, rules...)
	if ch.TypeSet && c.Type == gatehouse.CustomerTeam && (ch.Type == nil || *ch.Type != gatehouse.CustomerTeam) {
		var in any
		if ch.Type != nil {
			in = *ch.Type
		}
		errs = append(errs, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "type"},
			Msg: "Customer type cannot be downgraded from 'team' to 'individual'.", Input: in})
	}
	if ch.BillingAddressNull {
		typ := "value_error"
		if ch.by == byCustomer {
			typ = "missing"
		}
		errs = append(errs, gatehouse.FieldError{Type: typ, Loc: []any{"body", "billing_address"},
			Msg: "Customer billing address cannot be reset to null once set.", Input: nil})
	}
	tax, fe := patchTax(&c, ch.BillingAddress, ch.TaxIDSet, ch.TaxID)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if ch.pmSet {
		errs = append(errs, paymentMethodError(ch.pm))
	}
	if len(errs) > 0 {
		return nil, gatehouse.Invalid(errs...)
	}
	ch.apply(&c, tax, checkExt)
	now := s.clock()
	c.ModifiedAt = &now
	if err := s.save(ctx, &c, gatehouse.EventCustomerUpdated); err != nil {
		return nil, err
	}
	return &c, nil
}

// save writes c, changed at *c.ModifiedAt, with the events of a change
// of type typ, in one transaction.
func (s *Service) save(ctx context.Context, c *gatehouse.Customer, typ string) error {
	evs, err := events(typ, c, *c.ModifiedAt)
	if err != nil {
		return err
	}
	if err := s.store.UpdateCustomer(ctx, c, evs...); err != nil {
		return fmt.Errorf("%s: save customer %s: %w", typ, c.ID, err)
	}
	return nil
}

// apply writes ch to c once its rules hold: tax is the checked tax ID, ext
// the external ID to set (nil: unchanged).
func (ch *change) apply(c *gatehouse.Customer, tax *gatehouse.TaxID, ext *string) {
	if ch.Email != nil {
		if c.Email == nil || !strings.EqualFold(*ch.Email, *c.Email) {
			c.EmailVerified = false
		}
		c.Email = ch.Email
	}
	if ch.NameSet {
		c.Name = ch.Name
	}
	if ch.billingName != nil {
		c.BillingName = ch.billingName
	}
	if ch.BillingAddress != nil {
		c.BillingAddress = ch.BillingAddress
	}
	c.TaxID = tax
	if ch.LocaleSet {
		c.Locale = ch.Locale
	}
	if ch.Metadata != nil {
		c.Metadata = ch.Metadata
	}
	if ext != nil {
		c.ExternalID = ext
	}
	if ch.Type != nil {
		c.Type = *ch.Type
	}
}

// paymentMethodError refuses a default payment method: null cannot reset
// it, and any ID names a method Gatehouse does not keep.
func paymentMethodError(id *string) gatehouse.FieldError {
	if id == nil {
		return gatehouse.FieldError{Type: "missing", Loc: []any{"body", "default_payment_method_id"},
			Msg: "Default payment method cannot be reset to null.", Input: nil}
	}
	return gatehouse.FieldError{Type: "invalid", Loc: []any{"body", "default_payment_method_id"},
		Msg: "Payment method not found.", Input: *id}
}

// VerifyEmail implements gatehouse.CustomerService.
func (s *Service) VerifyEmail(ctx context.Context, cur *gatehouse.Customer, email string) (*gatehouse.Customer, error) {
	if cur.EmailVerified || cur.Email == nil || !strings.EqualFold(*cur.Email, email) {
		return cur, nil
	}
	c := *cur
	c.EmailVerified = true
	now := s.clock()
	c.ModifiedAt = &now
	if err := s.save(ctx, &c, gatehouse.EventCustomerUpdated); err != nil {
		return nil, err
	}
	return &c, nil
}

// taken returns the field errors of an email and an external ID already
// used by another live customer of self's organization (§C.2 step 2),
// together. Nil values are not checked.
func (s *Service) taken(ctx context.Context, self *gatehouse.Customer, email, externalID *string) ([]gatehouse.FieldError, error) {
	var errs []gatehouse.FieldError
	if email != nil {
		other, err := s.store.CustomerByEmail(ctx, self.OrganizationID, *email)
		switch {
		case err == nil && other.ID != self.ID:
			errs = append(errs, gatehouse.ErrEmailTaken(*email))
		case err != nil && !errors.Is(err, gatehouse.ErrNotFound):
			return nil, fmt.Errorf("find customer by email: %w", err)
		}
	}
	if externalID != nil {
		other, err := s.store.CustomerByExternalID(ctx, self.OrganizationID, *externalID)
		switch {
		case err == nil && other.ID != self.ID:
			errs = append(errs, gatehouse.ErrExternalIDTaken(*externalID))
		case err != nil && !errors.Is(err, gatehouse.ErrNotFound):
			return nil, fmt.Errorf("find customer by external id: %w", err)
		}
	}
	return errs, nil
}

// patchTax returns the customer's tax ID after an update that may set the
// address and the tax ID: a new tax ID is validated against the new address
// if given, else the stored one; an existing tax ID is re-validated when the
// address changes (§C.4, §C.9).
func patchTax(c *gatehouse.Customer, addr *gatehouse.Address, taxSet bool, raw *string) (*gatehouse.TaxID, *gatehouse.FieldError) {
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
