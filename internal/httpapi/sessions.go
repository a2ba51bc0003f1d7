package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// Union member names of the customer-session create body; they appear in
// error locations (§C.8).
const (
	byIDMember       = "CustomerSessionCustomerIDCreate"
	byExternalMember = "CustomerSessionCustomerExternalIDCreate"
)

// sessionCreate is a validated POST /v1/customer-sessions/ body.
type sessionCreate struct {
	customerID string // one of customerID and externalID is set
	externalID *string
	returnURL  *string
}

// parseSessionCreate validates the undiscriminated union of §C.8: the
// external-ID form wins when both validate; when neither does, both
// members' errors are reported.
func parseSessionCreate(f *form) (*sessionCreate, error) {
	ext := *f
	ext.withPrefix("body", byExternalMember)
	in := &sessionCreate{returnURL: sessionCommon(&ext)}
	key := "external_customer_id"
	if _, ok := ext.fields[key]; !ok {
		key = "customer_external_id"
	}
	switch s, p := ext.str(key); p {
	case set:
		in.externalID = &s
	case absent, null:
		if !ext.tainted[key] {
			ext.errs = append(ext.errs, missingField(ext.loc("external_customer_id"), f.whole, p))
		}
	}
	if len(ext.errs) == 0 {
		return in, nil
	}
	byID := *f
	byID.withPrefix("body", byIDMember)
	in = &sessionCreate{returnURL: sessionCommon(&byID)}
	switch s, p := byID.uuid("customer_id"); p {
	case set:
		in.customerID = s
	case absent, null:
		if !byID.tainted["customer_id"] {
			byID.errs = append(byID.errs, missingField(byID.loc("customer_id"), f.whole, p))
		}
	}
	if len(byID.errs) == 0 {
		return in, nil
	}
	return nil, gatehouse.InvalidSchema(append(byID.errs, ext.errs...)...)
}

// missingField is the error of a required field that is absent or null.
func missingField(loc []any, whole []byte, p presence) gatehouse.FieldError {
	if p == null {
		return gatehouse.FieldError{Type: "string_type", Loc: loc, Msg: "Input should be a valid string", Input: nil}
	}
	return gatehouse.FieldError{Type: "missing", Loc: loc, Msg: "Field required", Input: inputOf(whole)}
}

// sessionCommon validates the fields both union members share; the member
// fields are validated and ignored (no member model in Gatehouse).
func sessionCommon(f *form) *string {
	var ret *string
	if s, p := f.str("return_url"); p == set {
		if u, fe := validate.ReturnURL(f.loc("return_url"), s); !f.add(fe) {
			ret = &u
		}
	}
	f.uuid("member_id")
	f.str("external_member_id")
	return ret
}

// createSession is POST /v1/customer-sessions/ (§C.8).
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in, err := parseSessionCreate(f)
	if err != nil {
		return err
	}
	ctx, orgID := r.Context(), orgOf(r)
	var c *gatehouse.Customer
	var fe gatehouse.FieldError
	if in.externalID != nil {
		c, err = s.store.CustomerByExternalID(ctx, orgID, *in.externalID)
		fe = gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "external_customer_id"}, Msg: "Customer does not exist.", Input: *in.externalID}
	} else {
		c, err = s.store.Customer(ctx, orgID, in.customerID)
		fe = gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "customer_id"}, Msg: "Customer does not exist.", Input: in.customerID}
	}
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.Invalid(fe)
	} else if err != nil {
		return fmt.Errorf("find session customer: %w", err)
	}
	org, err := s.store.Organization(ctx, orgID)
	if err != nil {
		return fmt.Errorf("find organization %s: %w", orgID, err)
	}
	tok := token.New(token.PrefixSession)
	now := s.clock()
	sess := &gatehouse.Session{
		ID:             gatehouse.NewID(),
		OrganizationID: orgID,
		CustomerID:     c.ID,
		TokenHash:      s.hasher.Hash(tok),
		CreatedAt:      now,
		ExpiresAt:      now.Add(s.ttl),
		ReturnURL:      in.returnURL,
		Metadata:       gatehouse.Metadata{},
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	writeJSON(w, http.StatusCreated, apitype.CustomerSession{
		CreatedAt:         apitype.NewTime(sess.CreatedAt),
		ID:                sess.ID,
		Token:             tok,
		ExpiresAt:         apitype.NewTime(sess.ExpiresAt),
		ReturnURL:         sess.ReturnURL,
		CustomerPortalURL: s.portalURL(org.Slug, tok, c.Email),
		CustomerID:        c.ID,
		Customer:          customerJSON(c),
		Metadata:          publicMetadata(sess.Metadata),
	})
	return nil
}

// portalURL is {PublicURL}/{slug}/portal?customer_session_token=…&email=…,
// form-encoded like Python's urlencode; a customer without email gives
// email=None as Polar does.
func (s *Server) portalURL(slug, tok string, email *string) string {
	e := "None"
	if email != nil {
		e = *email
	}
	q := url.Values{"customer_session_token": {tok}, "email": {e}}
	return s.publicURL + "/" + url.PathEscape(slug) + "/portal?" + q.Encode()
}
