package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// codeRequest is a validated POST …/customer-session/request body.
type codeRequest struct {
	email string
	orgID string
}

// parseCodeRequest validates {email, organization_id, customer_id?} (§C.10).
// customer_id only matters for member-model organizations, which Gatehouse
// does not have: it is validated and ignored.
func parseCodeRequest(f *form) (*codeRequest, error) {
	f.withPrefix("body")
	in := &codeRequest{}
	switch s, p := f.str("email"); p {
	case set:
		if e, fe := validate.Email(f.loc("email"), s); !f.add(fe) {
			in.email = e
		}
	case absent, null:
		f.required("email", p)
	}
	switch s, p := f.uuid("organization_id"); p {
	case set:
		in.orgID = s
	case absent, null:
		f.required("organization_id", p)
	}
	f.uuid("customer_id")
	return in, f.err()
}

// required records the error of a required string field that is absent or
// null (unless the field was already reported for a NUL character).
func (f *form) required(name string, p presence) {
	if f.tainted[name] {
		return
	}
	f.errs = append(f.errs, missingField(f.loc(name), f.whole, p))
}

// requestCode is POST /v1/customer-portal/customer-session/request (§C.10):
// 202 null whatever the email and organization, unless rate limited.
func (s *Server) requestCode(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in, err := parseCodeRequest(f)
	if err != nil {
		return err
	}
	if s.closed.Load() { // the login service no longer takes requests
		return &gatehouse.Error{Code: gatehouse.EUnavailable, Message: "The server is shutting down."}
	}
	if err := s.login.RequestCode(r.Context(), in.email, in.orgID, s.clientIP(r).String()); err != nil {
		return s.rateLimited("login_request", err)
	}
	writeJSON(w, http.StatusAccepted, nil)
	return nil
}

// codeAuthenticate is the body of POST …/customer-session/authenticate.
func parseCodeAuthenticate(f *form) (string, error) {
	f.withPrefix("body")
	code, p := f.str("code")
	if p == absent || p == null {
		f.required("code", p)
	}
	return code, f.err()
}

// codeInvalidBody is the 401 of a wrong, used or expired code: no
// WWW-Authenticate header, unlike the token 401s.
var codeInvalidBody = errorBody{"CustomerSessionCodeInvalidOrExpired", "This customer session code is invalid or has expired."}

type tokenBody struct {
	Token string `json:"token"`
}

// authenticateCode is POST /v1/customer-portal/customer-session/authenticate
// (§C.10): a code for a session token.
func (s *Server) authenticateCode(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	code, err := parseCodeAuthenticate(f)
	if err != nil {
		return err
	}
	m, err := s.login.Authenticate(r.Context(), code, s.clientIP(r).String())
	switch {
	case errors.Is(err, login.ErrCodeInvalid):
		writeJSON(w, http.StatusUnauthorized, codeInvalidBody)
		return nil
	case err != nil:
		return s.rateLimited("login_authenticate", err)
	}
	writeJSON(w, http.StatusOK, tokenBody{m.Token})
	return nil
}

// rateLimited counts a rate-limit rejection on endpoint and passes err on
// (writeError turns it into the empty-bodied 429).
func (s *Server) rateLimited(endpoint string, err error) error {
	if gatehouse.ErrorCodeOf(err) == gatehouse.ERateLimited {
		s.metrics.RateLimited(endpoint)
		return err
	}
	return fmt.Errorf("%s: %w", endpoint, err)
}
