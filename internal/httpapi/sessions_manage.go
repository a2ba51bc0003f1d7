package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/validate"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// sessionQuery is a validated GET /v1/customer-sessions/ query.
type sessionQuery struct {
	filter     gatehouse.SessionFilter
	externalID *string
}

// parseSessionQuery reads customer_id, external_customer_id, active, page
// and limit; other keys are ignored.
func parseSessionQuery(q url.Values) (sessionQuery, error) {
	var errs queryErrors
	var sq sessionQuery
	if s, ok := last(q, "customer_id"); ok {
		id, fe := validate.UUID4([]any{"query", "customer_id"}, s)
		if !errs.add(fe) {
			sq.filter.CustomerID = id
		}
	}
	if s, ok := last(q, "external_customer_id"); ok {
		sq.externalID = &s
	}
	sq.filter.Active = errs.boolParam(q, "active")
	sq.filter.Page.Page = min(errs.positiveInt(q, "page", 1), maxPage)
	sq.filter.Page.Limit = min(errs.positiveInt(q, "limit", defaultLimit), maxLimit)
	errs.nul(q)
	if len(errs) > 0 {
		return sq, gatehouse.InvalidSchema(errs...)
	}
	return sq, nil
}

// listSessions is GET /v1/customer-sessions/: the organization's sessions,
// newest first. An unknown external_customer_id matches nothing.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	q, err := parseSessionQuery(queryOf(r))
	if err != nil {
		return err
	}
	ctx, orgID := r.Context(), orgOf(r)
	out := apitype.List[apitype.SessionInfo]{Items: []apitype.SessionInfo{}}
	if q.externalID != nil {
		c, err := s.store.CustomerByExternalID(ctx, orgID, *q.externalID)
		if errors.Is(err, gatehouse.ErrNotFound) {
			writeJSON(w, http.StatusOK, out)
			return nil
		} else if err != nil {
			return fmt.Errorf("find session customer: %w", err)
		}
		if q.filter.CustomerID != "" && q.filter.CustomerID != c.ID {
			writeJSON(w, http.StatusOK, out)
			return nil
		}
		q.filter.CustomerID = c.ID
	}
	q.filter.Now = s.clock()
	ss, total, err := s.store.ListSessions(ctx, orgID, q.filter)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	out.Pagination = apitype.Pagination{TotalCount: total, MaxPage: maxPageOf(total, q.filter.Page.Limit)}
	for _, sess := range ss {
		out.Items = append(out.Items, wire.Session(sess))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathSessionID validates the {id} of a session path.
func pathSessionID(r *http.Request) (string, error) {
	id, fe := validate.UUID4([]any{"path", "id"}, r.PathValue("id"))
	if fe != nil {
		return "", gatehouse.InvalidSchema(*fe)
	}
	return id, nil
}

// getSession is GET /v1/customer-sessions/{id}; another organization's
// session is not found.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathSessionID(r)
	if err != nil {
		return err
	}
	sess, err := s.store.Session(r.Context(), orgOf(r), id)
	if err != nil {
		return fmt.Errorf("find session %s: %w", id, err)
	}
	writeJSON(w, http.StatusOK, wire.Session(sess))
	return nil
}

// revokeSession is DELETE /v1/customer-sessions/{id}: 204, also for a
// session already revoked or expired (the first revocation is kept, and
// only the first reports customer_session.revoked).
func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathSessionID(r)
	if err != nil {
		return err
	}
	if err := s.store.RevokeSession(r.Context(), orgOf(r), id, gatehouse.RevokedByMerchant, s.clock(), wire.SessionRevoked); err != nil {
		return fmt.Errorf("revoke session %s: %w", id, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseSessionRevoke validates {customer_id} or {external_customer_id}
// (the external ID wins when both are sent, as in session create).
func parseSessionRevoke(f *form) (customerID string, externalID *string, err error) {
	f.withPrefix("body")
	ext, pe := f.str("external_customer_id")
	id, pi := f.uuid("customer_id")
	switch {
	case len(f.errs) > 0:
		return "", nil, f.err()
	case pe == set:
		return "", &ext, nil
	case pi == set:
		return id, nil, nil
	}
	f.required("customer_id", pi)
	f.required("external_customer_id", pe)
	return "", nil, f.err()
}

// revokeCustomerSessions is POST /v1/customer-sessions/revoke: every live
// session of one customer. An unknown customer is a 422, as in session
// create.
func (s *Server) revokeCustomerSessions(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	id, ext, err := parseSessionRevoke(f)
	if err != nil {
		return err
	}
	c, err := s.bodyCustomer(r, id, ext)
	if err != nil {
		return err
	}
	n, err := s.store.RevokeCustomerSessions(r.Context(), orgOf(r), c.ID, gatehouse.RevokedByMerchant, s.clock(), wire.SessionRevoked)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	writeJSON(w, http.StatusOK, apitype.RevokeResult{Revoked: n})
	return nil
}

// bodyCustomer finds the customer a session body names, by external ID
// when it is set, else by ID. Not found is the 422 of §C.8.
func (s *Server) bodyCustomer(r *http.Request, id string, externalID *string) (*gatehouse.Customer, error) {
	ctx, orgID := r.Context(), orgOf(r)
	var c *gatehouse.Customer
	var err error
	var fe gatehouse.FieldError
	if externalID != nil {
		c, err = s.store.CustomerByExternalID(ctx, orgID, *externalID)
		fe = gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "external_customer_id"}, Msg: "Customer does not exist.", Input: *externalID}
	} else {
		c, err = s.store.Customer(ctx, orgID, id)
		fe = gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "customer_id"}, Msg: "Customer does not exist.", Input: id}
	}
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.Invalid(fe)
	} else if err != nil {
		return nil, fmt.Errorf("find session customer: %w", err)
	}
	return c, nil
}

// portalLogout is DELETE /v1/customer-portal/customer-session: the bearer
// revokes its own session; the token fails from the next request on.
func (s *Server) portalLogout(w http.ResponseWriter, r *http.Request) error {
	_, sess := customerOf(r)
	if err := s.store.RevokeSession(r.Context(), sess.OrganizationID, sess.ID, gatehouse.RevokedByLogout, s.clock(), wire.SessionRevoked); err != nil {
		return fmt.Errorf("log out session %s: %w", sess.ID, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// openAPI is GET /openapi.json: the embedded OpenAPI document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	s.openapi.ServeHTTP(w, r)
	return nil
}
