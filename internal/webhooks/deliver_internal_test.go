package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

var testNow = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// senderEngine is an engine's HTTP side without River (the delivery
// path of the worker, post, run against real loopback receivers).
func senderEngine(t *testing.T, allowPrivate bool, timeout time.Duration, r resolver) *Engine {
	t.Helper()
	return &Engine{
		log:          slog.New(slog.DiscardHandler),
		now:          func() time.Time { return testNow },
		http:         newHTTPClient(timeout, allowPrivate, r),
		allowPrivate: allowPrivate,
	}
}

func testEvent(payload string) *gatehouse.WebhookEvent {
	return &gatehouse.WebhookEvent{ID: gatehouse.NewID(), Type: gatehouse.EventCustomerCreated, Payload: &payload}
}

func testEndpoint(url string) *gatehouse.WebhookEndpoint {
	return &gatehouse.WebhookEndpoint{ID: gatehouse.NewID(), OrganizationID: gatehouse.NewID(), URL: url,
		Format: gatehouse.WebhookFormatRaw, Secret: vectorSecret, Enabled: true}
}

func TestPostHeadersAndSignature(t *testing.T) {
	type seen struct {
		h    http.Header
		body []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), b}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "thanks")
	}))
	defer srv.Close()
	e := senderEngine(t, true, DefaultHTTPTimeout, nil)
	payload := `{"type":"customer.created","timestamp":"2026-10-01T12:00:00.000Z","data":{"id":"c1","email":"a@b.example"}}`
	ev, ep := testEvent(payload), testEndpoint(srv.URL+"/hook?token=x")
	prev, until := "whsec_"+base64.StdEncoding.EncodeToString([]byte("previous-secret-bytes-32-long!!!")), testNow.Add(time.Hour)
	ep.PreviousSecret, ep.PreviousSecretUntil = &prev, &until

	d := e.post(context.Background(), ep, ev)
	if !d.Succeeded || d.HTTPCode == nil || *d.HTTPCode != 202 || *d.Response != "thanks" || d.EventID != ev.ID {
		t.Fatalf("delivery = succeeded %v code %v response %q, want true 202 \"thanks\"", d.Succeeded, d.HTTPCode, *d.Response)
	}
	s := <-got
	if string(s.body) != payload {
		t.Errorf("body = %q, want the stored payload byte for byte", s.body)
	}
	for k, want := range map[string]string{
		"User-Agent": "gatehouse webhooks", "Content-Type": "application/json",
		"Webhook-Id": ev.ID, "Webhook-Timestamp": strconv.FormatInt(testNow.Unix(), 10),
	} {
		if s.h.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, s.h.Get(k), want)
		}
	}
	sigs := strings.Split(s.h.Get("Webhook-Signature"), " ")
	if len(sigs) != 4 {
		t.Fatalf("webhook-signature = %q, want 4 signatures (2 secrets x standard+legacy)", s.h.Get("Webhook-Signature"))
	}
	// Verify the legacy one as @polar-sh/sdk 0.49 does: key = the secret's bytes.
	h := hmac.New(sha256.New, []byte(vectorSecret))
	h.Write([]byte(ev.ID + "." + strconv.FormatInt(testNow.Unix(), 10) + "." + payload))
	if want := "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil)); sigs[1] != want {
		t.Errorf("legacy signature = %q, want %q", sigs[1], want)
	}
	// After the overlap the previous secret no longer signs.
	e.now = func() time.Time { return until.Add(time.Second) }
	e.post(context.Background(), ep, ev)
	if s := <-got; len(strings.Split(s.h.Get("Webhook-Signature"), " ")) != 2 {
		t.Errorf("after the overlap webhook-signature = %q, want only the current secret's 2", s.h.Get("Webhook-Signature"))
	}
}

func TestPostOutcomes(t *testing.T) {
	var redirectTargetHit atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirectTargetHit.Add(1) }))
	defer target.Close()
	long := strings.Repeat("é", 3000)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500); io.WriteString(w, "boom\x00!") })
	mux.HandleFunc("/410", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })
	mux.HandleFunc("/long", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400); io.WriteString(w, long) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/private", http.StatusTemporaryRedirect)
	})
	release := make(chan struct{})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release) // before Close, which waits for handlers
	e := senderEngine(t, true, 300*time.Millisecond, nil)
	for _, tc := range []struct {
		path     string
		ok       bool
		code     int // 0: no HTTP answer
		response string
	}{
		{"/ok", true, 200, ""},
		{"/204", true, 204, ""},
		{"/500", false, 500, "boom!"},
		{"/410", false, 410, ""},
		{"/long", false, 400, strings.Repeat("é", gatehouse.WebhookResponseMax)},
		{"/redirect", false, 307, ""}, // the 3xx is the answer: never followed
		{"/slow", false, 0, "timeout: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
	} {
		d := e.post(context.Background(), testEndpoint(srv.URL+tc.path), testEvent("{}"))
		code := 0
		if d.HTTPCode != nil {
			code = *d.HTTPCode
		}
		if d.Succeeded != tc.ok || code != tc.code || d.Response == nil || *d.Response != tc.response {
			t.Errorf("POST %s: succeeded %v, code %d, response %.80q; want %v, %d, %.80q", tc.path, d.Succeeded, code, *d.Response, tc.ok, tc.code, tc.response)
		}
	}
	if n := redirectTargetHit.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0 (redirects are not followed)", n)
	}
	// Refused before connecting: no server listens there.
	d := e.post(context.Background(), testEndpoint("ftp://example.com/x"), testEvent("{}"))
	if d.Succeeded || d.HTTPCode != nil || *d.Response != errBadURL.Error() {
		t.Errorf("ftp URL: %v %v %q, want refused with %q", d.Succeeded, d.HTTPCode, *d.Response, errBadURL)
	}
}

