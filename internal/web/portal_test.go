package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/client"
)

// portalPathOf returns the path and query of a customer_portal_url.
func portalPathOf(t *testing.T, portalURL string) string {
	t.Helper()
	u, err := url.Parse(portalURL)
	if err != nil {
		t.Fatalf("customer_portal_url %q: %v", portalURL, err)
	}
	return u.RequestURI()
}

func TestLinkMovesTokenIntoCookie(t *testing.T) {
	f := mustFixture(t)
	ret := "https://shop.example.com/account"
	s := f.mustSession(t, "jane@example.com", &ret)
	b := f.browser(t)

	p := b.get(portalPathOf(t, s.CustomerPortalURL))
	wantStatus(t, "follow link", p, http.StatusSeeOther, "/acme/portal")
	wantSecurityHeaders(t, "follow link", p)
	var set *http.Cookie
	for _, c := range p.Cookies() {
		if c.Name == sessionCookie {
			set = c
		}
	}
	if set == nil || set.Value != s.Token || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/acme/portal" || set.Secure {
		t.Fatalf("session cookie = %+v, want the token, HttpOnly, SameSite=Lax, Path=/acme/portal, not Secure over http", set)
	}
	if set.MaxAge < 3500 || set.MaxAge > 3600 {
		t.Errorf("cookie Max-Age = %d, want the session's remaining hour", set.MaxAge)
	}

	p = b.get("/acme/portal")
	wantStatus(t, "account page", p, http.StatusOK, "")
	wantSecurityHeaders(t, "account page", p)
	for _, want := range []string{"Acme Inc", "jane@example.com", "Jane Doe", "Signed in until", `href="https://shop.example.com/account"`, "Back to Acme Inc"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if strings.Contains(p.Body, s.Token) {
		t.Error("account page contains the session token")
	}
	checkMarkup(t, "account (real API)", p.Body)
}

func TestLinkSecureCookieOverTLS(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "tls@example.com", nil)
	// Serve the same handler over TLS too.
	tlsSrv := httptest.NewTLSServer(f.srv.Config.Handler)
	t.Cleanup(tlsSrv.Close)
	hc := tlsSrv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(tlsSrv.URL + portalPathOf(t, s.CustomerPortalURL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && !c.Secure {
			t.Errorf("session cookie over https is not Secure: %+v", c)
		}
	}
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("follow link over TLS = %d, want 303", resp.StatusCode)
	}
}

func TestDeadLinksExplainWhy(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "late@example.com", nil)
	tests := []struct {
		name, token, reason string
	}{
		{"malformed", "not-a-token", "malformed"},
		{"unknown", "gatehouse_cst_" + strings.Repeat("A", 43), ""}, // unknown or malformed (bad checksum)
	}
	for _, tt := range tests {
		b := f.browser(t)
		p := b.get("/acme/portal?customer_session_token=" + url.QueryEscape(tt.token))
		wantStatus(t, tt.name, p, http.StatusSeeOther, "")
		loc := p.Header.Get("Location")
		if !strings.HasPrefix(loc, "/acme/portal/authenticate?reason=") || (tt.reason != "" && loc != "/acme/portal/authenticate?reason="+tt.reason) {
			t.Errorf("%s: Location %q, want the sign-in page with reason %q", tt.name, loc, tt.reason)
		}
		if b.cookie("/acme/portal", sessionCookie) != nil {
			t.Errorf("%s: a dead token was stored in the cookie", tt.name)
		}
	}

	f.clock.Advance(2 * time.Hour)
	b := f.browser(t)
	p := b.get(portalPathOf(t, s.CustomerPortalURL))
	wantStatus(t, "expired link", p, http.StatusSeeOther, "/acme/portal/authenticate?reason=expired")
	p = b.get(p.Header.Get("Location"))
	wantStatus(t, "expired page", p, http.StatusOK, "")
	if !strings.Contains(p.Body, English.ReasonExpired) || !strings.Contains(p.Body, English.SendCode) {
		t.Errorf("expired page does not explain and offer the code sign-in:\n%s", p.Body)
	}
	wantSecurityHeaders(t, "expired page", p)
}

