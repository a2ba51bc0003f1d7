package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

// signIn shows the first step of the emailed-code sign-in, with a notice
// saying why the customer is here when a link or session ended.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	org := h.organization(w, r)
	if org == nil {
		return
	}
	v := h.signInView(w, r, org, "email")
	q := r.URL.Query()
	switch {
	case q.Get("signed_out") == "1":
		v.Notice = notice{Kind: "success", Text: h.text.SignedOut}
	case q.Has("reason"):
		v.Notice = notice{Kind: "warning", Text: h.reasonText(q.Get("reason"))}
	}
	h.render(w, r, http.StatusOK, "signin", v)
}

// codeForm shows the code step directly, for a customer who already has a
// code.
func (h *Handler) codeForm(w http.ResponseWriter, r *http.Request) {
	org := h.organization(w, r)
	if org == nil {
		return
	}
	v := h.signInView(w, r, org, "code")
	v.SentText = h.text.CheckInboxNoEmail
	h.render(w, r, http.StatusOK, "signin", v)
}

// requestCode asks the API to email a code, then shows the code step. The
// API answers the same whether or not the address is known, and so does
// this page.
func (h *Handler) requestCode(w http.ResponseWriter, r *http.Request) {
	if !h.checkPost(w, r) {
		return
	}
	org := h.organization(w, r)
	if org == nil {
		return
	}
	v := h.signInView(w, r, org, "email")
	v.Email = strings.TrimSpace(r.PostForm.Get("email"))
	if v.Email == "" {
		v.Errors["email"] = h.text.EmailRequired
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
		return
	}
	body := apitype.CodeRequest{Email: v.Email, OrganizationID: org.ID}
	res, err := h.call(r.Context(), r, http.MethodPost, portalPath("customer-session", "request"), "", body, nil)
	switch {
	case err != nil:
		h.serverError(w, r, org, "request code", err)
		return
	case res.Status == http.StatusAccepted || res.Status == http.StatusOK:
		v.Step, v.Sent = "code", true
		v.SentText = fmt.Sprintf(h.text.CheckInboxFmt, v.Email)
		h.render(w, r, http.StatusOK, "signin", v)
	case res.Status == http.StatusUnprocessableEntity:
		v.Errors = emailErrors(res.Detail)
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
	case res.Status == http.StatusTooManyRequests:
		h.rateLimited(w, r, v, res)
	default:
		h.apiError(w, r, org, "request code", res)
	}
}

// redeemCode exchanges a code for a session, stores it in the cookie and
// opens the account page.
func (h *Handler) redeemCode(w http.ResponseWriter, r *http.Request) {
	if !h.checkPost(w, r) {
		return
	}
	org := h.organization(w, r)
	if org == nil {
		return
	}
	v := h.signInView(w, r, org, "code")
	v.Email = strings.TrimSpace(r.PostForm.Get("email"))
	v.SentText = h.text.CheckInboxNoEmail
	if v.Email != "" {
		v.SentText = fmt.Sprintf(h.text.CheckInboxFmt, v.Email)
	}
	v.Code = normalizeCode(r.PostForm.Get("code"))
	if v.Code == "" {
		v.Errors["code"] = h.text.CodeRequired
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
		return
	}
	var auth apitype.AuthenticateResponse
	res, err := h.call(r.Context(), r, http.MethodPost, portalPath("customer-session", "authenticate"), "", apitype.CodeAuthenticate{Code: v.Code}, &auth)
	switch {
	case err != nil:
		h.serverError(w, r, org, "redeem code", err)
		return
	case res.Status == http.StatusOK && auth.Token != "":
	case res.Status == http.StatusUnauthorized:
		v.Errors["code"] = h.text.CodeInvalid
		h.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	case res.Status == http.StatusUnprocessableEntity:
		v.Errors = emailErrors(res.Detail)
		if len(v.Errors) == 0 || v.Errors[""] != "" {
			v.Errors["code"] = h.text.CodeInvalid
		}
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
		return
	case res.Status == http.StatusTooManyRequests:
		h.rateLimited(w, r, v, res)
		return
	default:
		h.apiError(w, r, org, "redeem code", res)
		return
	}
	var sess apitype.CustomerCustomerSession
	res, err = h.call(r.Context(), r, http.MethodGet, portalPath("customer-session", "introspect"), auth.Token, nil, &sess)
	if !h.sessionOK(w, r, org, "introspect new session", auth.Token, res, err) {
		return
	}
	h.setSession(w, r, r.PathValue("slug"), auth.Token, sess.ExpiresAt.Time)
	h.redirect(w, r, cookiePath(r.PathValue("slug")))
}

// rateLimited shows the form again with "try again in N minutes".
func (h *Handler) rateLimited(w http.ResponseWriter, r *http.Request, v signInView, res *apiResponse) {
	field := "email"
	if v.Step == "code" {
		field = "code"
	}
	v.Errors[field] = h.tryAgain(res.RetryAfter)
	if ra := res.Header.Get("Retry-After"); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	h.render(w, r, http.StatusTooManyRequests, "signin", v)
}

// tryAgain says how long to wait, in whole minutes.
func (h *Handler) tryAgain(d time.Duration) string {
	if n := minutesUntil(d); n > 1 {
		return fmt.Sprintf(h.text.TryAgainMinutesFmt, n)
	}
	return h.text.TryAgainOneMinute
}

// reasonText explains an invalid_token reason.
func (h *Handler) reasonText(reason string) string {
	switch reason {
	case "expired":
		return h.text.ReasonExpired
	case "revoked":
		return h.text.ReasonRevoked
	case "unknown":
		return h.text.ReasonUnknown
	case "malformed":
		return h.text.ReasonMalformed
	}
	return h.text.ReasonGeneric
}

func (h *Handler) signInView(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, step string) signInView {
	title := h.text.SignInTitle
	if step == "code" {
		title = h.text.CheckInboxTitle
	}
	return signInView{page: h.base(w, r, title, org), Step: step}
}

// normalizeCode accepts a code typed in lower case or with spaces or dashes.
func normalizeCode(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c == ' ' || c == '-' || c == '\t':
			return -1
		case c >= 'a' && c <= 'z':
			return c - 'a' + 'A'
		}
		return c
	}, strings.TrimSpace(s))
}