// fixedResolver answers every name with its addresses.
type fixedResolver []netip.Addr

func (r fixedResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return r, nil
}

func TestPostRefusesNonPublic(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	e := senderEngine(t, false, 2*time.Second, nil)
	for _, host := range []string{
		"127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0", "localhost",
		"[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "100.64.0.1", "[fe80::1]",
	} {
		start := time.Now()
		d := e.post(context.Background(), testEndpoint("https://"+host+":"+port+"/hook"), testEvent("{}"))
		if d.Succeeded || d.HTTPCode != nil || *d.Response != errNonPublic.Error() {
			t.Errorf("https://%s: succeeded %v, code %v, response %q; want refused with %q", host, d.Succeeded, d.HTTPCode, *d.Response, errNonPublic)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("https://%s refused after %v: it must be refused before any dial", host, el)
		}
	}
	d := e.post(context.Background(), testEndpoint("http://example.com/hook"), testEvent("{}"))
	if d.Succeeded || d.HTTPCode != nil || *d.Response != errScheme.Error() {
		t.Errorf("http URL: response %q, want %q", *d.Response, errScheme)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("loopback receiver got %d requests, want 0", n)
	}
}

func TestSafeDialerRebinding(t *testing.T) {
	// A name that resolves to a public and a loopback address: only the
	// public one is dialed, and it is dialed literally (no second lookup).
	// 192.0.2.0/24 is not public either, so with only it and loopback the
	// dial is refused outright.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	d := &safeDialer{dialer: nil, resolver: fixedResolver{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("127.0.0.1")}}
	if _, err := d.DialContext(context.Background(), "tcp", "rebind.example:"+port); err != errNonPublic {
		t.Fatalf("dial rebind.example (192.0.2.1, 127.0.0.1) = %v, want %v", err, errNonPublic)
	}
}

func TestTruncateResponse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ok", "ok"},
		{"a\x00b\x00", "ab"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("x", 5000), strings.Repeat("x", 2048)},
		{strings.Repeat("日", 2100), strings.Repeat("日", 2048)},
	} {
		got := truncateResponse([]byte(tc.in))
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("truncateResponse(%.20q...) = %.20q... (%d runes), want %.20q... (%d runes)", tc.in, got, utf8.RuneCountInString(got), tc.want, utf8.RuneCountInString(tc.want))
		}
	}
	big := strings.NewReader(strings.Repeat("y", 1<<20))
	got, err := readResponse(big)
	if err != nil || len(got) != 2048 {
		t.Errorf("readResponse(1 MiB) = %d chars, %v; want 2048, nil", len(got), err)
	}
}

func TestChatFormats(t *testing.T) {
	payload := []byte(`{"type":"customer.updated","timestamp":"t","data":{"id":"c1","email":"a@b.example","name":"A"}}`)
	for _, tc := range []struct{ format, want string }{
		{gatehouse.WebhookFormatDiscord, `{"content":"**customer.updated**: a@b.example"}`},
		{gatehouse.WebhookFormatSlack, `{"text":"*customer.updated*: a@b.example"}`},
		{gatehouse.WebhookFormatRaw, string(payload)},
	} {
		got, err := body(tc.format, payload)
		if err != nil || string(got) != tc.want {
			t.Errorf("body(%s) = %s, %v; want %s", tc.format, got, err, tc.want)
		}
	}
	session := []byte(`{"type":"customer_session.created","data":{"id":"s1","customer":{"id":"c9","email":""}}}`)
	if got, _ := body(gatehouse.WebhookFormatSlack, session); string(got) != `{"text":"*customer_session.created*: c9"}` {
		t.Errorf("slack session event = %s", got)
	}
	if got, _ := body(gatehouse.WebhookFormatDiscord, []byte("not json")); string(got) != `{"content":"Gatehouse event"}` {
		t.Errorf("discord of a non-JSON payload = %s", got)
	}
}
