package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// codeInMail finds the one-time code on its own indented line of a message.
var codeInMail = regexp.MustCompile(`(?m)^\s+([A-Z0-9]{6})\s*$`)

// TestLoginByEmailCode signs a customer in end to end on every backend:
// a real SMTP server receives the code the binary sends (--smtp-url,
// --mail-from), the client redeems it, and the token reads
// /v1/customer-portal/customers/me. Then the configured limits hold: the
// code cannot be replayed, and --login-authenticate-limits 4/24h answers the
// fifth attempt with 429 and Retry-After.
func TestLoginByEmailCode(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			smtp := mailtest.Start(t)
			d := newDeployment(t, be)
			srv := d.MustServe(t, "--smtp-url", smtp.URL(), "--mail-from", "Acme Billing <billing@acme.test>",
				"--code-ttl", "10m", "--login-authenticate-limits", "4/24h", "--login-block", "1m")
			acme := d.MustOrg(t, "Acme Inc", "acme")
			c := client.New(srv.URL, client.WithToken(acme.Token))
			ctx := context.Background()
			addr := email("code")
			cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: addr})
			if err != nil {
				t.Fatal(err)
			}

			anon := client.New(srv.URL)
			if err := anon.RequestLoginCode(ctx, addr, acme.ID); err != nil {
				t.Fatalf("request code: %v", err)
			}
			if err := anon.RequestLoginCode(ctx, email("nobody"), acme.ID); err != nil {
				t.Fatalf("request code for an unknown email: got %v, want the same 202", err)
			}
			msg := smtp.WaitFor(t, func(m mailtest.Received) bool { return len(m.To) == 1 && m.To[0] == addr }, 20*time.Second)
			code := mustCode(t, msg.Text)
			d.Hide(code)
			if !strings.Contains(msg.Subject, "Acme Inc") || !strings.Contains(msg.HTML, code) ||
				!strings.Contains(msg.Text, "10 minutes") || !strings.Contains(msg.Text, srv.URL+"/acme/portal/authenticate") ||
				msg.From != "billing@acme.test" {
				t.Errorf("login mail: from %q subject %q text %q; want the org name, the code in both parts, 10 minutes and the portal link", msg.From, msg.Subject, msg.Text)
			}

			tok, err := anon.AuthenticateLoginCode(ctx, code)
			if err != nil {
				t.Fatalf("authenticate: %v", err)
			}
			d.Hide(tok)
			me, err := anon.As(tok).PortalMe(ctx)
			if err != nil || me.ID != cu.ID || !me.EmailVerified {
				t.Errorf("customers/me with the code's token: got %+v, %v; want %s with email_verified", me, err, cu.ID)
			}

			_, err = anon.AuthenticateLoginCode(ctx, code)
			if !client.IsCodeInvalid(err) {
				t.Errorf("replayed code: got %v, want 401 CustomerSessionCodeInvalidOrExpired", err)
			}
			_, err = anon.AuthenticateLoginCode(ctx, "ZZZZZZ")
			if !client.IsCodeInvalid(err) {
				t.Errorf("wrong code: got %v, want 401 CustomerSessionCodeInvalidOrExpired", err)
			}
			_, _ = anon.AuthenticateLoginCode(ctx, "ZZZZZY")
			_, err = anon.AuthenticateLoginCode(ctx, "ZZZZZX")
			e := mustAPIError(t, err, http.StatusTooManyRequests, "")
			if e.RetryAfter <= 0 || e.RetryAfter > time.Minute || len(e.Body) != 0 {
				t.Errorf("over --login-authenticate-limits 4/24h: Retry-After %v, body %q; want within --login-block 1m and an empty body", e.RetryAfter, e.Body)
			}
			if !client.IsRateLimited(err) {
				t.Errorf("IsRateLimited(%v) = false", err)
			}
		})
	}
}

// TestLoginCodePortalForm requests a code through the portal's HTML sign-in
// form: the page and the JSON API share one login service and mail queue.
func TestLoginCodePortalForm(t *testing.T) {
	smtp := mailtest.Start(t)
	d := newDeployment(t, backends[0])
	srv := d.MustServe(t, "--smtp-url", smtp.URL(), "--mail-from", "billing@acme.test")
	acme := d.MustOrg(t, "Acme Inc", "acme")
	addr := email("form")
	if _, err := client.New(srv.URL, client.WithToken(acme.Token)).CreateCustomer(context.Background(), apitype.CustomerCreate{Email: addr}); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	page := mustGet(t, hc, srv.URL+"/acme/portal/authenticate")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("sign-in page has no CSRF field:\n%s", page)
	}
	resp, err := hc.PostForm(srv.URL+"/acme/portal/authenticate", url.Values{"csrf_token": {m[1]}, "email": {addr}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("portal code request: got %d:\n%s", resp.StatusCode, body)
	}
	msg := smtp.WaitFor(t, func(m mailtest.Received) bool { return len(m.To) == 1 && m.To[0] == addr }, 20*time.Second)
	d.Hide(mustCode(t, msg.Text))
}