func TestSessionExpiryWhileSignedIn(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "exp@example.com", nil)
	b := f.browser(t)
	b.get(portalPathOf(t, s.CustomerPortalURL))
	f.clock.Advance(61 * time.Minute)
	// The cookie jar still has the cookie (its Max-Age counts real time).
	p := b.get("/acme/portal")
	wantStatus(t, "expired session", p, http.StatusSeeOther, "/acme/portal/authenticate?reason=expired")
}

func TestWithoutSessionGoesToSignIn(t *testing.T) {
	f := mustFixture(t)
	b := f.browser(t)
	wantStatus(t, "no cookie", b.get("/acme/portal"), http.StatusSeeOther, "/acme/portal/authenticate")
	p := b.get("/nosuchorg/portal")
	wantStatus(t, "unknown org", p, http.StatusNotFound, "")
	wantSecurityHeaders(t, "unknown org", p)
	wantStatus(t, "unknown org sign-in", b.get("/nosuchorg/portal/authenticate"), http.StatusNotFound, "")
}

func TestEditBillingDetails(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "edit@example.com", nil)
	b := f.browser(t)
	b.get(portalPathOf(t, s.CustomerPortalURL))
	b.get("/acme/portal")

	form := url.Values{
		"billing_name": {"Jane Ltd"}, "line1": {"1 Main St"}, "line2": {""}, "postal_code": {"62701"},
		"city": {"Springfield"}, "country": {"US"}, "state": {"US-IL"}, "region": {""}, "tax_id": {""},
	}
	p := b.post("/acme/portal/account", form)
	wantStatus(t, "save", p, http.StatusSeeOther, "/acme/portal?saved=1")
	p = b.get("/acme/portal?saved=1")
	if !strings.Contains(p.Body, English.Saved) || !strings.Contains(p.Body, `<option value="US-IL" selected>`) {
		t.Errorf("after saving, page lacks the notice or the saved state")
	}

	me, err := client.New(f.srv.URL, client.WithToken(s.Token)).PortalMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a := me.BillingAddress
	if a == nil || a.Country != "US" || deref(a.State) != "US-IL" || deref(a.City) != "Springfield" || deref(me.BillingName) != "Jane Ltd" {
		t.Fatalf("through the API: billing %v %+v, want Jane Ltd, Springfield US-IL", deref(me.BillingName), a)
	}
}

func TestInvalidEditShowsErrorsAndSavesNothing(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "bad@example.com", nil)
	b := f.browser(t)
	b.get(portalPathOf(t, s.CustomerPortalURL))
	b.get("/acme/portal")

	form := url.Values{"billing_name": {"Typed Name"}, "line1": {"9 Elm"}, "city": {"Paris"}, "country": {"US"}, "state": {"CA-ON"}}
	p := b.post("/acme/portal/account", form)
	wantStatus(t, "invalid save", p, http.StatusUnprocessableEntity, "")
	wantSecurityHeaders(t, "invalid save", p)
	for _, want := range []string{
		English.FixErrors,
		`id="f-state-error"`,
		English.StateInvalidUS,
		`aria-describedby="f-state-hint f-state-error"`,
		`value="Typed Name"`, `value="9 Elm"`, // values kept
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("invalid save page lacks %q", want)
		}
	}
	checkMarkup(t, "invalid save", p.Body)

	p = b.post("/acme/portal/account", url.Values{"line1": {"x"}, "country": {"DE"}, "tax_id": {"not-a-vat"}})
	wantStatus(t, "invalid tax id", p, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Body, `id="f-tax_id-error"`) {
		t.Errorf("invalid tax ID not shown next to the field:\n%s", p.Body)
	}

	me, err := client.New(f.srv.URL, client.WithToken(s.Token)).PortalMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.BillingAddress != nil || deref(me.BillingName) == "Typed Name" {
		t.Errorf("invalid edits were saved: %+v", me)
	}
}

