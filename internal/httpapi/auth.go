package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/token"
)

// subject is the authenticated caller: an organization (through one of its
// access tokens) or a customer (through one of its sessions).
type subject struct {
	kind     AuthKind
	token    *gatehouse.AccessToken // AuthOrganization
	session  *gatehouse.Session     // AuthCustomer
	customer *gatehouse.Customer    // AuthCustomer: the session's live customer
	ctx      subjectCtx             // the request's context carrying this subject (withSubject)
}

// cachedSubject is a customer subject answered by the session cache, with
// the copies of its session and customer in the same allocation.
type cachedSubject struct {
	subject
	sess gatehouse.Session
	cust gatehouse.Customer
}

// sessionPeeker is the session cache's allocation-free lookup
// (sessioncache.Store.CachedSession).
type sessionPeeker interface {
	CachedSession(d token.Digest, sess *gatehouse.Session, cust *gatehouse.Customer) bool
}

type subjectKey struct{}

// subjectCtx is a context carrying a subject under subjectKey: what
// context.WithValue makes, without an allocation of its own.
type subjectCtx struct {
	context.Context
	sub *subject
}

func (c *subjectCtx) Value(key any) any {
	if _, ok := key.(subjectKey); ok {
		return c.sub
	}
	return c.Context.Value(key)
}

// withSubject returns a shallow copy of r whose context carries sub.
func withSubject(r *http.Request, sub *subject) *http.Request {
	sub.ctx = subjectCtx{Context: r.Context(), sub: sub}
	return r.WithContext(&sub.ctx)
}

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
	if sub.kind == AuthCustomer {
		s.recordUsage(r, sub.session.ID)
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
// lookup by digest. Every outcome is counted when metrics are on.
func (s *Server) resolve(r *http.Request, tok string) (*subject, error) {
	sub, reason, err := s.lookup(r, tok)
	switch {
	case reason != "":
		s.metrics.TokenCheck(reason)
		return nil, invalidToken(reason)
	case err != nil:
		return nil, err
	}
	s.metrics.TokenCheck(metrics.OutcomeOK)
	return sub, nil
}

// lookup classifies tok: a subject, or the invalid_token reason, or a
// store failure.
func (s *Server) lookup(r *http.Request, tok string) (*subject, string, error) {
	prefix, ok := token.Parse(tok)
	if !ok {
		return nil, gatehouse.ReasonMalformed, nil
	}
	ctx := r.Context()
	now := s.now()
	switch prefix {
	case token.PrefixOrganization:
		t, err := s.store.AccessTokenByHash(ctx, s.hasher.Hashes(tok))
		if err != nil {
			return nil, lookupReason(err), lookupErr(err)
		}
		switch {
		case t.RevokedAt != nil:
			return nil, gatehouse.ReasonRevoked, nil
		case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
			return nil, gatehouse.ReasonExpired, nil
		}
		return &subject{kind: AuthOrganization, token: t}, "", nil
	case token.PrefixSession:
		if s.peek != nil {
			cs := new(cachedSubject)
			if s.peek.CachedSession(s.hasher.Sum(tok), &cs.sess, &cs.cust) {
				if st := cs.sess.State(now); st != "" {
					return nil, st, nil
				}
				cs.subject = subject{kind: AuthCustomer, session: &cs.sess, customer: &cs.cust}
				return &cs.subject, "", nil
			}
		}
		sess, cust, err := s.store.SessionByHash(ctx, s.hasher.Hashes(tok))
		if err != nil {
			return nil, lookupReason(err), lookupErr(err)
		}
		if st := sess.State(now); st != "" {
			return nil, st, nil
		}
		return &subject{kind: AuthCustomer, session: sess, customer: cust}, "", nil
	}
	return nil, gatehouse.ReasonMalformed, nil
}

// recordUsage notes the session's use for its usage record; the strings
// are built only when a record is due (once a minute per session).
func (s *Server) recordUsage(r *http.Request, sessionID string) {
	at := s.clock()
	if !s.usage.Due(sessionID, at) {
		return
	}
	s.usage.Record(sessionID, at, s.clientIP(r).String(), cleanUserAgent(r.UserAgent()))
}

// lookupReason and lookupErr split a failed token lookup: not found is an
// unknown token, anything else (the database is down) goes to writeError
// as it is.
func lookupReason(err error) string {
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.ReasonUnknown
	}
	return ""
}

func lookupErr(err error) error {
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil
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
