package webhooks_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// issuer records IssueCode calls and fails the first fails of them, with
// a permanent error when permanent is set. It stands in for the login
// service (tested with a real store and SMTP server in internal/login and
// cmd/gatehouse); here the subject is the job's life on River.
type issuer struct {
	mu        sync.Mutex
	calls     []call
	fails     int
	permanent bool
}

type call struct {
	orgID, email string
	at           time.Time
}

type permanentErr struct{}

func (permanentErr) Error() string   { return "550 mailbox j***@example.com unavailable" }
func (permanentErr) Permanent() bool { return true }

func (i *issuer) IssueCode(_ context.Context, orgID, email string, at time.Time) (bool, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.calls = append(i.calls, call{orgID, email, at})
	if len(i.calls) <= i.fails {
		if i.permanent {
			return false, permanentErr{}
		}
		return false, errors.New("dial tcp: connection refused")
	}
	return true, nil
}

func (i *issuer) n() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.calls)
}

func mustStats(t *testing.T, eng *webhooks.Engine) webhooks.LoginCodeStats {
	t.Helper()
	s, err := eng.LoginCodeStats(context.Background())
	if err != nil {
		t.Fatalf("LoginCodeStats: %v", err)
	}
	return s
}

// TestLoginCodeWaitsForIssuer queues a request before the engine runs (as
// one queued before a restart), starts the engine without an issuer: the
// job waits, pending, and is worked once the issuer is set, with its
// arguments intact.
func TestLoginCodeWaitsForIssuer(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		at := time.Date(2026, 11, 26, 10, 0, 0, 123456000, time.UTC)
		if err := e.eng.EnqueueLoginCode(ctx, e.org.ID, "jane@example.com", at); err != nil {
			t.Fatalf("EnqueueLoginCode: %v", err)
		}
		if s := mustStats(t, e.eng); s.Pending != 1 {
			t.Errorf("pending after one request: got %d, want 1", s.Pending)
		}
		start(t, e.eng)
		time.Sleep(1500 * time.Millisecond) // more than one snooze
		if s := mustStats(t, e.eng); s.Pending != 1 || s.Sent != 0 {
			t.Errorf("without an issuer: got %+v, want the request still pending", s)
		}
		iss := &issuer{}
		e.eng.SetLoginCodeIssuer(iss)
		waitFor(t, "the issuer to be called", func() bool { return iss.n() == 1 })
		if got := iss.calls[0]; got.orgID != e.org.ID || got.email != "jane@example.com" || !got.at.Equal(at) {
			t.Errorf("IssueCode got %+v, want org %s, jane@example.com, %v", got, e.org.ID, at)
		}
		waitFor(t, "the job to finish", func() bool { s := mustStats(t, e.eng); return s.Sent == 1 && s.Pending == 0 })
	})
}

// TestLoginCodeRetries: transient failures are retried (RetryBase is
// shrunk by mustEngine); a permanent one ends the request at once.
func TestLoginCodeRetries(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		iss := &issuer{fails: 2}
		e.eng.SetLoginCodeIssuer(iss)
		start(t, e.eng)
		if err := e.eng.EnqueueLoginCode(ctx, e.org.ID, "jane@example.com", time.Now()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the third attempt to send", func() bool { return mustStats(t, e.eng).Sent == 1 })
		if n := iss.n(); n != 3 {
			t.Errorf("attempts: got %d, want 3 (two failures, then sent)", n)
		}

		perm := &issuer{fails: 100, permanent: true}
		e.eng.SetLoginCodeIssuer(perm)
		if err := e.eng.EnqueueLoginCode(ctx, e.org.ID, "john@example.com", time.Now()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the permanent failure to count", func() bool { return mustStats(t, e.eng).Failed == 1 })
		time.Sleep(200 * time.Millisecond)
		if n := perm.n(); n != 1 {
			t.Errorf("attempts after a permanent failure: got %d, want 1", n)
		}
		if s := mustStats(t, e.eng); s.Pending != 0 || s.Sent != 1 {
			t.Errorf("stats: got %+v, want nothing pending and one sent", s)
		}
	})
}
