package httpapi

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// mailEnv wires the fixture's server to a real SMTP server through the
// real mail queue and an injected login service.
type mailEnv struct {
	*env
	smtp  *mailtest.Server
	queue *mail.Queue
	login *login.Service
}

func newMailEnv(t *testing.T, dsn string, edit func(*login.Config, *Config)) *mailEnv {
	t.Helper()
	e := newEnvDSN(t, dsn)
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTP(smtp.URL(), "shop@gh.test")
	if err != nil {
		t.Fatalf("mail.NewSMTP: %v", err)
	}
	q := mail.NewQueue(sender, mail.QueueOptions{BaseDelay: time.Millisecond})
	lc := login.Config{Store: e.store, Customers: customers.New(e.store, e.clock.Now), Hasher: e.hasher, Mail: q, Now: e.clock.Now, PublicURL: testPublicURL}
	var sc Config
	if edit != nil {
		edit(&lc, &sc)
	}
	svc := login.New(lc)
	me := &mailEnv{env: e, smtp: smtp, queue: q, login: svc}
	t.Cleanup(func() { me.drain(t) })
	e.srv = e.newServer(func(c *Config) { c.Login = svc; c.TrustedProxies = sc.TrustedProxies })
	return me
}

// drain finishes the background work: codes issued, mail delivered.
func (m *mailEnv) drain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.login.Close(ctx); err != nil {
		t.Errorf("login.Close: %v", err)
	}
	if err := m.queue.Close(ctx); err != nil {
		t.Errorf("mail queue Close: %v", err)
	}
}

var codeRE = regexp.MustCompile(`(?m)^\s+([A-Z0-9]{6})\s*$`)

func TestLoginByCode(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMailEnv(t, dsn(t), nil)
			e := m.env
			for _, body := range []string{
				`{"email":"JANE@gmail.com","organization_id":"{orgA}","customer_id":null}`,
				`{"email":"nobody@gmail.com","organization_id":"{orgA}"}`,
				`{"email":"jane@gmail.com","organization_id":"` + "4f0e8a52-8f5e-4b4e-9a63-7b0c0e0f0a11" + `"}`,
				`{"email":"bob@gmail.com","organization_id":"{orgA}"}`, // B's customer, A's organization
			} {
				w := e.do("POST", "/v1/customer-portal/customer-session/request", "", body)
				if w.Code != 202 || w.Body.String() != "null" {
					t.Errorf("request %s: %d %q, want 202 null", body, w.Code, w.Body)
				}
			}
			msg := m.smtp.WaitFor(t, func(r mailtest.Received) bool { return len(r.To) == 1 }, 10*time.Second)
			if msg.Subject != "Access your Acme purchases" || !strings.Contains(msg.Text, "http://gh.test/acme/portal/authenticate") {
				t.Errorf("message: subject %q text %q", msg.Subject, msg.Text)
			}
			sub := codeRE.FindStringSubmatch(msg.Text)
			if sub == nil {
				t.Fatalf("no code in %q", msg.Text)
			}
			w := e.do("POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"`+sub[1]+`"}`)
			if w.Code != 200 {
				t.Fatalf("authenticate: %d %s", w.Code, w.Body)
			}
			tok := mustJSON(t, w.Body.Bytes())["token"].(string)
			if len(mustJSON(t, w.Body.Bytes())) != 1 || !strings.HasPrefix(tok, "gatehouse_cst_") {
				t.Errorf("authenticate body %s, want only a session token", w.Body)
			}
			e.tok["code"] = tok
			w = e.do("GET", "/v1/customer-portal/customers/me", "code", "")
			checkJSONBody(t, w.Body.Bytes(), `{"email":"jane@gmail.com","email_verified":true}`)

			w = e.do("POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"`+sub[1]+`"}`)
			if w.Code != 401 || w.Header().Get("WWW-Authenticate") != "" ||
				w.Body.String() != `{"error":"CustomerSessionCodeInvalidOrExpired","detail":"This customer session code is invalid or has expired."}` {
				t.Errorf("replayed code: %d %q %s", w.Code, w.Header().Get("WWW-Authenticate"), w.Body)
			}
			m.drain(t)
			if n := len(m.smtp.Messages()); n != 1 {
				t.Errorf("%d messages delivered, want 1 (unknown email, org and another org's customer get none)", n)
			}
		})
	}
}

func TestLoginValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ path, body, want string }{
		{"request", `{}`, `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","email"]},{"type":"missing","loc":["body","organization_id"]}]}`},
		{"request", `{"email":"not-an-email","organization_id":"{orgA}"}`, `{"detail":[{"loc":["body","email"],"input":"not-an-email"}]}`},
		{"request", `{"email":"a@gmail.com","organization_id":"x"}`, `{"detail":[{"type":"uuid_parsing","loc":["body","organization_id"]}]}`},
		{"request", `{"email":"a@gmail.com","organization_id":"{orgA}","customer_id":"x"}`, `{"detail":[{"type":"uuid_parsing","loc":["body","customer_id"]}]}`},
		{"request", `{"email":null,"organization_id":"{orgA}"}`, `{"detail":[{"type":"string_type","loc":["body","email"]}]}`},
		{"request", `[]`, `{"detail":[{"type":"model_attributes_type"}]}`},
		{"authenticate", `{}`, `{"detail":[{"type":"missing","loc":["body","code"]}]}`},
		{"authenticate", `{"code":123456}`, `{"detail":[{"type":"string_type","loc":["body","code"]}]}`},
		{"authenticate", `{"code":"ab\u0000"}`, `{"detail":[{"loc":["body","code"]}]}`},
	}
	for _, c := range cases {
		w := e.do("POST", "/v1/customer-portal/customer-session/"+c.path, "", c.body)
		if w.Code != 422 {
			t.Errorf("%s %s: %d %s, want 422", c.path, c.body, w.Code, w.Body)
			continue
		}
		checkJSONBody(t, w.Body.Bytes(), c.want)
	}
	for _, code := range []string{"ZZZZZZ", "abc", "", strings.Repeat("A", 1000)} {
		w := e.do("POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"`+code+`"}`)
		if w.Code != 401 || !strings.Contains(w.Body.String(), "CustomerSessionCodeInvalidOrExpired") {
			t.Errorf("code %q: %d %s, want 401", code, w.Code, w.Body)
		}
	}
}

