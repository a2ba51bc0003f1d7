package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"syscall"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Env is what an operation works with: the merchant client (organization
// token), the shared ledger and this worker's random source.
type Env struct {
	Client *client.Client
	Ledger *Ledger
	Rand   *rand.Rand
	// Prefix makes emails and external IDs unique across ledgers.
	Prefix string
}

// Op is one kind of request the generator sends. Run returns nil when the
// server acknowledged it, an error wrapped with Expected when the failure is
// a normal answer (say a 404 racing a delete), or any other error.
type Op struct {
	Name   string
	Weight int
	Run    func(ctx context.Context, e *Env) error
}

// Standard operation names.
const (
	OpCreateCustomer = "create_customer"
	OpUpdateCustomer = "update_customer"
	OpDeleteCustomer = "delete_customer"
	OpCreateSession  = "create_session"
	OpPortalMe       = "portal_me"
	OpRevokeSession  = "revoke_session"
)

// DefaultOps is the standard mix: customer creates and updates, session
// creates, portal /me checks and customer deletes, plus session revokes
// (DELETE /v1/customer-sessions/{id}) when revoke is true.
func DefaultOps(revoke bool) []Op {
	ops := []Op{
		{OpCreateCustomer, 3, CreateCustomer},
		{OpUpdateCustomer, 2, UpdateCustomer},
		{OpCreateSession, 3, CreateSession},
		{OpPortalMe, 6, PortalMe},
		{OpDeleteCustomer, 1, DeleteCustomer},
	}
	if revoke {
		ops = append(ops, Op{OpRevokeSession, 1, RevokeSession})
	}
	return ops
}

// SteadyOps is a mix whose working set stays the same size: customers are
// deleted as often as they are created (and with them their sessions), so
// a long run measures the server, not the growth of its data set.
func SteadyOps(revoke bool) []Op {
	ops := []Op{
		{OpCreateCustomer, 2, CreateCustomer},
		{OpUpdateCustomer, 2, UpdateCustomer},
		{OpCreateSession, 2, CreateSession},
		{OpPortalMe, 6, PortalMe},
		{OpDeleteCustomer, 2, DeleteCustomer},
	}
	if revoke {
		ops = append(ops, Op{OpRevokeSession, 1, RevokeSession})
	}
	return ops
}

// notApplied reports whether a failed write certainly did not happen: the
// server answered with an error, or refused the connection (it was down,
// so nothing was sent). Any other failure leaves the outcome unknown.
func notApplied(err error) bool {
	return client.StatusCode(err) != 0 || errors.Is(err, syscall.ECONNREFUSED)
}

// CreateCustomer creates a customer with a unique email and external ID.
func CreateCustomer(ctx context.Context, e *Env) error {
	n := e.Ledger.next()
	rec := &CustomerRecord{
		ExternalID: fmt.Sprintf("%s-ext-%d", e.Prefix, n),
		Email:      fmt.Sprintf("%s-%d@example.com", e.Prefix, n),
	}
	name := "gen-0"
	cu, err := e.Client.CreateCustomer(ctx, apitype.CustomerCreate{
		Email:      rec.Email,
		Name:       &name,
		ExternalID: &rec.ExternalID,
		Metadata:   map[string]any{"gen": 0, "loadgen": true},
	})
	if err != nil {
		if !notApplied(err) {
			// The server may or may not have it.
			rec.Changes = []Change{{Type: gatehouse.EventCustomerCreated, Outcome: Unknown}}
			e.Ledger.addUnacked(rec)
		}
		return err
	}
	if cu.ExternalID == nil || *cu.ExternalID != rec.ExternalID {
		return fmt.Errorf("create customer: answer has external_id %v, want %q", cu.ExternalID, rec.ExternalID)
	}
	rec.ID = cu.ID
	rec.Changes = []Change{{Type: gatehouse.EventCustomerCreated, Outcome: Acked}}
	e.Ledger.addCustomer(rec)
	return nil
}

// UpdateCustomer bumps the generation of a random customer: name and
// metadata change together in one PATCH.
func UpdateCustomer(ctx context.Context, e *Env) error {
	rec := e.Ledger.claimCustomer(e.Rand)
	if rec == nil {
		return CreateCustomer(ctx, e)
	}
	defer e.Ledger.update(func() { rec.busy = false })
	var gen, prevPending int
	e.Ledger.update(func() {
		gen, prevPending = max(rec.Gen, rec.PendingGen)+1, rec.PendingGen
		rec.PendingGen = gen
	})
	name := "gen-" + strconv.Itoa(gen)
	_, err := e.Client.UpdateCustomer(ctx, rec.ID, apitype.CustomerUpdate{
		Name:     &name,
		Metadata: map[string]any{"gen": gen, "loadgen": true},
	})
	switch {
	case err == nil:
		e.Ledger.update(func() {
			rec.Gen, rec.PendingGen = gen, 0
			rec.Changes = append(rec.Changes, Change{Type: gatehouse.EventCustomerUpdated, Gen: gen, Outcome: Acked})
		})
	case notApplied(err):
		// Refused: not applied. An earlier update without an answer may
		// still be what the server holds, and its generation is not
		// reused, so every generation names one write.
		e.Ledger.update(func() { rec.PendingGen = prevPending })
	default:
		e.Ledger.update(func() {
			rec.Changes = append(rec.Changes, Change{Type: gatehouse.EventCustomerUpdated, Gen: gen, Outcome: Unknown})
		})
	}
	return err
}

// DeleteCustomer deletes a random customer; its sessions must stop working.
func DeleteCustomer(ctx context.Context, e *Env) error {
	rec := e.Ledger.claimCustomer(e.Rand)
	if rec == nil {
		return CreateCustomer(ctx, e)
	}
	defer e.Ledger.update(func() { rec.busy = false })
	e.Ledger.update(func() { rec.DeletePending = true; e.Ledger.retireCustomer(rec) })
	err := e.Client.DeleteCustomer(ctx, rec.ID, false)
	switch {
	case err == nil:
		e.Ledger.update(func() {
			rec.Deleted, rec.DeletePending = true, false
			rec.Changes = append(rec.Changes, Change{Type: gatehouse.EventCustomerDeleted, Outcome: Acked})
		})
	case !notApplied(err):
		e.Ledger.update(func() {
			rec.Changes = append(rec.Changes, Change{Type: gatehouse.EventCustomerDeleted, Outcome: Unknown})
		})
	default:
		e.Ledger.update(func() {
			rec.DeletePending = false
			e.Ledger.live.add(rec)
			for _, s := range rec.sessions {
				if !s.Revoked && !s.RevokePending {
					e.Ledger.liveSessions.add(s)
				}
			}
		})
	}
	return err
}

// CreateSession mints a session for a random live customer.
func CreateSession(ctx context.Context, e *Env) error {
	rec := e.Ledger.claimCustomer(e.Rand)
	if rec == nil {
		return CreateCustomer(ctx, e)
	}
	defer e.Ledger.update(func() { rec.busy = false })
	s, err := e.Client.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: rec.ID})
	if err != nil {
		return err
	}
	if s.CustomerID != rec.ID || s.Token == "" {
		return fmt.Errorf("create session: answer is for customer %q with token set %v, want %q", s.CustomerID, s.Token != "", rec.ID)
	}
	e.Ledger.addSession(&SessionRecord{ID: s.ID, Token: s.Token, CustomerID: rec.ID})
	return nil
}