func TestFormPostsNeedCSRFProof(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "csrf@example.com", nil)
	b := f.browser(t)
	b.get(portalPathOf(t, s.CustomerPortalURL))
	b.get("/acme/portal")
	form := url.Values{"line1": {"1 Evil St"}, "country": {"FR"}}

	// Wrong double-submit token.
	bad := cloneForm(form)
	bad.Set("csrf_token", strings.Repeat("0", 32))
	wantStatus(t, "wrong token", b.post("/acme/portal/account", bad), http.StatusForbidden, "")

	// A cross-site POST, even with the right token.
	b.get("/acme/portal")
	m := csrfRE.FindStringSubmatch(b.last)
	form.Set("csrf_token", m[1])
	req, _ := http.NewRequest(http.MethodPost, b.base+"/acme/portal/account", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	p := b.do(req)
	wantStatus(t, "cross-site", p, http.StatusForbidden, "")
	wantSecurityHeaders(t, "cross-site", p)

	// Sign-out is protected too: the session survives a forged one.
	wantStatus(t, "forged signout", b.post("/acme/portal/signout", url.Values{"csrf_token": {"x"}}), http.StatusForbidden, "")

	me, err := client.New(f.srv.URL, client.WithToken(s.Token)).PortalMe(context.Background())
	if err != nil {
		t.Fatalf("session died after forged posts: %v", err)
	}
	if me.BillingAddress != nil {
		t.Errorf("a forged post was saved: %+v", me.BillingAddress)
	}
}

func TestSignOutRevokesSession(t *testing.T) {
	f := mustFixture(t)
	s := f.mustSession(t, "bye@example.com", nil)
	b := f.browser(t)
	b.get(portalPathOf(t, s.CustomerPortalURL))
	b.get("/acme/portal")

	p := b.post("/acme/portal/signout", url.Values{})
	wantStatus(t, "sign out", p, http.StatusSeeOther, "/acme/portal/authenticate?signed_out=1")
	if c := b.cookie("/acme/portal", sessionCookie); c != nil {
		t.Errorf("session cookie still set after sign-out: %+v", c)
	}
	_, err := client.New(f.srv.URL, client.WithToken(s.Token)).PortalMe(context.Background())
	if client.StatusCode(err) != http.StatusUnauthorized {
		t.Errorf("old token after sign-out: err %v, want 401", err)
	}
	p = b.get("/acme/portal/authenticate?signed_out=1")
	if !strings.Contains(p.Body, English.SignedOut) {
		t.Error("sign-in page does not confirm the sign-out")
	}
}

// A session of one organization opened under another organization's portal
// must not show its customer under that organization's name.
func TestLinkOfAnotherOrganization(t *testing.T) {
	f := mustFixture(t)
	other := &gatehouse.Organization{Name: "Globex", Slug: "globex", CreatedAt: f.clock.Now()}
	if err := f.store.CreateOrganization(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	s := f.mustSession(t, "jane@example.com", nil)
	b := f.browser(t)
	foreign := strings.Replace(portalPathOf(t, s.CustomerPortalURL), "/acme/portal", "/globex/portal", 1)
	p := b.get(foreign)
	if p.StatusCode != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "/globex/portal/authenticate") {
		t.Fatalf("acme session under /globex: status %d, Location %q; want 303 to the sign-in page", p.StatusCode, p.Header.Get("Location"))
	}
	if c := b.cookie("/globex/portal", sessionCookie); c != nil && c.Value != "" {
		t.Errorf("acme session stored in globex's cookie")
	}
	// A cookie planted by hand is refused the same way.
	u, _ := url.Parse(f.srv.URL + "/globex/portal")
	b.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: s.Token, Path: "/globex/portal"}})
	p = b.get("/globex/portal")
	if p.StatusCode != http.StatusSeeOther || strings.Contains(p.Body, "jane@example.com") {
		t.Errorf("planted acme cookie under /globex: status %d; want a redirect to sign-in, no customer data", p.StatusCode)
	}
}
