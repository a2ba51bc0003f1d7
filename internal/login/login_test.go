package login_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/mailtest"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
)

// clock is the injected time: tests move it forward instead of sleeping.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

type env struct {
	svc   *login.Service
	store gatehouse.Store
	smtp  *mailtest.Server
	queue *mail.Queue
	clock *clock
	org   *gatehouse.Organization
	cust  *gatehouse.Customer
}

var backends = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", storetest.SQLiteDSN},
	{"postgres", storetest.PostgresDSN},
}

func forEachBackend(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.dsn(t)) })
	}
}

func mustEnv(t *testing.T, dsn string, tweak func(*login.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st := sqlstoretest.Open(t, dsn, sqlstore.Options{})
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.URL(), "Gatehouse <no-reply@gatehouse.dev>")
	if err != nil {
		t.Fatal(err)
	}
	q := mail.NewQueue(sender, mail.QueueOptions{BaseDelay: 10 * time.Millisecond})
	clk := newClock()
	now := clk.Now()
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: now}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	email := "Jane.Doe@gmail.com"
	cu := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, CreatedAt: now, Email: &email, Type: gatehouse.CustomerIndividual, Metadata: gatehouse.Metadata{}}
	if err := st.CreateCustomer(ctx, cu); err != nil {
		t.Fatal(err)
	}
	cfg := login.Config{Store: st, Customers: customers.New(st, clk.Now), Hasher: token.NewHasher("secret"), Mail: q, Now: clk.Now, PublicURL: "http://gh.test"}
	if tweak != nil {
		tweak(&cfg)
	}
	svc := login.New(cfg)
	t.Cleanup(func() {
		svc.Close(context.Background())
		q.Close(context.Background())
	})
	return &env{svc: svc, store: st, smtp: srv, queue: q, clock: clk, org: org, cust: cu}
}

var codeLine = regexp.MustCompile(`(?m)^ {4}([A-Z0-9]{6})\r?$`)

// mustRequest asks for a code for email and returns it from the delivered mail.
func (e *env) mustRequest(t *testing.T, email string, n int) string {
	t.Helper()
	if err := e.svc.RequestCode(context.Background(), email, e.org.ID, "192.0.2.1"); err != nil {
		t.Fatalf("RequestCode(%q): %v", email, err)
	}
	var got mailtest.Received
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := e.smtp.Messages()
		if len(msgs) >= n {
			got = msgs[n-1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail #%d delivered for %q", n, email)
		}
		time.Sleep(5 * time.Millisecond)
	}
	m := codeLine.FindStringSubmatch(got.Text)
	if m == nil {
		t.Fatalf("no code in mail text:\n%s", got.Text)
	}
	if got.Subject != "Access your Acme purchases" {
		t.Errorf("subject = %q", got.Subject)
	}
	return m[1]
}

func TestCodeSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, nil)
		ctx := context.Background()
		code := e.mustRequest(t, "jane.doe@GMAIL.com", 1)
		m, err := e.svc.Authenticate(ctx, code, "192.0.2.1")
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		s, c, err := e.store.SessionByHash(ctx, token.NewHasher("secret").Hashes(m.Token))
		if err != nil || s.ID != m.Session.ID || c.ID != e.cust.ID {
			t.Fatalf("minted session does not authenticate: %v", err)
		}
		if !c.EmailVerified {
			t.Error("email_verified is false after a code sent to the customer's email was redeemed")
		}
		if got, want := s.ExpiresAt.Sub(s.CreatedAt), time.Hour; got != want {
			t.Errorf("session lifetime = %v, want %v", got, want)
		}
		// Single use.
		if _, err := e.svc.Authenticate(ctx, code, "192.0.2.1"); !errors.Is(err, login.ErrCodeInvalid) {
			t.Errorf("second redemption: err = %v, want code invalid", err)
		}
	})
}

func TestUnknownEmailAndOrgSendNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, nil)
		ctx := context.Background()
		for _, tc := range []struct{ email, org string }{
			{"nobody@gmail.com", e.org.ID},
			{"jane.doe@gmail.com", gatehouse.NewID()},
		} {
			if err := e.svc.RequestCode(ctx, tc.email, tc.org, "192.0.2.9"); err != nil {
				t.Errorf("RequestCode(%q, %s) = %v, want nil (no enumeration)", tc.email, tc.org, err)
			}
		}
		if err := e.svc.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.queue.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(e.smtp.Messages()); n != 0 {
			t.Errorf("%d mails sent for unknown email/organization, want 0", n)
		}
	})
}

func TestCodeExpires(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, nil)
		code := e.mustRequest(t, "jane.doe@gmail.com", 1)
		e.clock.Add(30*time.Minute + time.Second)
		if _, err := e.svc.Authenticate(context.Background(), code, "192.0.2.1"); !errors.Is(err, login.ErrCodeInvalid) {
			t.Errorf("expired code: err = %v, want code invalid", err)
		}
	})
}

func TestWrongCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, func(c *login.Config) { c.DisableRateLimits = true })
		code := e.mustRequest(t, "jane.doe@gmail.com", 1)
		for _, bad := range []string{"", "abcdef", code[:5], code + "A", "'; --", "ZZZZZZ\x00"} {
			if _, err := e.svc.Authenticate(context.Background(), bad, "192.0.2.1"); !errors.Is(err, login.ErrCodeInvalid) {
				t.Errorf("Authenticate(%q): err = %v, want code invalid", bad, err)
			}
		}
		if _, err := e.svc.Authenticate(context.Background(), code, "192.0.2.1"); err != nil {
			t.Errorf("the right code after wrong ones: %v", err)
		}
	})
}

func TestLiveCodesCapped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, func(c *login.Config) { c.DisableRateLimits = true })
		var codes []string
		for i := 1; i <= 6; i++ {
			codes = append(codes, e.mustRequest(t, "jane.doe@gmail.com", i))
		}
		ctx := context.Background()
		if _, err := e.svc.Authenticate(ctx, codes[0], "192.0.2.1"); !errors.Is(err, login.ErrCodeInvalid) {
			t.Errorf("oldest of 6 codes: err = %v, want replaced (invalid)", err)
		}
		for i, c := range codes[1:] {
			if _, err := e.svc.Authenticate(ctx, c, "192.0.2.1"); err != nil {
				t.Errorf("code %d of the 5 newest: %v", i+2, err)
			}
		}
	})
}

func TestConcurrentRedemption(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, func(c *login.Config) { c.DisableRateLimits = true })
		code := e.mustRequest(t, "jane.doe@gmail.com", 1)
		var ok, invalid atomic.Int32
		var wg sync.WaitGroup
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.Authenticate(context.Background(), code, "192.0.2.1")
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, login.ErrCodeInvalid):
					invalid.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || invalid.Load() != 31 {
			t.Errorf("32 concurrent redemptions: %d succeeded, %d invalid; want 1 and 31", ok.Load(), invalid.Load())
		}
	})
}

func TestRateLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		e := mustEnv(t, dsn, nil)
		ctx := context.Background()
		// Per IP: the 7th request within a minute is refused, for 15 minutes.
		for i := range 6 {
			if err := e.svc.RequestCode(ctx, "x"+string(rune('a'+i))+"@gmail.com", e.org.ID, "198.51.100.7"); err != nil {
				t.Fatalf("request %d: %v", i+1, err)
			}
		}
		err := e.svc.RequestCode(ctx, "y@gmail.com", e.org.ID, "198.51.100.7")
		var ge *gatehouse.Error
		if !errors.As(err, &ge) || ge.Code != gatehouse.ERateLimited {
			t.Fatalf("7th request from one IP: err = %v, want rate limited", err)
		}
		if ge.RetryAfter < 14*time.Minute || ge.RetryAfter > 15*time.Minute {
			t.Errorf("RetryAfter = %v, want about 15m", ge.RetryAfter)
		}
		if err := e.svc.RequestCode(ctx, "y@gmail.com", e.org.ID, "198.51.100.8"); err != nil {
			t.Errorf("another IP is not limited: %v", err)
		}
		e.clock.Add(15*time.Minute + time.Second)
		if err := e.svc.RequestCode(ctx, "z@gmail.com", e.org.ID, "198.51.100.7"); err != nil {
			t.Errorf("after the block: %v", err)
		}
		// Per email, whatever the IP (case-insensitive).
		for i := range 6 {
			ip := "203.0.113." + string(rune('1'+i))
			if err := e.svc.RequestCode(ctx, "victim@gmail.com", e.org.ID, ip); err != nil {
				t.Fatalf("email request %d: %v", i+1, err)
			}
		}
		if err := e.svc.RequestCode(ctx, "VICTIM@gmail.com", e.org.ID, "203.0.113.99"); gatehouse.ErrorCodeOf(err) != gatehouse.ERateLimited {
			t.Errorf("7th request for one email: err = %v, want rate limited", err)
		}
		// Authenticate: per IP.
		for i := range 6 {
			if _, err := e.svc.Authenticate(ctx, "AAAAAA", "192.0.2.200"); !errors.Is(err, login.ErrCodeInvalid) {
				t.Fatalf("authenticate %d: %v", i+1, err)
			}
		}
		if _, err := e.svc.Authenticate(ctx, "AAAAAA", "192.0.2.200"); gatehouse.ErrorCodeOf(err) != gatehouse.ERateLimited {
			t.Errorf("7th authenticate from one IP: err = %v, want rate limited", err)
		}
	})
}
