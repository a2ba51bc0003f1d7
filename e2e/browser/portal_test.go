package browser

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// Desktop and phone viewports.
const (
	desktopW, desktopH = 1280, 900
	phoneW, phoneH     = 390, 844
)

// portal is one running server with one organization and a customer.
type portal struct {
	d        *e2etest.Deployment
	s        *e2etest.Server
	org      e2etest.Org
	merchant *client.Client
}

func newPortal(t *testing.T, serveArgs ...string) *portal {
	t.Helper()
	d := newDeployment(t)
	o := d.MustOrg(t, "Acme Inc", "acme")
	s := mustServe(t, d, serveArgs...)
	return &portal{d: d, s: s, org: o, merchant: s.Client(o.Token)}
}

// mustCustomer creates a customer and returns it.
func (p *portal) mustCustomer(t *testing.T, email, name string) *apitype.Customer {
	t.Helper()
	c, err := p.merchant.CreateCustomer(context.Background(), apitype.CustomerCreate{Email: email, Name: &name})
	if err != nil {
		t.Fatalf("create customer %s: %v", email, err)
	}
	return c
}

// mustSession opens a portal session for c, as a merchant's backend would.
func (p *portal) mustSession(t *testing.T, c *apitype.Customer, returnURL string) *client.CustomerSession {
	t.Helper()
	in := apitype.CustomerSessionCreate{CustomerID: c.ID}
	if returnURL != "" {
		in.ReturnURL = &returnURL
	}
	s, err := p.merchant.CreateCustomerSession(context.Background(), in)
	if err != nil {
		t.Fatalf("create customer session: %v", err)
	}
	p.d.Hide(s.Token)
	return s
}

// openAccount follows a fresh customer_portal_url to the account page.
func (p *portal) openAccount(t *testing.T, tb *tab, email string) (*apitype.Customer, *client.CustomerSession) {
	t.Helper()
	c := p.mustCustomer(t, email, "Jane Doe")
	s := p.mustSession(t, c, "https://shop.example.com/account")
	tb.navigate(s.CustomerPortalURL, "#customer-email")
	return c, s
}

func TestFreshLinkOpensAccountAndDropsToken(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, desktopW, desktopH)
	_, s := p.openAccount(t, tb, "jane@example.com")

	if got := tb.text("#customer-email"); got != "jane@example.com" {
		t.Errorf("email shown = %q, want jane@example.com", got)
	}
	if got := tb.text("h1"); got != "Your account" {
		t.Errorf("heading = %q", got)
	}
	href := eval[string](tb, "location.href")
	if href != p.s.URL+"/acme/portal" {
		t.Errorf("location.href = %q, want %s/acme/portal (no token)", href, p.s.URL)
	}
	nav := eval[string](tb, `performance.getEntriesByType("navigation")[0].name`)
	ref := eval[string](tb, "document.referrer")
	for what, v := range map[string]string{"navigation entry": nav, "document.referrer": ref} {
		if strings.Contains(v, s.Token) || strings.Contains(v, "customer_session_token") {
			t.Errorf("%s = %q still carries the token", what, v)
		}
	}
	hist := tb.history()
	for _, u := range hist {
		if strings.Contains(u, s.Token) || strings.Contains(u, "customer_session_token") {
			t.Errorf("history entry %q carries the token (history %q)", u, hist)
		}
	}
	if n := eval[int](tb, "history.length"); n > 2 {
		t.Errorf("history.length = %d, want at most 2 (blank tab + account page)", n)
	}
	if eval[bool](tb, `document.cookie.includes("gatehouse_portal_session")`) {
		t.Error("session cookie is readable from script, want HttpOnly")
	}
	// The stylesheet loaded under the CSP, and "Back to" leads to the merchant.
	if bg := eval[string](tb, `getComputedStyle(document.querySelector(".button-primary")).backgroundColor`); bg == "rgba(0, 0, 0, 0)" {
		t.Errorf("primary button has no background: stylesheet not applied")
	}
	if got := eval[string](tb, `document.getElementById("back-to-merchant").href`); got != "https://shop.example.com/account" {
		t.Errorf("back link = %q", got)
	}
	tb.screenshot("account")
}

func TestEditBillingAddressVisibleThroughAPI(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, desktopW, desktopH)
	c, _ := p.openAccount(t, tb, "edit@example.com")

	tb.do("fill billing form",
		setField("#f-billing_name", "Jane Doe Ltd"),
		setField("#f-line1", "350 Fifth Avenue"),
		setField("#f-postal_code", "10118"),
		setField("#f-city", "New York"),
		setField("#f-country", "US"),
		setField("#f-state", "US-NY"),
	)
	// The script shows the state select and hides the free-text region.
	if hidden := eval[bool](tb, `document.getElementById("f-region").closest("[data-state-mode]").hidden`); !hidden {
		t.Error("region field still visible for a US address")
	}
	tb.submit(`form[action$="/account"] button[type=submit]`, ".notice-success")
	if got := tb.text(".notice-success"); !strings.Contains(got, "saved") {
		t.Errorf("notice = %q", got)
	}
	tb.screenshot("edit-billing-saved")

	got, err := p.merchant.GetCustomer(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.BillingAddress
	if a == nil || a.Country != "US" || val(a.State) != "US-NY" || val(a.City) != "New York" || val(a.Line1) != "350 Fifth Avenue" || val(got.BillingName) != "Jane Doe Ltd" {
		t.Errorf("through the API: billing name %q, address %+v; want the values typed in the portal", val(got.BillingName), a)
	}
}

