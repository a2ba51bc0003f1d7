package login_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/mailtest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// codeQueue records what RequestCode queues. It stands in for the job
// engine (whose life of a job is tested in internal/webhooks, and the two
// together through serve in cmd/gatehouse): here the subject is what the
// service queues and what IssueCode does with it.
type codeQueue struct {
	mu   sync.Mutex
	reqs []queued
}

type queued struct {
	orgID, email string
	at           time.Time
}

func (q *codeQueue) EnqueueLoginCode(_ context.Context, orgID, email string, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reqs = append(q.reqs, queued{orgID, email, at})
	return nil
}

// durable is an env whose service queues on a codeQueue and mails through
// an SMTP sender to its own server, started with opts.
type durable struct {
	*env
	q    *codeQueue
	smtp *mailtest.Server
}

func mustDurable(t *testing.T, dsn string, opts ...mailtest.Option) *durable {
	t.Helper()
	srv := mailtest.Start(t, opts...)
	sender, err := mail.NewSMTP(srv.URL(), "Gatehouse <no-reply@gatehouse.dev>")
	if err != nil {
		t.Fatal(err)
	}
	q := &codeQueue{}
	e := mustEnv(t, dsn, func(c *login.Config) { c.Codes, c.Mailer = q, sender })
	return &durable{env: e, q: q, smtp: srv}
}

type permanent interface{ Permanent() bool }

func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p) && p.Permanent()
}

// TestDurableRequestAndIssue: every accepted request is queued, known
// address or not, and nothing is sent at request time; IssueCode sends
// the known one's mail before it returns, and its code signs in.
func TestDurableRequestAndIssue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		d := mustDurable(t, dsn)
		ctx := context.Background()
		for _, addr := range []string{"Jane.Doe@gmail.com", "nobody@gmail.com"} {
			if err := d.svc.RequestCode(ctx, addr, d.org.ID, "192.0.2.1"); err != nil {
				t.Fatalf("RequestCode(%q): %v", addr, err)
			}
		}
		if len(d.q.reqs) != 2 || d.q.reqs[1].email != "nobody@gmail.com" || d.q.reqs[0].orgID != d.org.ID || !d.q.reqs[0].at.Equal(d.clock.Now()) {
			t.Fatalf("queued %+v, want both requests (org %s, at %v)", d.q.reqs, d.org.ID, d.clock.Now())
		}
		if n := len(d.smtp.Messages()); n != 0 {
			t.Errorf("%d mails sent at request time, want 0", n)
		}
		sent, err := d.svc.IssueCode(ctx, d.org.ID, "nobody@gmail.com", d.q.reqs[1].at)
		if sent || err != nil {
			t.Errorf("IssueCode for an unknown address: got %v, %v; want false, nil", sent, err)
		}
		r := d.q.reqs[0]
		sent, err = d.svc.IssueCode(ctx, r.orgID, r.email, r.at)
		if !sent || err != nil {
			t.Fatalf("IssueCode: got %v, %v; want true, nil", sent, err)
		}
		msgs := d.smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("mails after IssueCode: got %d, want 1 (sent before it returned)", len(msgs))
		}
		m := codeLine.FindStringSubmatch(msgs[0].Text)
		if m == nil {
			t.Fatalf("no code in mail text:\n%s", msgs[0].Text)
		}
		if _, err := d.svc.Authenticate(ctx, m[1], "192.0.2.1"); err != nil {
			t.Errorf("Authenticate with the issued code: %v", err)
		}
	})
}

// TestIssueCodeFailures: a request older than the code TTL is dropped
// unsent, permanently; an SMTP failure is an error, transient or
// permanent as the server says; no error text holds the address.
func TestIssueCodeFailures(t *testing.T) {
	const addr = "Jane.Doe@gmail.com"
	t.Run("expired", func(t *testing.T) {
		d := mustDurable(t, storetest.SQLiteDSN(t))
		at := d.clock.Now()
		d.clock.Add(login.DefaultCodeTTL + time.Second)
		sent, err := d.svc.IssueCode(context.Background(), d.org.ID, addr, at)
		if sent || err == nil || !isPermanent(err) || strings.Contains(err.Error(), addr) {
			t.Errorf("IssueCode past the TTL: got %v, %v; want false and a permanent error without the address", sent, err)
		}
		if n := len(d.smtp.Messages()); n != 0 {
			t.Errorf("%d mails for an expired request, want 0", n)
		}
	})
	t.Run("transient", func(t *testing.T) {
		d := mustDurable(t, storetest.SQLiteDSN(t), mailtest.FailFirst(1))
		at := d.clock.Now()
		sent, err := d.svc.IssueCode(context.Background(), d.org.ID, addr, at)
		if sent || err == nil || isPermanent(err) || strings.Contains(strings.ToLower(err.Error()), strings.ToLower(addr)) {
			t.Fatalf("IssueCode on a 451: got %v, %v; want false and a transient error without the address", sent, err)
		}
		if sent, err = d.svc.IssueCode(context.Background(), d.org.ID, addr, at); !sent || err != nil {
			t.Fatalf("retry: got %v, %v; want true, nil", sent, err)
		}
		msgs := d.smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("mails: got %d, want 1", len(msgs))
		}
		m := codeLine.FindStringSubmatch(msgs[0].Text)
		if m == nil {
			t.Fatalf("no code in mail text:\n%s", msgs[0].Text)
		}
		if _, err := d.svc.Authenticate(context.Background(), m[1], "192.0.2.1"); err != nil {
			t.Errorf("the retry's code: %v", err)
		}
	})
	t.Run("permanent", func(t *testing.T) {
		d := mustDurable(t, storetest.SQLiteDSN(t), mailtest.RejectAll())
		sent, err := d.svc.IssueCode(context.Background(), d.org.ID, addr, d.clock.Now())
		if sent || err == nil || !isPermanent(err) || strings.Contains(strings.ToLower(err.Error()), strings.ToLower(addr)) {
			t.Errorf("IssueCode on a 554: got %v, %v; want false and a permanent error without the address", sent, err)
		}
		t.Logf("error: %v", err)
	})
}
