package browser

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// codeRE finds the login code on its own line of the plain-text mail.
var codeRE = regexp.MustCompile(`(?m)^\s*([A-Z0-9]{6})\s*$`)

// newMailPortal starts a real SMTP server and a gatehouse that delivers
// login codes to it.
func newMailPortal(t *testing.T) (*portal, *mailtest.Server) {
	t.Helper()
	mt := mailtest.Start(t)
	return newPortal(t, "--smtp-url", mt.URL(), "--mail-from", "Acme <billing@acme.example.com>"), mt
}

func TestEmailCodeSignIn(t *testing.T) {
	p, mt := newMailPortal(t)
	c := p.mustCustomer(t, "coder@example.com", "Cody Coder")
	tb := newTab(t, desktopW, desktopH)

	tb.navigate(p.s.URL+"/acme/portal/authenticate", "#f-email")
	tb.screenshot("signin-email")
	tb.do("type email", chromedp.SendKeys(chromedp.CSS("#f-email"), "coder@example.com"))
	tb.submit(`form[action$="/authenticate"] button[type=submit]`, "#f-code")
	if got := tb.text("h1"); got != "Check your inbox" {
		t.Errorf("after requesting a code, heading = %q", got)
	}
	if got := tb.text(".lead"); !strings.Contains(got, "coder@example.com") {
		t.Errorf("check-inbox text = %q, want it to name the address", got)
	}
	tb.screenshot("signin-check-inbox")

	msg := mt.WaitFor(t, func(r mailtest.Received) bool { return slices.Contains(r.To, "coder@example.com") }, 30*time.Second)
	m := codeRE.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no code in the mail:\n%s", msg.Text)
	}
	p.d.Hide(m[1])

	// A wrong code first: an inline error, the form stays.
	wrong := "ZZZZZZ"
	if m[1] == wrong {
		wrong = "YYYYYY"
	}
	tb.do("type wrong code", chromedp.SendKeys(chromedp.CSS("#f-code"), wrong))
	tb.submit(`form[action$="/authenticate/code"] button[type=submit]`, "#f-code-error")
	if got := tb.text("#f-code-error"); !strings.Contains(got, "invalid or has expired") {
		t.Errorf("wrong-code error = %q", got)
	}
	tb.screenshot("signin-wrong-code")

	// The right code, typed in lower case, signs in.
	tb.do("type code", setField("#f-code", ""), chromedp.SendKeys(chromedp.CSS("#f-code"), strings.ToLower(m[1])))
	tb.submit(`form[action$="/authenticate/code"] button[type=submit]`, "#customer-email")
	if got := tb.text("#customer-email"); got != val(c.Email) {
		t.Errorf("signed in as %q, want %s", got, val(c.Email))
	}
	// Signing in with an emailed code proves the address.
	if got := tb.text(".badge"); got != "Verified" {
		t.Errorf("email badge = %q, want Verified", got)
	}
	if got := eval[string](tb, "location.pathname"); got != "/acme/portal" {
		t.Errorf("after sign-in at %q, want /acme/portal", got)
	}
	tb.screenshot("signin-account")

	got, err := p.merchant.GetCustomer(context.Background(), c.ID)
	if err != nil || !got.EmailVerified {
		t.Errorf("through the API after code sign-in: %+v, %v; want email_verified", got, err)
	}
}

func TestCodeRequestRateLimitSaysWhen(t *testing.T) {
	// Six requests a window pass; the seventh is refused for the
	// configured block, 7 minutes rather than the default 15, and the page
	// says so (the API's Retry-After reaches it through client.Error).
	// Windows are fixed (they restart at multiples of their length), so
	// the test uses a day-long one: seven page submissions, up to a
	// minute on a slow machine, must not straddle a boundary.
	mt := mailtest.Start(t)
	p := newPortal(t, "--smtp-url", mt.URL(), "--mail-from", "Acme <billing@acme.example.com>",
		"--login-request-limits", "6/24h", "--login-block", "7m")
	tb := newTab(t, desktopW, desktopH)
	for i := range 7 {
		tb.navigate(p.s.URL+"/acme/portal/authenticate", "#f-email")
		tb.do("type email", chromedp.SendKeys(chromedp.CSS("#f-email"), "nobody@example.com"))
		if i < 6 {
			tb.submit(`form[action$="/authenticate"] button[type=submit]`, "#f-code")
		} else {
			tb.submit(`form[action$="/authenticate"] button[type=submit]`, "#f-email-error")
		}
	}
	if got := tb.text("#f-email-error"); !strings.Contains(got, "try again in 7 minutes") {
		t.Errorf("rate-limit message = %q, want try again in 7 minutes", got)
	}
	tb.screenshot("signin-rate-limited")
}