func TestInvalidEditShowsInlineErrorAndSavesNothing(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, desktopW, desktopH)
	c, _ := p.openAccount(t, tb, "invalid@example.com")

	tb.do("fill an impossible address",
		setField("#f-line1", "1 Main Street"),
		setField("#f-city", "Toronto"),
		setField("#f-country", "US"),
		setField("#f-state", "CA-ON"), // a Canadian province in the US
	)
	tb.submit(`form[action$="/account"] button[type=submit]`, "#f-state-error")
	if got := tb.text("#f-state-error"); !strings.Contains(got, "US state") {
		t.Errorf("state error = %q", got)
	}
	if got := eval[string](tb, `document.getElementById("f-state").getAttribute("aria-describedby")`); !strings.Contains(got, "f-state-error") {
		t.Errorf("state select aria-describedby = %q, want it to name the error", got)
	}
	if got := eval[string](tb, `document.getElementById("f-city").value`); got != "Toronto" {
		t.Errorf("city after error = %q, want the typed value kept", got)
	}
	tb.screenshot("edit-billing-invalid")

	got, err := p.merchant.GetCustomer(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BillingAddress != nil {
		t.Errorf("invalid address was saved: %+v", got.BillingAddress)
	}
}

func TestSignOutRevokesToken(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, desktopW, desktopH)
	_, s := p.openAccount(t, tb, "bye@example.com")

	tb.submit(`form.signout button`, ".notice-success")
	if got := eval[string](tb, "location.pathname"); got != "/acme/portal/authenticate" {
		t.Errorf("after sign-out at %q, want the sign-in page", got)
	}
	tb.screenshot("signed-out")

	_, err := client.New(p.s.URL, client.WithToken(s.Token)).PortalMe(context.Background())
	if client.StatusCode(err) != http.StatusUnauthorized {
		t.Errorf("old token after sign-out: %v, want 401", err)
	}
	// The account page now asks to sign in.
	tb.navigate(p.s.URL+"/acme/portal", "#f-email")
}

func TestExpiredLinkShowsFriendlyPage(t *testing.T) {
	p := newPortal(t, "--session-ttl", "2s")
	c := p.mustCustomer(t, "late@example.com", "Late Larry")
	s := p.mustSession(t, c, "")
	time.Sleep(time.Until(s.ExpiresAt) + 100*time.Millisecond) // a real server: only real time passes

	tb := newTab(t, desktopW, desktopH)
	tb.navigate(s.CustomerPortalURL, ".notice-warning")
	if got := tb.text(".notice-warning"); !strings.Contains(got, "expired") {
		t.Errorf("notice = %q, want it to say the link expired", got)
	}
	if href := eval[string](tb, "location.href"); strings.Contains(href, s.Token) {
		t.Errorf("expired page keeps the token in the URL: %s", href)
	}
	// It offers the emailed-code sign-in right there.
	if !eval[bool](tb, `!!document.querySelector('form[action$="/authenticate"] #f-email')`) {
		t.Error("expired page offers no email sign-in form")
	}
	tb.screenshot("expired-link")
}

func TestPhoneWidthHasNoHorizontalScroll(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, phoneW, phoneH)
	p.openAccount(t, tb, "a-rather-long-address.for-testing@example.com")
	check := func(page string) {
		t.Helper()
		sw := eval[int](tb, "document.documentElement.scrollWidth")
		iw := eval[int](tb, "window.innerWidth")
		if iw != phoneW {
			t.Errorf("%s: innerWidth %d, want %d", page, iw, phoneW)
		}
		if sw > iw {
			t.Errorf("%s: scrollWidth %d > innerWidth %d: horizontal scroll at %d px", page, sw, iw, phoneW)
		}
	}
	check("account")
	tb.screenshot("phone-account")

	tb.navigate(p.s.URL+"/acme/portal/authenticate", "#f-email")
	check("sign-in")
	tb.screenshot("phone-signin")
}

func TestKeyboardOnlySignInForm(t *testing.T) {
	p := newPortal(t)
	tb := newTab(t, desktopW, desktopH)
	tb.navigate(p.s.URL+"/acme/portal/authenticate", "#f-email")
	var order []string
	for range 3 {
		tb.do("press Tab", chromedp.KeyEvent("\t"))
		order = append(order, eval[string](tb, `(function(e){return e.id||e.className||e.tagName})(document.activeElement)`))
		if style := eval[string](tb, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Errorf("focused %s has no visible outline", order[len(order)-1])
		}
	}
	want := []string{"skip", "f-email", "button button-primary"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("focus order %q, want %q", order, want)
	}
	tb.screenshot("signin-keyboard-focus")
}

func val(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
