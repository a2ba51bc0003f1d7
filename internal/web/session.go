package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// Cookie names. Both are scoped to /{slug}/portal, so one organization's
// portal never sees another's.
const (
	sessionCookie = "gatehouse_portal_session"
	csrfCookie    = "gatehouse_portal_csrf"
	csrfField     = "csrf_token"
)

// cookiePath is the path every portal cookie is scoped to.
func cookiePath(slug string) string { return "/" + slug + "/portal" }

// setSession stores the customer's session token in an HttpOnly cookie that
// lives as long as the session.
func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, slug, tok string, expires time.Time) {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    tok,
		Path:     cookiePath(slug),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
	if d := expires.Sub(h.now()); d > 0 {
		c.MaxAge = int(d.Round(time.Second) / time.Second)
		c.Expires = expires.UTC()
	}
	http.SetCookie(w, c)
}

// clearSession deletes the session cookie.
func clearSession(w http.ResponseWriter, r *http.Request, slug string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     cookiePath(slug),
		MaxAge:   -1,
		Expires:  time.Unix(1, 0),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// sessionToken returns the session cookie's token, or "".
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// csrfToken returns the browser's double-submit token, setting a fresh one
// when there is none. Pages put it in a hidden field of every form.
func csrfToken(w http.ResponseWriter, r *http.Request, slug string) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported systems
	v := hex.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name:     csrfCookie,
		Value:    v,
		Path:     cookiePath(slug),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	return v
}

func validCSRF(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// checkPost protects a form POST twice: Go's cross-origin check (Sec-Fetch-Site
// or Origin against Host), then the double-submit token, which also covers
// old browsers that send neither header. It writes the 403 page and returns
// false when the request must be refused.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request) bool {
	if err := h.crossOri.Check(r); err != nil {
		h.forbidden(w, r)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.forbidden(w, r)
		return false
	}
	c, err := r.Cookie(csrfCookie)
	sent := r.PostForm.Get(csrfField)
	if err != nil || !validCSRF(c.Value) || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		h.forbidden(w, r)
		return false
	}
	return true
}
