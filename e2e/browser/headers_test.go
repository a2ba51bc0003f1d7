package browser

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecurityHeadersOnHTML fetches every kind of portal page from the
// running server and checks the headers that protect it.
func TestSecurityHeadersOnHTML(t *testing.T) {
	p := newPortal(t)
	c := p.mustCustomer(t, "headers@example.com", "Hedda")
	s := p.mustSession(t, c, "")
	u, _ := url.Parse(s.CustomerPortalURL)

	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(path string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, p.s.URL+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}

	link := fetch(u.RequestURI())
	if link.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET portal link = %d, want 303", link.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range link.Cookies() {
		if ck.Name == "gatehouse_portal_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/acme/portal" {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/acme/portal", session)
	}
	checkHeaders(t, "portal link redirect", link, false)

	for _, tt := range []struct {
		path   string
		status int
		cookie bool
	}{
		{"/acme/portal", http.StatusOK, true},
		{"/acme/portal/authenticate", http.StatusOK, false},
		{"/acme/portal/authenticate?reason=expired", http.StatusOK, false},
		{"/acme/portal/authenticate/code", http.StatusOK, false},
		{"/nosuch/portal", http.StatusNotFound, false},
		{"/acme/portal/no-such-page", http.StatusNotFound, false},
	} {
		var resp *http.Response
		if tt.cookie {
			resp = fetch(tt.path, session)
		} else {
			resp = fetch(tt.path)
		}
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		checkHeaders(t, "GET "+tt.path, resp, true)
	}
}

func checkHeaders(t *testing.T, what string, resp *http.Response, html bool) {
	t.Helper()
	h := resp.Header
	if html && !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("%s: Content-Type %q, want text/html", what, h.Get("Content-Type"))
	}
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"X-Frame-Options":        "DENY",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:",
		"form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("%s: CSP allows unsafe sources: %q", what, csp)
	}
}
