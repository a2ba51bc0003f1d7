package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/token"
)

// tokenParam is the query parameter of a customer_portal_url.
const tokenParam = "customer_session_token"

// account shows the account page, or first moves a token from the URL into
// the session cookie.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	org := h.organization(w, r)
	if org == nil {
		return
	}
	if r.URL.Query().Has(tokenParam) {
		h.adoptToken(w, r, org)
		return
	}
	tok := sessionToken(r)
	if tok == "" {
		h.toSignIn(w, r, "")
		return
	}
	me, sess, ok := h.customer(w, r, org, tok)
	if !ok {
		return
	}
	v := h.accountView(w, r, org, me, sess, billingFormFrom(me))
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = notice{Kind: "success", Text: h.text.Saved}
	}
	h.render(w, r, http.StatusOK, "account", v)
}

// adoptToken checks the link's token, stores it in the cookie and redirects
// to the same page without it, so the token never stays in the address bar,
// the history or a Referer. A dead token leads to the sign-in page, which
// says why.
func (h *Handler) adoptToken(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization) {
	q := r.URL.Query()
	tok := q.Get(tokenParam)
	sess, err := h.api.As(tok).Introspect(r.Context())
	var e *client.Error
	switch {
	case err == nil:
	case !errors.As(err, &e):
		h.serverError(w, r, nil, "introspect link token", err)
		return
	case e.StatusCode == http.StatusUnauthorized:
		h.toSignIn(w, r, "reason="+knownReason(e.Reason, tok))
		return
	default:
		h.apiError(w, r, nil, "introspect link token", e)
		return
	}
	if sess.OrganizationID != org.ID {
		// Another organization's session must not show its customer under
		// this organization's name.
		h.toSignIn(w, r, "reason=unknown")
		return
	}
	h.setSession(w, r, r.PathValue("slug"), tok, sess.ExpiresAt.Time)
	q.Del(tokenParam)
	q.Del("email") // Polar's URL carries the address too; keep it out of history
	to := cookiePath(r.PathValue("slug"))
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	h.redirect(w, r, to)
}

// knownReason returns the API's reason when it is one the page explains.
// Without one, a token that does not even look like a session token is
// "malformed" and anything else "unknown".
func knownReason(reason, tok string) string {
	switch reason {
	case "expired", "revoked", "unknown", "malformed":
		return reason
	}
	if len(tok) != len(token.PrefixSession)+token.BodyLen || tok[:len(token.PrefixSession)] != token.PrefixSession {
		return "malformed"
	}
	return "unknown"
}

// customer loads the signed-in customer and their session. When the token no
// longer works it clears the cookie and redirects to the sign-in page; on any
// failure it writes the answer and returns ok=false.
func (h *Handler) customer(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, tok string) (*apitype.PortalCustomer, *apitype.CustomerCustomerSession, bool) {
	api := h.api.As(tok)
	me, err := api.PortalMe(r.Context())
	if !h.sessionOK(w, r, org, "fetch customer", tok, err) {
		return nil, nil, false
	}
	sess, err := api.Introspect(r.Context())
	if !h.sessionOK(w, r, org, "introspect session", tok, err) {
		return nil, nil, false
	}
	if sess.OrganizationID != org.ID {
		clearSession(w, r, r.PathValue("slug"))
		h.toSignIn(w, r, "reason=unknown")
		return nil, nil, false
	}
	return me, sess, true
}

// sessionOK handles the failure err of an authenticated API call: a dead
// token ends the portal session, anything else is an error page. It reports
// whether there was no failure.
func (h *Handler) sessionOK(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, what, tok string, err error) bool {
	var e *client.Error
	switch {
	case err == nil:
		return true
	case !errors.As(err, &e):
		h.serverError(w, r, org, what, err)
	case e.StatusCode == http.StatusUnauthorized:
		clearSession(w, r, r.PathValue("slug"))
		h.toSignIn(w, r, "reason="+knownReason(e.Reason, tok))
	default:
		h.apiError(w, r, org, what, e)
	}
	return false
}

// accountView assembles the account page around form f.
func (h *Handler) accountView(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, me *apitype.PortalCustomer, sess *apitype.CustomerCustomerSession, f billingForm) accountView {
	v := accountView{
		page:          h.base(w, r, h.text.AccountTitle, org),
		Name:          deref(me.Name),
		Email:         deref(me.Email),
		EmailVerified: me.EmailVerified,
		SignedInUntil: fmt.Sprintf(h.text.SignedInUntilFmt, h.clock(sess.ExpiresAt.Time)),
		Form:          f,
		Countries:     h.countries,
		USStates:      h.usStates,
		CAProvinces:   h.caProvinces,
		StateMode:     "other",
	}
	if hasSubdivisions(f.Country) {
		v.StateMode = "us-ca"
	}
	if sess.ReturnURL != nil {
		if u, err := url.Parse(*sess.ReturnURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			v.ReturnURL = u.String()
			v.BackTo = fmt.Sprintf(h.text.BackToFmt, org.Name)
		}
	}
	return v
}

// clock formats t as "14:32 UTC", with the date when it is not today.
func (h *Handler) clock(t time.Time) string {
	t = t.UTC()
	now := h.now().UTC()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04 UTC")
	}
	return t.Format("2 Jan 2006, 15:04 UTC")
}

// updateAccount saves the billing form through the API, or shows it again
// with the API's errors next to the fields and the values as typed.
func (h *Handler) updateAccount(w http.ResponseWriter, r *http.Request) {
	if !h.checkPost(w, r) {
		return
	}
	org := h.organization(w, r)
	if org == nil {
		return
	}
	tok := sessionToken(r)
	if tok == "" {
		h.toSignIn(w, r, "reason=expired")
		return
	}
	me, sess, ok := h.customer(w, r, org, tok)
	if !ok {
		return
	}
	f := billingFormFromPost(r.PostForm)
	_, err := h.api.As(tok).UpdatePortalMe(r.Context(), f.update(me.BillingAddress != nil))
	var e *client.Error
	if errors.As(err, &e) && e.StatusCode == http.StatusUnprocessableEntity {
		v := h.accountView(w, r, org, me, sess, f)
		v.Errors = billingErrors(h.text, f, e.Fields)
		v.Notice = notice{Kind: "error", Text: h.text.FixErrors}
		if msg := v.Errors[""]; msg != "" {
			v.Notice.Text += " " + msg
		}
		h.render(w, r, http.StatusUnprocessableEntity, "account", v)
		return
	}
	if !h.sessionOK(w, r, org, "update customer", tok, err) {
		return
	}
	h.redirect(w, r, cookiePath(r.PathValue("slug"))+"?saved=1")
}

// signOut revokes the session server-side, clears the cookie and returns to
// the sign-in page.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if !h.checkPost(w, r) {
		return
	}
	if tok := sessionToken(r); tok != "" {
		// A failed revocation keeps the cookie, so the customer can retry
		// instead of leaving a live session behind.
		err := h.api.As(tok).Logout(r.Context())
		var e *client.Error
		switch {
		case err == nil:
		case !errors.As(err, &e):
			h.serverError(w, r, nil, "revoke session", err)
			return
		case e.StatusCode != http.StatusUnauthorized:
			h.apiError(w, r, nil, "revoke session", e)
			return
		}
	}
	clearSession(w, r, r.PathValue("slug"))
	h.toSignIn(w, r, "signed_out=1")
}
