package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/validate"
	"github.com/gatehouse/gatehouse/internal/wire"
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
	sessionOptions
}

// sessionOptions are the fields both union members share.
type sessionOptions struct {
	returnURL *string
	ttl       time.Duration // 0: the server's session TTL
	metadata  gatehouse.Metadata
}

// parseSessionCreate validates the undiscriminated union of §C.8: the
// external-ID form wins when both validate; when neither does, both
// members' errors are reported. expires_in may not exceed maxTTL.
func parseSessionCreate(f *form, maxTTL time.Duration) (*sessionCreate, error) {
	ext := *f
	ext.withPrefix("body", byExternalMember)
	in := &sessionCreate{sessionOptions: sessionCommon(&ext, maxTTL)}
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
	in = &sessionCreate{sessionOptions: sessionCommon(&byID, maxTTL)}
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
func sessionCommon(f *form, maxTTL time.Duration) sessionOptions {
	var o sessionOptions
	if s, p := f.str("return_url"); p == set {
		if u, fe := validate.ReturnURL(f.loc("return_url"), s); !f.add(fe) {
			o.returnURL = &u
		}
	}
	if n, p := f.seconds("expires_in", int64(maxTTL/time.Second)); p == set {
		o.ttl = time.Duration(n) * time.Second
	}
	if m, ok := f.metadata("metadata", false); ok {
		o.metadata = m
	}
	f.uuid("member_id")
	f.str("external_member_id")
	return o
}

// createSession is POST /v1/customer-sessions/ (§C.8).
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in, err := parseSessionCreate(f, s.maxTTL)
	if err != nil {
		return err
	}
	c, err := s.bodyCustomer(r, in.customerID, in.externalID)
	if err != nil {
		return err
	}
	ctx, orgID := r.Context(), orgOf(r)
	org, err := s.store.Organization(ctx, orgID)
	if err != nil {
		return fmt.Errorf("find organization %s: %w", orgID, err)
	}
	m, err := s.login.Mint(ctx, c, login.MintOptions{ReturnURL: in.returnURL, TTL: in.ttl, Metadata: in.metadata})
	if err != nil {
		return err
	}
	sess := m.Session
	writeJSON(w, http.StatusCreated, apitype.CustomerSession{
		CreatedAt:         apitype.NewTime(sess.CreatedAt),
		ModifiedAt:        apitype.NewTimePtr(sess.ModifiedAt),
		ID:                sess.ID,
		Token:             m.Token,
		ExpiresAt:         apitype.NewTime(sess.ExpiresAt),
		ReturnURL:         sess.ReturnURL,
		CustomerPortalURL: s.login.PortalURL(org.Slug, m.Token, c.Email),
		CustomerID:        c.ID,
		Customer:          wire.Customer(c),
		Metadata:          wire.Metadata(sess.Metadata),
	})
	return nil
}
