package reliability

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/loadgen"
)

// webhookServeArgs let the server deliver to the loopback receiver and
// retry a killed instance's claimed deliveries two seconds after they
// began instead of a minute (--webhook-rescue-after, for tests).
var webhookServeArgs = []string{"--webhooks-allow-private-urls", "--webhook-rescue-after", "2s"}

// customerEvents is every customer event type, the subscription of the
// tests' endpoints.
var customerEvents = []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated,
	gatehouse.EventCustomerDeleted, gatehouse.EventCustomerStateChanged}

// customerOps is a write-only mix: every operation is a customer change
// with webhook events.
func customerOps() []loadgen.Op {
	return []loadgen.Op{
		{Name: loadgen.OpCreateCustomer, Weight: 3, Run: loadgen.CreateCustomer},
		{Name: loadgen.OpUpdateCustomer, Weight: 4, Run: loadgen.UpdateCustomer},
		{Name: loadgen.OpDeleteCustomer, Weight: 1, Run: loadgen.DeleteCustomer},
	}
}

// TestWebhookCrash kills the server with SIGKILL at a random moment of
// mixed customer creates, updates and deletes, crashCycles times, each time
// restarting it on the same database, with an endpoint subscribed to the
// customer events on a loopback receiver. Once the last restart drained
// the queue, the receiver's requests are checked against the ledger by
// loadgen.CheckEvents: every acknowledged change has exactly one event id
// (and one state_changed), retries repeat an id but never add one, no
// event for a change that did not commit or that nobody made, each
// customer's events in the order of its changes; every request carries a
// valid signature. The two backends run in parallel.
func TestWebhookCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the server ten times per backend")
	}
	t.Parallel()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			webhookCrash(t, be)
		})
	}
}

func webhookCrash(t *testing.T, be backend) {
	start := time.Now()
	d := newDeployment(t, be)
	o := d.MustOrg(t, "Org webhook crash", "whcrash")
	srv := d.MustServe(t, webhookServeArgs...)
	rcv := mustReceiver(t, srv.Client(o.Token))
	l := loadgen.NewLedger()
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	var ops int64
	for cycle := range crashCycles {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan *loadgen.Result, 1)
		go func() {
			res, err := loadgen.Run(ctx, srv.Client(o.Token), l, loadgen.Config{
				Rate: 250, Workers: 8, Ops: customerOps(), Prefix: "whcrash",
				TransportErrorsExpected: true, // the kill breaks requests in flight
			})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		time.Sleep(time.Duration(300+rnd.IntN(1200)) * time.Millisecond)
		srv.Kill()
		res := <-finish(cancel, done)
		if res == nil {
			t.FailNow()
		}
		ops += res.Total()
		if n := res.UnexpectedCount(); n > 0 {
			t.Errorf("cycle %d: %d unexpected errors before the kill: %v\n%s", cycle, n, res.Unexpected, res)
		}
		srv = d.MustServe(t, webhookServeArgs...)
	}
	took, err := d.WaitWebhooksDrained(2 * time.Minute)
	if err != nil {
		t.Fatalf("webhook queue after the last restart: %v", err)
	}
	recs := append(l.Customers(), l.Unacknowledged()...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := loadgen.Resolve(ctx, srv.Client(o.Token), recs); err != nil {
		t.Fatal(err)
	}
	st := checkWebhooks(t, recs, rcv.Requests())
	if st.acked == 0 || st.requests == 0 {
		t.Fatalf("%d acknowledged changes, %d webhook requests: nothing was tested", st.acked, st.requests)
	}
	t.Logf("%s: %d kills, %d ops; %d changes acknowledged, %d unanswered (%d committed, %d not); "+
		"%d requests for %d event ids (%d repeated after a crash); drained %s after the last restart; %s in all",
		be.name, crashCycles, ops, st.acked, st.unanswered, st.committed, st.notCommitted,
		st.requests, st.ids, st.requests-st.ids, took.Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// mustReceiver starts a loopback receiver and an endpoint subscribed to
// the customer events pointing at it; the receiver verifies signatures
// with the endpoint's secret, which no log may contain.
func mustReceiver(t *testing.T, c *client.Client) *e2etest.WebhookReceiver {
	t.Helper()
	rcv := e2etest.NewWebhookReceiver(t)
	ep, err := c.CreateWebhookEndpoint(context.Background(), apitype.WebhookEndpointCreate{
		URL: rcv.URL(), Format: "raw", Events: customerEvents})
	if err != nil {
		t.Fatalf("create webhook endpoint: %v", err)
	}
	secrets.Hide(ep.Secret)
	rcv.SetSecret(ep.Secret)
	return rcv
}

// webhookStats sums up a checked history.
type webhookStats struct {
	acked, unanswered, committed, notCommitted int
	requests, ids, aborted                     int
}

// checkWebhooks parses the receiver's requests and runs
// loadgen.CheckEvents on them and recs, reporting the first 20 errors and
// any request without a valid signature.
func checkWebhooks(t *testing.T, recs []loadgen.CustomerRecord, reqs []e2etest.WebhookRequest) webhookStats {
	t.Helper()
	var st webhookStats
	for _, rec := range recs {
		for _, ch := range rec.Changes {
			switch ch.Outcome {
			case loadgen.Acked:
				st.acked++
			case loadgen.Committed:
				st.committed++
			case loadgen.NotCommitted:
				st.notCommitted++
			}
			if ch.Outcome != loadgen.Acked {
				st.unanswered++
			}
		}
	}
	ids := map[string]bool{}
	receipts := make([]loadgen.Receipt, 0, len(reqs))
	for _, r := range reqs {
		if r.BadSignature != nil {
			t.Errorf("webhook %s: signature does not verify: %v", r.ID, r.BadSignature)
		}
		if r.Aborted {
			st.aborted++
		}
		rc, err := loadgen.ParseReceipt(r.ID, r.Body)
		if err != nil {
			t.Error(err)
			continue
		}
		ids[r.ID] = true
		receipts = append(receipts, rc)
	}
	st.requests, st.ids = len(reqs), len(ids)
	for i, err := range loadgen.CheckEvents(recs, receipts) {
		if i == 20 {
			t.Errorf("… and more")
			break
		}
		t.Error(err)
	}
	return st
}