// TestLoginCodeLogMailer is the first-run path: without --smtp-url the
// server says so at start, writes each login mail (code included) to its
// log, and a newcomer signs in with the code read from there.
func TestLoginCodeLogMailer(t *testing.T) {
	d := newDeployment(t, backends[0])
	srv := d.MustServe(t)
	if !strings.Contains(srv.Log().String(), "no --smtp-url: login codes are written to this log") {
		t.Errorf("no start-up warning about the log mailer:\n%s", srv.Log())
	}
	acme := d.MustOrg(t, "Acme Inc", "acme")
	ctx := context.Background()
	addr := email("firstrun")
	cu, err := client.New(srv.URL, client.WithToken(acme.Token)).CreateCustomer(ctx, apitype.CustomerCreate{Email: addr})
	if err != nil {
		t.Fatal(err)
	}
	anon := client.New(srv.URL)
	if err := anon.RequestLoginCode(ctx, addr, acme.ID); err != nil {
		t.Fatal(err)
	}
	line := waitLogLine(t, srv, "SMTP is not configured", 20*time.Second)
	if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "to="+addr) {
		t.Errorf("log-mailer line: got %q, want a WARN naming the recipient", line)
	}
	m := regexp.MustCompile(`\\n\\n {4}([A-Z0-9]{6})\\n`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no code in the log-mailer line %q", line)
	}
	code := m[1]
	// The leak check must still find this code anywhere else in any log:
	// hide it, and exempt exactly this one line, which shows it by design.
	d.Hide(code)
	d.Leaks.ExemptLine(line)
	tok, err := anon.AuthenticateLoginCode(ctx, code)
	if err != nil {
		t.Fatalf("authenticate with the code from the log: %v", err)
	}
	d.Hide(tok)
	if me, err := anon.As(tok).PortalMe(ctx); err != nil || me.ID != cu.ID {
		t.Errorf("customers/me: got %+v, %v; want %s", me, err, cu.ID)
	}
}

func mustCode(t *testing.T, text string) string {
	t.Helper()
	m := codeInMail.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no code in the message text %q", text)
	}
	return m[1]
}

func mustGet(t *testing.T, hc *http.Client, u string) string {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

// waitLogLine returns the first line of the server's log containing s.
func waitLogLine(t *testing.T, s *e2etest.Server, sub string, timeout time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(s.Log().String(), "\n") {
			if strings.Contains(line, sub) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line containing %q within %v:\n%s", sub, timeout, s.Log())
		}
	}
}

// TestTrustedProxies: with --trusted-proxies naming the loopback "proxy",
// the client IP of the per-IP code-request limit (--login-request-limits
// 1/24h: windows are fixed, and a day-long one is never straddled by a
// test) is taken from X-Forwarded-For, so two clients behind the proxy are
// limited separately, and the same client twice is refused.
func TestTrustedProxies(t *testing.T) {
	d := newDeployment(t, backends[0])
	srv := d.MustServe(t, "--trusted-proxies", "127.0.0.0/8,::1", "--login-request-limits", "1/24h")
	acme := d.MustOrg(t, "Acme Inc", "acme")
	request := func(forwardedFor string) int {
		t.Helper()
		body := `{"email":"` + email("proxy") + `","organization_id":"` + acme.ID + `"}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/customer-portal/customer-session/request", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := request("203.0.113.7"); got != http.StatusAccepted {
		t.Fatalf("first request from 203.0.113.7: got %d, want 202", got)
	}
	if got := request("198.51.100.9"); got != http.StatusAccepted {
		t.Errorf("first request from another client behind the proxy: got %d, want 202 (limits keyed by the proxy's IP?)", got)
	}
	if got := request("203.0.113.7"); got != http.StatusTooManyRequests {
		t.Errorf("second request from 203.0.113.7 over 1/24h: got %d, want 429", got)
	}
}
