package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
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
	err := h.api.RequestLoginCode(r.Context(), v.Email, org.ID)
	var e *client.Error
	switch {
	case err == nil:
		v.Step, v.Sent = "code", true
		v.SentText = fmt.Sprintf(h.text.CheckInboxFmt, v.Email)
		h.render(w, r, http.StatusOK, "signin", v)
	case !errors.As(err, &e):
		h.serverError(w, r, org, "request code", err)
	case e.StatusCode == http.StatusUnprocessableEntity:
		v.Errors = emailErrors(e.Fields)
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
	case e.StatusCode == http.StatusTooManyRequests:
		h.rateLimited(w, r, v, e)
	default:
		h.apiError(w, r, org, "request code", e)
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
	tok, err := h.api.AuthenticateLoginCode(r.Context(), v.Code)
	var e *client.Error
	switch {
	case err == nil && tok != "":
	case err == nil:
		h.serverError(w, r, org, "redeem code", errors.New("answer without a token"))
		return
	case !errors.As(err, &e):
		h.serverError(w, r, org, "redeem code", err)
		return
	case e.StatusCode == http.StatusUnauthorized:
		v.Errors["code"] = h.text.CodeInvalid
		h.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	case e.StatusCode == http.StatusUnprocessableEntity:
		v.Errors = emailErrors(e.Fields)
		if len(v.Errors) == 0 || v.Errors[""] != "" {
			v.Errors["code"] = h.text.CodeInvalid
		}
		h.render(w, r, http.StatusUnprocessableEntity, "signin", v)
		return
	case e.StatusCode == http.StatusTooManyRequests:
		h.rateLimited(w, r, v, e)
		return
	default:
		h.apiError(w, r, org, "redeem code", e)
		return
	}
	sess, err := h.api.As(tok).Introspect(r.Context())
	if !h.sessionOK(w, r, org, "introspect new session", tok, err) {
		return
	}
	h.setSession(w, r, r.PathValue("slug"), tok, sess.ExpiresAt.Time)
	h.redirect(w, r, cookiePath(r.PathValue("slug")))
}

// rateLimited shows the form again with "try again in N minutes", N from
// the API's Retry-After (the configured block), and passes that header on.
func (h *Handler) rateLimited(w http.ResponseWriter, r *http.Request, v signInView, e *client.Error) {
	field := "email"
	if v.Step == "code" {
		field = "code"
	}
	v.Errors[field] = h.tryAgain(e.RetryAfter)
	setRetryAfter(w, e.RetryAfter)
	h.render(w, r, http.StatusTooManyRequests, "signin", v)
}

// setRetryAfter sets the Retry-After header to d in whole seconds, rounded
// up; it sets none when d is not positive (the API sent none).
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
}

// tryAgain says how long to wait, in whole minutes rounded up; without a
// wait to tell (d is 0 when the API sent no Retry-After) it says "later".
func (h *Handler) tryAgain(d time.Duration) string {
	if d <= 0 {
		return h.text.TryAgainLater
	}
	if n := minutesUntil(d); n > 1 {
		return fmt.Sprintf(h.text.TryAgainMinutesFmt, n)
	}
	return h.text.TryAgainOneMinute
}

// minutesUntil rounds d up to whole minutes, at least one.
func minutesUntil(d time.Duration) int {
	return max(int(math.Ceil(d.Minutes())), 1)
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
