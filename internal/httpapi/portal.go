package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// portalMe is GET /v1/customer-portal/customers/me (§C.9).
func (s *Server) portalMe(w http.ResponseWriter, r *http.Request) error {
	c, _ := customerOf(r)
	writePortalCustomer(w, http.StatusOK, c)
	return nil
}

// portalPatch is a validated CustomerPortalCustomerUpdate body.
type portalPatch struct {
	billingName *string // nil: unchanged (null and "" are ignored)
	address     *gatehouse.Address
	addressNull bool
	taxSet      bool
	tax         *string
	pmPresence  presence
	pm          string
}

func parsePortalPatch(f *form) (*portalPatch, error) {
	f.withPrefix("body")
	p := &portalPatch{}
	if s, pr := f.str("billing_name"); pr == set {
		p.billingName = validate.TrimOrNil(s)
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
	p.pm, p.pmPresence = f.uuid("default_payment_method_id")
	return p, f.err()
}

// portalUpdateMe is PATCH /v1/customer-portal/customers/me (§C.9): a
// customer may change only its billing details.
func (s *Server) portalUpdateMe(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	p, err := parsePortalPatch(f)
	if err != nil {
		return err
	}
	cur, _ := customerOf(r)
	c := *cur // the subject's copy stays as authenticated
	var errs []gatehouse.FieldError
	if p.addressNull {
		errs = append(errs, gatehouse.FieldError{Type: "missing", Loc: []any{"body", "billing_address"},
			Msg: "Customer billing address cannot be reset to null once set.", Input: nil})
	}
	tax, fe := s.patchTax(&c, p.address, p.taxSet, p.tax)
	if fe != nil {
		errs = append(errs, *fe)
	}
	switch p.pmPresence {
	case null:
		errs = append(errs, gatehouse.FieldError{Type: "missing", Loc: []any{"body", "default_payment_method_id"},
			Msg: "Default payment method cannot be reset to null.", Input: nil})
	case set: // Gatehouse keeps no payment methods
		errs = append(errs, gatehouse.FieldError{Type: "invalid", Loc: []any{"body", "default_payment_method_id"},
			Msg: "Payment method not found.", Input: p.pm})
	}
	if len(errs) > 0 {
		return gatehouse.Invalid(errs...)
	}
	if p.billingName != nil {
		c.BillingName = p.billingName
	}
	if p.address != nil {
		c.BillingAddress = p.address
	}
	c.TaxID = tax
	now := s.clock()
	c.ModifiedAt = &now
	if err := s.store.UpdateCustomer(r.Context(), &c); err != nil {
		return fmt.Errorf("update portal customer %s: %w", c.ID, err)
	}
	writePortalCustomer(w, http.StatusOK, &c)
	return nil
}

// portalIntrospect is GET /v1/customer-portal/customer-session/introspect.
func (s *Server) portalIntrospect(w http.ResponseWriter, r *http.Request) error {
	_, sess := customerOf(r)
	writeJSON(w, http.StatusOK, apitype.CustomerCustomerSession{
		ExpiresAt: apitype.NewTime(sess.ExpiresAt), ReturnURL: sess.ReturnURL, OrganizationID: sess.OrganizationID})
	return nil
}

// portalUser is GET /v1/customer-portal/customer-session/user (§C.11).
func (s *Server) portalUser(w http.ResponseWriter, r *http.Request) error {
	c, _ := customerOf(r)
	if c.Email == nil {
		return gatehouse.Invalid(gatehouse.FieldError{Type: "value_error", Loc: []any{"body"},
			Msg: "Team customers must use member sessions. Create a customer session via the API with a member_id.", Input: nil})
	}
	writeJSON(w, http.StatusOK, apitype.PortalUser{Type: "customer", Name: c.Name, Email: c.Email, CustomerID: c.ID})
	return nil
}

// portalOrganization is the public GET /v1/customer-portal/organizations/{slug} (§C.12).
func (s *Server) portalOrganization(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if fe := validate.NUL([]any{"path", "slug"}, slug); fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	o, err := s.store.OrganizationBySlug(r.Context(), slug)
	if err != nil {
		return fmt.Errorf("find organization by slug: %w", err)
	}
	out := apitype.CustomerOrganizationData{Products: []any{}, Organization: apitype.CustomerOrganization{
		CreatedAt:            apitype.NewTime(o.CreatedAt),
		ModifiedAt:           apitype.NewTimePtr(o.ModifiedAt),
		ID:                   o.ID,
		Name:                 o.Name,
		Slug:                 o.Slug,
		AvatarURL:            o.AvatarURL,
		ProrationBehavior:    "prorate",
		AllowCustomerUpdates: true,
	}}
	ps := &out.Organization.CustomerPortalSettings
	ps.Usage.Show = true
	ps.Subscription.UpdateSeats = true
	ps.Subscription.UpdatePlan = true
	writeJSON(w, http.StatusOK, out)
	return nil
}
