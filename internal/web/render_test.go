package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The tests in this file check markup only (labels, ids, escaping, no inline
// code). They render through a canned API answer; every behaviour test runs
// against the real API in portal_test.go.

const stubOrg = `{"organization":{"created_at":"2026-01-01T00:00:00Z","modified_at":null,"id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","name":"<Acme & Co>","slug":"acme","avatar_url":null,"proration_behavior":"prorate","allow_customer_updates":true,"customer_portal_settings":{"usage":{"show":true},"subscription":{"update_seats":true,"update_plan":true},"customer":{"allow_email_change":false}},"organization_features":{"member_model_enabled":false,"checkout_localization_enabled":false}},"products":[]}`

const stubMe = `{"created_at":"2026-01-01T00:00:00Z","modified_at":null,"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","email":"jane@example.com","email_verified":true,"name":"Jane <b>Doe</b>","billing_name":"Jane Doe","billing_address":{"line1":"1 Main St","line2":null,"postal_code":"94104","city":"San Francisco","state":"US-CA","country":"US"},"tax_id":null,"oauth_accounts":{},"default_payment_method_id":null,"type":"individual","locale":null}`

// stubAPI answers the three reads the account page makes.
func stubAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/customer-portal/organizations/acme":
			io.WriteString(w, stubOrg)
		case "/v1/customer-portal/customers/me":
			io.WriteString(w, stubMe)
		case "/v1/customer-portal/customer-session/introspect":
			io.WriteString(w, `{"expires_at":"2026-01-01T14:32:00Z","return_url":"https://shop.example.com/account","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"ResourceNotFound","detail":"Not found"}`)
		}
	})
}

func mustRenderHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New(Config{API: stubAPI(), Now: func() time.Time { return time.Date(2026, 1, 1, 13, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func mustGet(t *testing.T, h http.Handler, target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	reInputID = regexp.MustCompile(`<(?:input|select)[^>]*\bid="([^"]+)"`)
	reDescBy  = regexp.MustCompile(`aria-describedby="([^"]+)"`)
)

// checkMarkup asserts the accessibility and CSP rules every page follows.
func checkMarkup(t *testing.T, page, body string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("%s: no lang attribute", page)
	}
	for _, m := range reInputID.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `<label for="`+m[1]+`"`) {
			t.Errorf("%s: control #%s has no label", page, m[1])
		}
	}
	for _, m := range reDescBy.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("%s: aria-describedby names missing #%s", page, id)
			}
		}
	}
	for _, bad := range []string{"<style", " style=", "<script>", " onclick=", " onchange=", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: contains inline code %q", page, bad)
		}
	}
	if n := strings.Count(body, "<form"); n != strings.Count(body, `name="csrf_token"`) {
		t.Errorf("%s: %d forms but %d CSRF fields", page, n, strings.Count(body, `name="csrf_token"`))
	}
}

func TestRenderAccountPage(t *testing.T) {
	h := mustRenderHandler(t)
	rec := mustGet(t, h, "/acme/portal", &http.Cookie{Name: sessionCookie, Value: "gatehouse_cst_x"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /acme/portal = %d, want 200; body %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	checkMarkup(t, "account", body)
	for _, want := range []string{
		"&lt;Acme &amp; Co&gt;",                   // org name escaped
		`avatar-initial" aria-hidden="true">&lt;`, // initial fallback without avatar
		"Jane &lt;b&gt;Doe&lt;/b&gt;",             // customer name escaped
		`class="badge badge-ok">Verified`,         // verified badge
		"Signed in until 14:32 UTC",
		`href="https://shop.example.com/account"`,
		"Back to &lt;Acme &amp; Co&gt;",
		`<option value="US-CA" selected>California`,
		`<option value="US" selected>United States`,
		`action="/acme/portal/signout"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
}

func TestRenderSignInAndErrorPages(t *testing.T) {
	h := mustRenderHandler(t)
	for _, tt := range []struct {
		target string
		status int
		want   string
	}{
		{"/acme/portal/authenticate", 200, `autocomplete="email"`},
		{"/acme/portal/authenticate?reason=expired", 200, English.ReasonExpired},
		{"/acme/portal/authenticate?reason=%3Cx%3E", 200, English.ReasonGeneric},
		{"/acme/portal/authenticate/code", 200, `autocomplete="one-time-code"`},
		{"/nope/portal", 404, English.NotFoundTitle},
		{"/", 404, English.NotFoundText},
	} {
		rec := mustGet(t, h, tt.target)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("GET %s = %d, want %d with %q; body:\n%s", tt.target, rec.Code, tt.status, tt.want, rec.Body)
		}
		checkMarkup(t, tt.target, rec.Body.String())
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", tt.target, cc)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	h := mustRenderHandler(t)
	for path, ctype := range map[string]string{"/acme/portal/static/portal.css": "text/css", "/acme/portal/static/portal.js": "text/javascript"} {
		rec := mustGet(t, h, path)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), ctype) || rec.Body.Len() < 100 {
			t.Errorf("GET %s = %d %q (%d bytes), want 200 %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len(), ctype)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	if rec := mustGet(t, h, "/acme/portal/static/nope.css"); rec.Code != 404 {
		t.Errorf("missing asset = %d, want 404", rec.Code)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without API succeeded, want error")
	}
	if _, err := New(Config{API: stubAPI(), FrameAncestors: []string{"https://x.com; script-src *"}}); err == nil {
		t.Error("New with injected frame ancestor succeeded, want error")
	}
	h, err := New(Config{API: stubAPI(), FrameAncestors: []string{"https://shop.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := mustGet(t, h, "/acme/portal/authenticate")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://shop.example.com") {
		t.Errorf("CSP = %q, want the allow-listed ancestor", csp)
	}
	if xfo := rec.Header().Get("X-Frame-Options"); xfo != "" {
		t.Errorf("X-Frame-Options = %q with an allow-list, want none", xfo)
	}
}

func TestHostileSlugsAreNotFound(t *testing.T) {
	h := mustRenderHandler(t)
	for _, target := range []string{"/%2F%2Fevil.example/portal/", "/%2F%2Fevil.example/portal/account", "/a%22b/portal", "/" + strings.Repeat("a", 65) + "/portal"} {
		rec := mustGet(t, h, target)
		if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" {
			t.Errorf("GET %s = %d Location %q, want 404 without redirect", target, rec.Code, rec.Header().Get("Location"))
		}
	}
}
