package e2etest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/webhook"
)

// WebhookReceiver is a webhook endpoint on loopback for the tests of the
// real binary: it records every request (in arrival order), holds each for
// Hold before answering 200, notes requests whose sender went away while
// held, verifies signatures once a secret is set, and counts how many
// requests of one webhook-id were in flight at once.
type WebhookReceiver struct {
	// Hold is how long each request is held before the answer; set it
	// before the first request.
	Hold time.Duration

	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	reqs     []WebhookRequest
	inFlight map[string]int
	maxID    string // the webhook-id with the most requests at once
	max      int
	now      int // requests being held
}

// WebhookRequest is one request a WebhookReceiver got.
type WebhookRequest struct {
	ID   string // webhook-id
	Body []byte
	At   time.Time
	// Aborted is set when the sender closed the connection before the
	// answer (it was killed mid-delivery).
	Aborted bool
	// BadSignature holds the verification error when a secret was set.
	BadSignature error
}

// NewWebhookReceiver starts a receiver on 127.0.0.1, closed when the test
// ends.
func NewWebhookReceiver(t testing.TB) *WebhookReceiver {
	r := &WebhookReceiver{inFlight: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the receiver's address, for an endpoint's url.
func (r *WebhookReceiver) URL() string { return r.srv.URL + "/hook" }

// SetSecret makes the receiver verify every later request with secret.
func (r *WebhookReceiver) SetSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

func (r *WebhookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return // the sender went away mid-body: nothing was delivered
	}
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	rec := WebhookRequest{ID: id, Body: body, At: time.Now()}
	if r.secret != "" {
		rec.BadSignature = webhook.Verify(r.secret, req.Header, body)
	}
	i := len(r.reqs)
	r.reqs = append(r.reqs, rec)
	r.inFlight[id]++
	r.now++
	if r.inFlight[id] > r.max {
		r.max, r.maxID = r.inFlight[id], id
	}
	r.mu.Unlock()
	aborted := false
	if r.Hold > 0 {
		select {
		case <-time.After(r.Hold):
		case <-req.Context().Done():
			aborted = true
		}
	}
	r.mu.Lock()
	r.inFlight[id]--
	r.now--
	r.reqs[i].Aborted = aborted
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// Requests returns the requests received so far, in arrival order.
func (r *WebhookReceiver) Requests() []WebhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WebhookRequest(nil), r.reqs...)
}

// InFlight returns how many requests are being held now.
func (r *WebhookReceiver) InFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

// MaxConcurrent returns the largest number of requests of one webhook-id
// held at the same time, and that id.
func (r *WebhookReceiver) MaxConcurrent() (n int, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.max, r.maxID
}
