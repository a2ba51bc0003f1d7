package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/login"
)

func TestSignInFormErrorsInline(t *testing.T) {
	f := mustFixture(t)
	b := f.browser(t)
	p := b.get("/acme/portal/authenticate")
	wantStatus(t, "sign-in page", p, http.StatusOK, "")
	wantSecurityHeaders(t, "sign-in page", p)
	checkMarkup(t, "sign-in", p.Body)

	p = b.post("/acme/portal/authenticate", url.Values{"email": {"  "}})
	wantStatus(t, "empty email", p, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Body, `id="f-email-error"`) || !strings.Contains(p.Body, English.EmailRequired) {
		t.Errorf("empty email: no inline error:\n%s", p.Body)
	}

	p = b.post("/acme/portal/authenticate", url.Values{"email": {"not an email"}})
	wantStatus(t, "malformed email", p, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Body, `id="f-email-error"`) || !strings.Contains(p.Body, `value="not an email"`) {
		t.Errorf("malformed email: want the API's error next to the field and the value kept:\n%s", p.Body)
	}
	checkMarkup(t, "sign-in with error", p.Body)

	b.get("/acme/portal/authenticate/code")
	p = b.post("/acme/portal/authenticate/code", url.Values{"code": {""}})
	wantStatus(t, "empty code", p, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Body, English.CodeRequired) {
		t.Errorf("empty code: no inline error:\n%s", p.Body)
	}
}

func TestSignInRequestAndWrongCode(t *testing.T) {
	f := mustFixture(t)
	f.mustSession(t, "known@example.com", nil)
	b := f.browser(t)
	b.get("/acme/portal/authenticate")

	// Known and unknown addresses get the same page (no enumeration).
	var pages []string
	for _, email := range []string{"known@example.com", "stranger@example.com"} {
		b.get("/acme/portal/authenticate")
		p := b.post("/acme/portal/authenticate", url.Values{"email": {email}})
		wantStatus(t, "request code for "+email, p, http.StatusOK, "")
		if !strings.Contains(p.Body, English.CheckInboxTitle) || !strings.Contains(p.Body, `id="f-code"`) {
			t.Fatalf("request code for %s: no code form:\n%s", email, p.Body)
		}
		pages = append(pages, strings.ReplaceAll(csrfRE.ReplaceAllString(p.Body, ""), email, "EMAIL"))
	}
	if pages[0] != pages[1] {
		t.Error("the check-inbox page differs between a known and an unknown address")
	}

	p := b.post("/acme/portal/authenticate/code", url.Values{"code": {"zz-zz zz"}, "email": {"known@example.com"}})
	wantStatus(t, "wrong code", p, http.StatusUnauthorized, "")
	if !strings.Contains(p.Body, English.CodeInvalid) || !strings.Contains(p.Body, `value="ZZZZZZ"`) {
		t.Errorf("wrong code: want the inline error and the normalized code kept:\n%s", p.Body)
	}
	if b.cookie("/acme/portal", sessionCookie) != nil {
		t.Error("a wrong code set a session cookie")
	}
}

// TestRateLimitedPageTellsTheBlock: over a login limit, the page says how
// long the configured block lasts (7 minutes here, not the default 15) and
// passes the API's Retry-After on, for both the code request and the code
// redemption.
func TestRateLimitedPageTellsTheBlock(t *testing.T) {
	oncePerDay := []gatehouse.RateLimit{{Max: 1, Window: 24 * time.Hour}}
	f := mustFixture(t, func(c *login.Config) {
		c.RequestLimits, c.AuthenticateLimits, c.Block = oncePerDay, oncePerDay, 7*time.Minute
	})
	b := f.browser(t)
	const want = "Too many attempts. Please try again in 7 minutes."

	b.get("/acme/portal/authenticate")
	p := b.post("/acme/portal/authenticate", url.Values{"email": {"jane@example.com"}})
	wantStatus(t, "first code request", p, http.StatusOK, "")
	b.get("/acme/portal/authenticate")
	p = b.post("/acme/portal/authenticate", url.Values{"email": {"jane@example.com"}})
	wantStatus(t, "second code request", p, http.StatusTooManyRequests, "")
	if !strings.Contains(p.Body, `id="f-email-error"`) || !strings.Contains(p.Body, want) {
		t.Errorf("second code request: want %q next to the email field:\n%s", want, p.Body)
	}
	if got := p.Header.Get("Retry-After"); got != "420" {
		t.Errorf("second code request: Retry-After %q, want 420", got)
	}

	b.get("/acme/portal/authenticate/code")
	p = b.post("/acme/portal/authenticate/code", url.Values{"code": {"ZZZZZZ"}})
	wantStatus(t, "first wrong code", p, http.StatusUnauthorized, "")
	p = b.post("/acme/portal/authenticate/code", url.Values{"code": {"ZZZZZZ"}})
	wantStatus(t, "second wrong code", p, http.StatusTooManyRequests, "")
	if !strings.Contains(p.Body, `id="f-code-error"`) || !strings.Contains(p.Body, want) {
		t.Errorf("second wrong code: want %q next to the code field:\n%s", want, p.Body)
	}
	if got := p.Header.Get("Retry-After"); got != "420" {
		t.Errorf("second wrong code: Retry-After %q, want 420", got)
	}
}
