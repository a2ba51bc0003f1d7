package web

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// TestInProcessCarriesTheBrowser: the API sees the browser's address, host,
// TLS state, forwarding headers and user agent, a server-shaped URL, the
// customer's bearer token and a Content-Length on a POST.
func TestInProcessCarriesTheBrowser(t *testing.T) {
	var seen *http.Request
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})
	browser := httptest.NewRequest(http.MethodPost, "https://portal.example.com/acme/portal/authenticate", nil)
	browser.RemoteAddr = "203.0.113.7:4321"
	browser.TLS = &tls.ConnectionState{}
	browser.Header.Set("User-Agent", "Mozilla/5.0 (test)")
	browser.Header.Add("X-Forwarded-For", "198.51.100.1")
	browser.Header.Add("X-Forwarded-For", "198.51.100.2")
	browser.Header.Set("X-Real-Ip", "198.51.100.3")
	ctx := withBrowser(context.Background(), browser)

	c := newAPIClient(api).As("gatehouse_cst_x")
	if err := c.Do(ctx, http.MethodPost, "/v1/customer-portal/customer-session/request", nil, map[string]string{"email": "a@b.c"}, &struct{}{}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	checks := []struct{ what, got, want string }{
		{"RemoteAddr", seen.RemoteAddr, "203.0.113.7:4321"},
		{"Host", seen.Host, "portal.example.com"},
		{"URL", seen.URL.String(), "/v1/customer-portal/customer-session/request"},
		{"User-Agent", seen.Header.Get("User-Agent"), "Mozilla/5.0 (test)"},
		{"X-Forwarded-For", strings.Join(seen.Header.Values("X-Forwarded-For"), ","), "198.51.100.1,198.51.100.2"},
		{"X-Real-Ip", seen.Header.Get("X-Real-Ip"), "198.51.100.3"},
		{"Authorization", seen.Header.Get("Authorization"), "Bearer gatehouse_cst_x"},
		{"Content-Length", seen.Header.Get("Content-Length"), "17"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("API saw %s %q, want %q", ck.what, ck.got, ck.want)
		}
	}
	if seen.TLS != browser.TLS {
		t.Error("API did not see the browser's TLS state")
	}

	// A browser without a user agent sends none, not the client's default.
	browser.Header.Del("User-Agent")
	if err := c.Do(ctx, http.MethodGet, "/v1/x", nil, nil, nil); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if ua, ok := seen.Header["User-Agent"]; ok {
		t.Errorf("API saw User-Agent %q, want none", ua)
	}
}

// TestInProcessAnswers: a non-2xx answer is a *client.Error with the
// API's Retry-After; an answer over maxAPIBody and a call without its
// browser request are errors of their own.
func TestInProcessAnswers(t *testing.T) {
	api := http.NewServeMux()
	api.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "420")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	api.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, maxAPIBody+1))
	})
	c := newAPIClient(api)
	ctx := withBrowser(context.Background(), httptest.NewRequest(http.MethodGet, "/", nil))

	err := c.Do(ctx, http.MethodGet, "/limited", nil, nil, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusTooManyRequests || e.RetryAfter != 7*time.Minute {
		t.Errorf("429 answer: got %v (%+v), want a *client.Error with RetryAfter 7m", err, e)
	}
	err = c.Do(ctx, http.MethodGet, "/huge", nil, nil, nil)
	if err == nil || errors.As(err, &e) {
		t.Errorf("answer over %d bytes: got %v, want a transport error", maxAPIBody, err)
	}
	err = c.Do(context.Background(), http.MethodGet, "/limited", nil, nil, nil)
	if err == nil || errors.As(err, &e) {
		t.Errorf("call without a browser request: got %v, want a transport error", err)
	}
}
