package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

// subject is the authenticated caller: an organization (through one of its
// access tokens) or a customer (through one of its sessions).
type subject struct {
	kind     AuthKind
	token    *gatehouse.AccessToken // AuthOrganization
	session  *gatehouse.Session     // AuthCustomer
	customer *gatehouse.Customer    // AuthCustomer: the session's live customer
}

type subjectKey struct{}

// sessionScopes are the scopes every customer session carries (§A.1).
var sessionScopes = []gatehouse.Scope{gatehouse.ScopeCustomerPortalWrite}

// authError is one of the contract's 401/403 answers (§A.4).
type authError struct {
	status int    // 401 or 403
	reason string // invalid_token: gatehouse.Reason*; "" for Unauthorized
	scopes []gatehouse.Scope
}

func (e *authError) Error() string {
	switch {
	case e.status == http.StatusForbidden:
		return "insufficient scope"
	case e.reason != "":
		return "invalid token: " + e.reason
	}
	return "unauthorized"
}

func invalidToken(reason string) error {
	return &authError{status: http.StatusUnauthorized, reason: reason}
}

var errUnauthorized = &authError{status: http.StatusUnauthorized}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
// Anything else (another scheme, an empty or non-ASCII value) is no token.
func bearer(h string) (string, bool) {
	scheme, tok, _ := strings.Cut(h, " ")
	if tok == "" || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] >= 0x80 {
			return "", false
		}
	}
	return tok, true
}

// authenticate resolves the caller and checks it against rt (§A.2, §A.3).
// Any bearer token that fails is a 401 invalid_token, even on public routes;
// a subject of the wrong kind counts as anonymous.
func (s *Server) authenticate(r *http.Request, rt *route) (*subject, error) {
	var sub *subject
	if tok, ok := bearer(r.Header.Get("Authorization")); ok {
		var err error
		if sub, err = s.resolve(r, tok); err != nil {
			return nil, err
		}
	}
	if sub != nil && sub.kind != rt.Auth {
		sub = nil
	}
	if rt.Auth == AuthNone {
		return sub, nil
	}
	if sub == nil {
		return nil, errUnauthorized
	}
	if len(rt.Scopes) > 0 && !sub.hasAnyScope(rt.Scopes) {
		return nil, &authError{status: http.StatusForbidden, scopes: rt.Scopes}
	}
	return sub, nil
}

func (sub *subject) hasAnyScope(scopes []gatehouse.Scope) bool {
	if sub.kind == AuthOrganization {
		return sub.token.HasAnyScope(scopes...)
	}
	for _, sc := range scopes {
		if slices.Contains(sessionScopes, sc) {
			return true
		}
	}
	return false
}

// resolve looks tok up: the checksum first (no I/O), then one indexed store
// lookup by digest.
func (s *Server) resolve(r *http.Request, tok string) (*subject, error) {
	prefix, ok := token.Parse(tok)
	if !ok {
		return nil, invalidToken(gatehouse.ReasonMalformed)
	}
	ctx := r.Context()
	now := s.now()
	switch prefix {
	case token.PrefixOrganization:
		t, err := s.store.AccessTokenByHash(ctx, s.hasher.Hashes(tok))
		if err != nil {
			return nil, lookupError(err)
		}
		switch {
		case t.RevokedAt != nil:
			return nil, invalidToken(gatehouse.ReasonRevoked)
		case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
			return nil, invalidToken(gatehouse.ReasonExpired)
		}
		return &subject{kind: AuthOrganization, token: t}, nil
	case token.PrefixSession:
		sess, cust, err := s.store.SessionByHash(ctx, s.hasher.Hashes(tok))
		if err != nil {
			return nil, lookupError(err)
		}
		if st := sess.State(now); st != "" {
			return nil, invalidToken(st)
		}
		return &subject{kind: AuthCustomer, session: sess, customer: cust}, nil
	}
	return nil, invalidToken(gatehouse.ReasonMalformed)
}

// lookupError maps a failed token lookup: not found is an invalid token,
// anything else (the database is down) goes to writeError as it is.
func lookupError(err error) error {
	if errors.Is(err, gatehouse.ErrNotFound) {
		return invalidToken(gatehouse.ReasonUnknown)
	}
	return err
}

// orgOf returns the organization ID of the authenticated organization.
func orgOf(r *http.Request) string {
	return r.Context().Value(subjectKey{}).(*subject).token.OrganizationID
}

// customerOf returns the authenticated customer and its session.
func customerOf(r *http.Request) (*gatehouse.Customer, *gatehouse.Session) {
	sub := r.Context().Value(subjectKey{}).(*subject)
	return sub.customer, sub.session
}