// post sends a login request from remote with an optional X-Forwarded-For.
func post(e *env, path, body, remote, xff string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/v1/customer-portal/customer-session/"+path, strings.NewReader(e.expand(body)))
	r.Header.Set("Content-Length", strconv.Itoa(int(r.ContentLength)))
	r.RemoteAddr = remote
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

func checkLimited(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if w.Code != 429 || w.Body.Len() != 0 || err != nil || ra <= 0 || ra > 900 {
		t.Errorf("%s: %d Retry-After %q body %q, want 429, 1..900 s, empty body", what, w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}

func TestLoginRateLimits(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMailEnv(t, dsn(t), func(_ *login.Config, c *Config) {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
			})
			e := m.env
			req := func(email, remote, xff string) *httptest.ResponseRecorder {
				return post(e, "request", `{"email":"`+email+`","organization_id":"{orgA}"}`, remote, xff)
			}
			// Per client IP: six a minute, different emails.
			for i := range 6 {
				if w := req("u"+strconv.Itoa(i)+"@gmail.com", "198.51.100.1:1000", ""); w.Code != 202 {
					t.Fatalf("request %d: %d", i, w.Code)
				}
			}
			checkLimited(t, req("u7@gmail.com", "198.51.100.1:1000", "203.0.113.50"), "7th request, spoofed XFF from an untrusted peer")
			// Behind the trusted proxy, the forwarded client is the key.
			for i := range 6 {
				if w := req("p"+strconv.Itoa(i)+"@gmail.com", "10.1.2.3:443", "198.51.100.99, 203.0.113.9, 10.0.0.7"); w.Code != 202 {
					t.Fatalf("proxied request %d: %d", i, w.Code)
				}
			}
			checkLimited(t, req("p7@gmail.com", "10.9.9.9:443", "1.2.3.4, 203.0.113.9"), "7th proxied request of 203.0.113.9")
			if w := req("q@gmail.com", "10.1.2.3:443", "203.0.113.10"); w.Code != 202 {
				t.Errorf("another client behind the proxy: %d, want 202", w.Code)
			}
			// Per email, across IPs.
			for i := range 6 {
				if w := req("Same@gmail.com", "192.0.2."+strconv.Itoa(i+1)+":1", ""); w.Code != 202 {
					t.Fatalf("same email %d: %d", i, w.Code)
				}
			}
			checkLimited(t, req("same@GMAIL.com", "192.0.2.77:1", ""), "7th request for one email")
			// Authenticate: six a minute per IP.
			for i := range 6 {
				if w := post(e, "authenticate", `{"code":"AAAAAA"}`, "198.51.100.200:1", ""); w.Code != 401 {
					t.Fatalf("authenticate %d: %d", i, w.Code)
				}
			}
			checkLimited(t, post(e, "authenticate", `{"code":"AAAAAA"}`, "198.51.100.200:1", ""), "7th authenticate")
			// The block lasts 15 minutes.
			e.clock.Add(14 * time.Minute)
			checkLimited(t, post(e, "authenticate", `{"code":"AAAAAA"}`, "198.51.100.200:1", ""), "after 14 minutes")
			e.clock.Add(2 * time.Minute)
			if w := post(e, "authenticate", `{"code":"AAAAAA"}`, "198.51.100.200:1", ""); w.Code != 401 {
				t.Errorf("after the block: %d, want 401", w.Code)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}
	cases := []struct{ remote, xff, want string }{
		{"198.51.100.1:5", "", "198.51.100.1"},
		{"198.51.100.1:5", "1.2.3.4", "198.51.100.1"}, // untrusted peer: header ignored
		{"10.0.0.1:5", "", "10.0.0.1"},
		{"10.0.0.1:5", "1.2.3.4", "1.2.3.4"},
		{"10.0.0.1:5", "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"},
		{"10.0.0.1:5", "10.0.0.3, 10.0.0.2", "10.0.0.3"},
		{"10.0.0.1:5", "6.6.6.6, garbage, 10.0.0.2", "10.0.0.2"},
		{"[2001:db8::1]:5", "2001:db8::2, 2a00::1", "2a00::1"},
		{"[::ffff:10.0.0.1]:5", "::ffff:1.2.3.4", "1.2.3.4"},
		{"10.0.0.1:5", " , 1.2.3.4 ,", "1.2.3.4"},
		{"not an address", "1.2.3.4", "::"},
		{"192.0.2.1", "", "192.0.2.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r).String(); got != c.want {
			t.Errorf("clientIP(remote %q, XFF %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5"
	r.Header.Add("X-Forwarded-For", "9.9.9.9")
	r.Header.Add("X-Forwarded-For", "1.2.3.4, 10.0.0.5")
	if got := s.clientIP(r).String(); got != "1.2.3.4" {
		t.Errorf("two XFF headers: %s, want 1.2.3.4 (the last header is the nearest hops)", got)
	}
	if got := cleanUserAgent("a\x00b\xff" + strings.Repeat("é", 400)); len(got) > maxUserAgent || strings.Contains(got, "\x00") {
		t.Errorf("cleanUserAgent kept %d bytes or a NUL", len(got))
	}
}

// TestRequestAfterClose: once the server is closed, a code request is a
// 503, not a send on the login service's closed queue.
func TestRequestAfterClose(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	w := e.do("POST", "/v1/customer-portal/customer-session/request", "", `{"email":"jane@gmail.com","organization_id":"{orgA}"}`)
	if w.Code != 503 {
		t.Errorf("request after Close: %d %s, want 503", w.Code, w.Body)
	}
}
