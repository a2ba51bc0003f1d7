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

// parsePortalPatch validates a CustomerPortalCustomerUpdate body.
func parsePortalPatch(f *form) (*gatehouse.BillingPatch, error) {
	f.withPrefix("body")
	p := &gatehouse.BillingPatch{}
	if s, pr := f.str("billing_name"); pr == set {
		p.BillingName = validate.TrimOrNil(s)
	}
	p.BillingChange = f.billingChange()
	switch s, pr := f.uuid("default_payment_method_id"); pr {
	case null:
		p.DefaultPaymentMethodSet = true
	case set:
		p.DefaultPaymentMethodSet, p.DefaultPaymentMethodID = true, &s
	}
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
	c, err := s.customers.UpdateBilling(r.Context(), cur, *p)
	if err != nil {
		return err
	}
	writePortalCustomer(w, http.StatusOK, c)
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
