package web

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// routes lists every page of the portal.
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	page := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.slugged(fn)) }
	page("GET /{slug}/portal", h.account)
	page("GET /{slug}/portal/{$}", h.toAccount)
	page("GET /{slug}/portal/account", h.toAccount)
	page("POST /{slug}/portal/account", h.updateAccount)
	page("GET /{slug}/portal/authenticate", h.signIn)
	page("POST /{slug}/portal/authenticate", h.requestCode)
	page("GET /{slug}/portal/authenticate/code", h.codeForm)
	page("POST /{slug}/portal/authenticate/code", h.redeemCode)
	page("POST /{slug}/portal/signout", h.signOut)
	page("GET /{slug}/portal/static/{file}", h.asset)
	mux.HandleFunc("/", h.notFound)
	return mux
}

// slugged answers 404 for a slug that no organization can have, so that a
// slug is safe in every URL, cookie path and redirect built from it (a
// decoded "%2F%2Fevil.example" must never become a Location).
func (h *Handler) slugged(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !gatehouse.ValidSlug(r.PathValue("slug")) {
			h.notFound(w, r)
			return
		}
		next(w, r)
	})
}

// base returns the page fields every view shares.
func (h *Handler) base(w http.ResponseWriter, r *http.Request, title string, org *apitype.CustomerOrganization) page {
	slug := r.PathValue("slug")
	if !gatehouse.ValidSlug(slug) {
		slug = "_"
	}
	p := page{
		T:       h.text,
		Title:   title,
		Base:    cookiePath(slug),
		Static:  cookiePath(slug) + "/static",
		Version: h.version,
		Errors:  map[string]string{},
	}
	if org != nil {
		p.Org = newOrgView(org)
		p.CSRF = csrfToken(w, r, slug)
	}
	return p
}

// organization fetches the portal's organization by the path's slug. When
// it cannot, it writes the answer (404 page, error page) and returns nil.
func (h *Handler) organization(w http.ResponseWriter, r *http.Request) *apitype.CustomerOrganization {
	data, err := h.api.PortalOrganization(r.Context(), r.PathValue("slug"))
	var e *client.Error
	switch {
	case err == nil:
		return &data.Organization
	case !errors.As(err, &e):
		h.serverError(w, r, nil, "fetch organization", err)
	case e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusUnprocessableEntity:
		h.notFound(w, r)
	default:
		h.apiError(w, r, nil, "fetch organization", e)
	}
	return nil
}

// toAccount sends a browser to the account page.
func (h *Handler) toAccount(w http.ResponseWriter, r *http.Request) {
	h.redirect(w, r, cookiePath(r.PathValue("slug")))
}

// toSignIn sends a browser to the sign-in page, saying why when reason is
// one of the API's invalid_token reasons.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request, query string) {
	to := cookiePath(r.PathValue("slug")) + "/authenticate"
	if query != "" {
		to += "?" + query
	}
	h.redirect(w, r, to)
}

// notFound is the page for every unknown path and organization.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	v := errorView{page: h.base(w, r, h.text.NotFoundTitle, nil), Heading: h.text.NotFoundTitle, Message: h.text.NotFoundText}
	h.render(w, r, http.StatusNotFound, "error", v)
}

// forbidden answers a POST that failed the CSRF checks.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request) {
	h.log.WarnContext(r.Context(), "portal: refused cross-site or tokenless form post", "path", r.URL.Path)
	v := errorView{page: h.base(w, r, h.text.ForbiddenTitle, nil), Heading: h.text.ForbiddenTitle, Message: h.text.ForbiddenText}
	if r.PathValue("slug") != "" {
		v.Link = v.Base + "/authenticate"
	}
	h.render(w, r, http.StatusForbidden, "error", v)
}

// serverError logs err and shows a page without internal details.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, what string, err error) {
	h.log.ErrorContext(r.Context(), "portal: "+what, "err", err)
	v := errorView{page: h.base(w, r, h.text.ServerErrorTitle, org), Heading: h.text.ServerErrorTitle, Message: h.text.ServerErrorText}
	h.render(w, r, http.StatusInternalServerError, "error", v)
}

// apiError shows the page for an API answer the portal did not expect. A
// 429 passes the API's Retry-After on to the browser and says how long to
// wait.
func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, org *apitype.CustomerOrganization, what string, e *client.Error) {
	v := errorView{page: h.base(w, r, h.text.ServerErrorTitle, org), Heading: h.text.ServerErrorTitle, Message: h.text.ServerErrorText}
	status := http.StatusBadGateway
	switch e.StatusCode {
	case http.StatusServiceUnavailable:
		v.Heading, v.Message, status = h.text.UnavailableTitle, h.text.UnavailableText, http.StatusServiceUnavailable
	case http.StatusTooManyRequests:
		v.Heading, v.Message, status = h.text.UnavailableTitle, h.tryAgain(e.RetryAfter), http.StatusTooManyRequests
		setRetryAfter(w, e.RetryAfter)
	default:
		h.log.ErrorContext(r.Context(), "portal: unexpected api answer", "what", what, "status", e.StatusCode)
	}
	h.render(w, r, status, "error", v)
}

// asset serves an embedded static file.
func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(h.static, name)
	if err != nil || strings.ContainsAny(name, "/\\") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
