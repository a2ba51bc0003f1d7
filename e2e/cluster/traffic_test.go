package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Traffic phases around a database outage.
const (
	phaseBefore = iota
	phaseDuring
	phaseAfter
	phases
)

var phaseNames = [phases]string{"before", "during", "after"}

// phaseStats counts the answers to the requests sent in one phase.
type phaseStats struct {
	requests, ok, unavailable, other int
}

// trafficCustomer is a customer whose create was acknowledged, with what
// the worker that owns it last did to it.
type trafficCustomer struct {
	id, email string
	// ackedName is the last name a PATCH acknowledged; tried is the last
	// name attempted (a 503 PATCH may still have committed).
	ackedName, triedName int
	// tokens are acknowledged sessions of the customer.
	tokens []string
}

// traffic drives a mix of creates, reads, updates, session mints and
// session checks against every instance, crossing them (a worker writes
// through one instance and reads through the other), and records every
// answer by phase.
type traffic struct {
	d       *deployment
	clients []*client.Client

	mu         sync.Mutex
	phase      int
	stats      [phases]phaseStats
	problems   []string
	customers  map[string]*trafficCustomer // by email, acknowledged only
	attempted  map[string]bool             // every email a create was sent for
	maxLatency time.Duration
	slow       int          // requests slower than answerBound
	firstOK    [2]time.Time // first successful answer per instance to a request sent in phaseAfter
}

func newTraffic(d *deployment, clients []*client.Client) *traffic {
	return &traffic{d: d, clients: clients, customers: map[string]*trafficCustomer{}, attempted: map[string]bool{}}
}

func (tr *traffic) setPhase(p int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.phase = p
}

// run runs workers until ctx ends.
func (tr *traffic) run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { tr.worker(ctx, w) })
	}
	wg.Wait()
}

// worker loops over the operation mix. Its writes go to instance w%2, its
// reads to the other one.
func (tr *traffic) worker(ctx context.Context, w int) {
	wi, ri := w%2, (w+1)%2
	var mine []*trafficCustomer
	for n := 0; ctx.Err() == nil; n++ {
		var cu *trafficCustomer
		if len(mine) > 0 {
			cu = mine[n%len(mine)]
		}
		switch {
		case n%6 == 0 || cu == nil:
			email := fmt.Sprintf("w%d-n%d@example.com", w, n)
			tr.mu.Lock()
			tr.attempted[email] = true
			tr.mu.Unlock()
			var got *apitype.Customer
			if tr.call(ctx, wi, "create customer", func(c *client.Client) (err error) {
				got, err = c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email, Name: new("0")})
				return err
			}) {
				cu = &trafficCustomer{id: got.ID, email: email}
				mine = append(mine, cu)
				tr.mu.Lock()
				tr.customers[email] = cu
				tr.mu.Unlock()
			}
		case n%6 == 1:
			tr.call(ctx, ri, "get customer", func(c *client.Client) error {
				got, err := c.GetCustomer(ctx, cu.id)
				if err == nil && (got.Email == nil || *got.Email != cu.email) {
					return fmt.Errorf("customer %s: got email %v, want %s", cu.id, got.Email, cu.email)
				}
				return err
			})
		case n%6 == 2:
			var s *client.CustomerSession
			if tr.call(ctx, wi, "create session", func(c *client.Client) (err error) {
				s, err = c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: cu.id})
				return err
			}) {
				tr.d.Hide(s.Token)
				tr.mu.Lock()
				cu.tokens = append(cu.tokens, s.Token)
				tr.mu.Unlock()
			}
		case n%6 == 3 && len(cu.tokens) > 0:
			tok := cu.tokens[len(cu.tokens)-1]
			tr.call(ctx, ri, "portal me", func(c *client.Client) error {
				me, err := c.As(tok).PortalMe(ctx)
				if err == nil && me.ID != cu.id {
					return fmt.Errorf("session of %s: got customer %s", cu.id, me.ID)
				}
				return err
			})
		case n%6 == 4:
			next := cu.triedName + 1
			cu.triedName = next
			if tr.call(ctx, wi, "update customer", func(c *client.Client) error {
				_, err := c.UpdateCustomer(ctx, cu.id, apitype.CustomerUpdate{Name: new(fmt.Sprint(next))})
				return err
			}) {
				cu.ackedName = next
			}
		default:
			tr.call(ctx, ri, "list customers", func(c *client.Client) error {
				_, err := c.ListCustomers(ctx, client.ListCustomersParams{Query: fmt.Sprintf("w%d-", w), Limit: 5})
				return err
			})
		}
	}
}