// PortalMe checks a random live session on GET /v1/customer-portal/customers/me.
func PortalMe(ctx context.Context, e *Env) error {
	s := e.Ledger.claimSession(e.Rand)
	if s == nil {
		return CreateSession(ctx, e)
	}
	defer e.Ledger.update(func() { s.busy = false })
	me, err := e.Client.As(s.Token).PortalMe(ctx)
	if err != nil {
		if client.IsInvalidToken(err) && !e.Ledger.customerLive(s.CustomerID) {
			return Expected(err) // a delete of its customer raced this check
		}
		return err
	}
	if me.ID != s.CustomerID {
		return fmt.Errorf("portal me: session %s answers customer %s, want %s", s.ID, me.ID, s.CustomerID)
	}
	return nil
}

// RevokeSession revokes a random live session
// (DELETE /v1/customer-sessions/{id}, 204).
func RevokeSession(ctx context.Context, e *Env) error {
	s := e.Ledger.claimSession(e.Rand)
	if s == nil {
		return CreateSession(ctx, e)
	}
	defer e.Ledger.update(func() { s.busy = false })
	e.Ledger.update(func() { s.RevokePending = true; e.Ledger.liveSessions.remove(s) })
	err := e.Client.Do(ctx, http.MethodDelete, "/v1/customer-sessions/"+s.ID, nil, nil, nil)
	switch {
	case err == nil:
		e.Ledger.update(func() { s.Revoked, s.RevokePending = true, false })
	case client.StatusCode(err) != 0:
		e.Ledger.update(func() {
			s.RevokePending = false
			if e.Ledger.customerLiveLocked(s.CustomerID) {
				e.Ledger.liveSessions.add(s)
			}
		})
		if !e.Ledger.customerLive(s.CustomerID) {
			return Expected(err) // a delete of its customer raced the revoke
		}
	}
	return err
}
