package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/jsjson"
	"github.com/gatehouse/gatehouse/webhook"

	_ "modernc.org/sqlite" // the skipped-events check reads a SQLite deployment's file
)

// hookDelivery is one request a hookReceiver got.
type hookDelivery struct {
	Header http.Header
	Body   []byte
	At     time.Time
	// Status is what the receiver answered.
	Status int
}

// ID is the delivery's webhook-id.
func (d hookDelivery) ID() string { return d.Header.Get(webhook.HeaderID) }

// Type is the "type" of the delivery's body ("" when it does not parse).
func (d hookDelivery) Type() string {
	ev, err := webhook.Parse(d.Body)
	if err != nil {
		return ""
	}
	return ev.Type
}

// hookReceiver is a merchant's webhook receiver: a real net/http server on
// loopback that records every request and answers with the status its
// respond function picks for the n-th request (from 1) of a webhook-id.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []hookDelivery
	perID   map[string]int
	respond func(n int) int
	// failDelay holds back every failing answer, so that attempts are
	// seconds apart; location is the Location of a 3xx answer.
	failDelay time.Duration
	location  string
}

// newReceiver starts a receiver answering respond(n) (nil: always 200),
// after opts have set its other fields.
func newReceiver(t *testing.T, respond func(n int) int, opts ...func(*hookReceiver)) *hookReceiver {
	t.Helper()
	r := &hookReceiver{perID: map[string]int{}, respond: respond}
	for _, o := range opts {
		o(r)
	}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	id := req.Header.Get(webhook.HeaderID)
	r.perID[id]++
	status := http.StatusOK
	if r.respond != nil {
		status = r.respond(r.perID[id])
	}
	r.got = append(r.got, hookDelivery{Header: req.Header.Clone(), Body: body, At: time.Now(), Status: status})
	delay, location := r.failDelay, r.location
	r.mu.Unlock()
	if status >= 300 {
		time.Sleep(delay)
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"received":%t}`, status < 300)
}

// setRespond changes the answers from now on.
func (r *hookReceiver) setRespond(respond func(n int) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.respond = respond
}

// deliveries returns every request so far, in arrival order.
func (r *hookReceiver) deliveries() []hookDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookDelivery(nil), r.got...)
}

// waitFor polls until done holds for the requests so far and returns them;
// the failure says what was awaited and what arrived.
func (r *hookReceiver) waitFor(t *testing.T, what string, timeout time.Duration, done func([]hookDelivery) bool) []hookDelivery {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		got := r.deliveries()
		if done(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver: %s not within %v; got %d requests: %s", what, timeout, len(got), summarize(got))
		}
	}
}

// summarize lists requests as "type id status" for failure messages.
func summarize(ds []hookDelivery) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s %s -> %d", d.Type(), d.ID(), d.Status)
	}
	return b.String()
}

// checkDelivery requires d to be a delivery as Gatehouse must send it:
// Polar's headers, a timestamp fresh for this attempt, a signature that
// verifies under every secret given (webhook.Verify), and a body in
// JavaScript's canonical form that webhook.Parse decodes.
func checkDelivery(t *testing.T, d hookDelivery, secrets ...string) *webhook.Event {
	t.Helper()
	if ct := d.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("delivery %s: content-type %q, want application/json", d.ID(), ct)
	}
	if d.Header.Get("User-Agent") == "" || d.ID() == "" {
		t.Errorf("delivery: user-agent %q webhook-id %q, want both set", d.Header.Get("User-Agent"), d.ID())
	}
	ts, err := strconv.ParseInt(d.Header.Get(webhook.HeaderTimestamp), 10, 64)
	if err != nil || d.At.Sub(time.Unix(ts, 0)).Abs() > 3*time.Second {
		t.Errorf("delivery %s: webhook-timestamp %q received at %v, want the attempt's own unix seconds", d.ID(), d.Header.Get(webhook.HeaderTimestamp), d.At.Unix())
	}
	for _, s := range secrets {
		if err := webhook.Verify(s, d.Header, d.Body); err != nil {
			t.Errorf("delivery %s: webhook.Verify: %v (signature %q)", d.ID(), err, d.Header.Get(webhook.HeaderSignature))
		}
	}
	if err := webhook.Verify(webhook.NewSecret(), d.Header, d.Body); err == nil {
		t.Errorf("delivery %s verifies under an unrelated secret", d.ID())
	}
	if canon, err := jsjson.Canonical(d.Body); err != nil || !bytes.Equal(canon, d.Body) {
		t.Errorf("delivery %s: body is not JSON.stringify(JSON.parse(body)) (%v):\ngot  %s\nwant %s", d.ID(), err, d.Body, canon)
	}
	ev, err := webhook.Parse(d.Body)
	if err != nil {
		t.Fatalf("delivery %s: webhook.Parse: %v\n%s", d.ID(), err, d.Body)
	}
	return ev
}

// customerOf returns the customer ID an event is about.
func customerOf(t *testing.T, ev *webhook.Event) string {
	t.Helper()
	if ev.Type == webhook.EventCustomerStateChanged {
		st, err := ev.CustomerState()
		if err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	c, err := ev.Customer()
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// signatures counts the v1 entries of a webhook-signature header.
func signatures(d hookDelivery) int {
	n := 0
	for _, s := range strings.Fields(d.Header.Get(webhook.HeaderSignature)) {
		if strings.HasPrefix(s, "v1,") {
			n++
		}
	}
	return n
}

// allDeliveries lists every delivery row of the endpoints matching p,
// newest first (all pages).
func allDeliveries(t *testing.T, c *client.Client, p client.ListWebhookDeliveriesParams) []apitype.WebhookDelivery {
	t.Helper()
	var out []apitype.WebhookDelivery
	p.Limit = 100
	for p.Page = 1; ; p.Page++ {
		page, err := c.ListWebhookDeliveries(context.Background(), p)
		if err != nil {
			t.Fatalf("list deliveries %+v: %v", p, err)
		}
		out = append(out, page.Items...)
		if len(page.Items) < p.Limit {
			return out
		}
	}
}

// waitDeliveryRows polls the deliveries list of endpoint until it has n
// rows (the receiver sees a request before its row is written).
func waitDeliveryRows(t *testing.T, c *client.Client, endpoint string, n int, timeout time.Duration) []apitype.WebhookDelivery {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		got := allDeliveries(t, c, client.ListWebhookDeliveriesParams{EndpointIDs: []string{endpoint}})
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("deliveries of endpoint %s: got %d rows, want %d", endpoint, len(got), n)
			}
			return got
		}
	}
}

// eventStates counts an endpoint's events by outcome, read from the
// database: the API shows events only through their deliveries, and a
// skipped event has none.
func eventStates(t *testing.T, d *e2etest.Deployment, endpoint string) (succeeded, failed, skipped, pending int) {
	t.Helper()
	driver, dsn, ph := "pgx", d.DSN, "$1"
	if f := d.SQLiteFile(); f != "" {
		driver, dsn, ph = "sqlite", "file:"+f+"?mode=ro&_pragma=busy_timeout(5000)", "?"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT succeeded, skipped FROM webhook_events WHERE endpoint_id = `+ph, endpoint)
	if err != nil {
		t.Fatalf("read webhook_events: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ok sql.NullBool
		var skip bool
		if err := rows.Scan(&ok, &skip); err != nil {
			t.Fatal(err)
		}
		switch {
		case skip:
			skipped++
		case !ok.Valid:
			pending++
		case ok.Bool:
			succeeded++
		default:
			failed++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return succeeded, failed, skipped, pending
}