// call runs op against instance i and classifies its answer: success, a
// 503 with the JSON envelope (allowed once the outage began), or a
// problem. It reports success.
func (tr *traffic) call(ctx context.Context, i int, what string, op func(*client.Client) error) bool {
	tr.mu.Lock()
	phase := tr.phase // a request counts in the phase it was sent in
	tr.mu.Unlock()
	began := time.Now()
	err := op(tr.clients[i])
	took := time.Since(began)
	if ctx.Err() != nil && err != nil {
		return false // the run ended mid-request: not an answer
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	st := &tr.stats[phase]
	st.requests++
	tr.maxLatency = max(tr.maxLatency, took)
	if took > answerBound {
		tr.slow++
		tr.problem("%s on instance %d sent %s the outage took %s (bound %s): %s", what, i, phaseNames[phase], took.Round(time.Millisecond), answerBound, describe(err))
	}
	var ce *client.Error
	switch {
	case err == nil:
		st.ok++
		if phase == phaseAfter && tr.firstOK[i].IsZero() {
			tr.firstOK[i] = time.Now()
		}
		return true
	case errors.As(err, &ce) && ce.StatusCode == http.StatusServiceUnavailable:
		st.unavailable++
		if phase == phaseBefore && tr.phase == phaseBefore {
			tr.problem("%s on instance %d before the outage: 503 %s", what, i, ce.Body)
		}
		if p := unavailableBodyProblem(err); p != "" {
			tr.problem("%s on instance %d: %s", what, i, p)
		}
	default:
		st.other++
		tr.problem("%s on instance %d sent %s the outage, after %s: %s", what, i, phaseNames[phase], took.Round(time.Millisecond), describe(err))
	}
	return false
}

// problem records a failure; the caller holds tr.mu.
func (tr *traffic) problem(format string, args ...any) {
	if len(tr.problems) < 50 {
		tr.problems = append(tr.problems, fmt.Sprintf(format, args...))
	}
}

// report logs the numbers and fails t for every problem seen.
func (tr *traffic) report(t *testing.T) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for p, s := range tr.stats {
		t.Logf("traffic %-6s: %5d requests, %5d ok, %4d x 503, %d other", phaseNames[p], s.requests, s.ok, s.unavailable, s.other)
	}
	t.Logf("traffic: %d customers acknowledged of %d creates sent, slowest request %s, %d slower than %s",
		len(tr.customers), len(tr.attempted), tr.maxLatency.Round(time.Millisecond), tr.slow, answerBound)
	for _, p := range tr.problems {
		t.Error(p)
	}
	if tr.maxLatency > answerBound {
		t.Errorf("the slowest request took %s, longer than %s: a hang", tr.maxLatency.Round(time.Millisecond), answerBound)
	}
	if tr.stats[phaseBefore].ok == 0 || tr.stats[phaseAfter].ok == 0 {
		t.Errorf("traffic: no successful request before or after the outage: %+v", tr.stats)
	}
}

// verify reads back, through every instance, every acknowledged write:
// customers with their latest acknowledged name, and sessions. It also
// requires that no customer exists that no create was sent for.
func (tr *traffic) verify(t *testing.T, ctx context.Context) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	checked, sessions := 0, 0
	for _, cu := range tr.customers {
		for i, c := range tr.clients {
			got, err := c.GetCustomer(ctx, cu.id)
			if err != nil {
				t.Errorf("acknowledged customer %s (%s) on instance %d after the outage: %s", cu.id, cu.email, i, describe(err))
				continue
			}
			var name int
			if got.Name != nil {
				fmt.Sscan(*got.Name, &name)
			}
			if *got.Email != cu.email || name < cu.ackedName || name > cu.triedName {
				t.Errorf("customer %s on instance %d: got email %s name %d, want %s and a name in [%d, %d] (acknowledged, attempted)",
					cu.id, i, *got.Email, name, cu.email, cu.ackedName, cu.triedName)
			}
			checked++
		}
		for _, tok := range cu.tokens {
			c := tr.clients[sessions%len(tr.clients)]
			if me, err := c.As(tok).PortalMe(ctx); err != nil || me.ID != cu.id {
				t.Errorf("acknowledged session of %s after the outage: got %+v, %s", cu.id, me, describe(err))
			}
			sessions++
		}
	}
	total := 0
	for cu, err := range tr.clients[0].AllCustomers(ctx, client.ListCustomersParams{Limit: 100}) {
		if err != nil {
			t.Errorf("list every customer after the outage: %s", describe(err))
			break
		}
		total++
		if cu.Email == nil || !tr.attempted[*cu.Email] || !strings.HasSuffix(*cu.Email, "@example.com") {
			t.Errorf("customer %s (%v) exists but no create was sent for it", cu.ID, cu.Email)
		}
	}
	if total < len(tr.customers) || total > len(tr.attempted) {
		t.Errorf("customers after the outage: got %d, want between %d (acknowledged) and %d (sent)", total, len(tr.customers), len(tr.attempted))
	}
	t.Logf("verified after the outage: %d customer reads, %d sessions, %d customers stored (%d acknowledged, %d sent)",
		checked, sessions, total, len(tr.customers), len(tr.attempted))
}
