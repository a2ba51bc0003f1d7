package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// These tests check the client's wire encoding and error decoding against a
// recording HTTP server; the end-to-end suite (package e2e) drives the real
// Gatehouse binary through the same client.

type recorded struct {
	method, rawPath, rawQuery, auth, ctype string
	contentLength                          int64
	body                                   string
}

func mustServer(t *testing.T, status int, header http.Header, body string) (*client.Client, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*rec = recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.ContentLength, string(b)}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL+"/", client.WithToken("gatehouse_oat_x")), rec
}

func TestRequestEncoding(t *testing.T) {
	ctx := context.Background()
	c, rec := mustServer(t, 200, nil, `{"id":"x","created_at":"2026-01-02T03:04:05Z"}`)

	if _, err := c.GetCustomerExternal(ctx, "usr/1 2?x"); err != nil {
		t.Fatal(err)
	}
	if want := "/v1/customers/external/usr%2F1%202%3Fx"; rec.rawPath != want {
		t.Errorf("path: got %q, want %q", rec.rawPath, want)
	}
	if rec.auth != "Bearer gatehouse_oat_x" {
		t.Errorf("auth: got %q", rec.auth)
	}

	name := "Jane"
	if _, err := c.UpdateCustomer(ctx, "abc", apitype.CustomerUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if rec.method != http.MethodPatch || rec.body != `{"name":"Jane"}` || rec.contentLength != int64(len(rec.body)) || rec.ctype != "application/json" {
		t.Errorf("patch: got %+v", rec)
	}

	if err := c.DeleteCustomer(ctx, "abc", true); err != nil {
		t.Fatal(err)
	}
	if rec.method != http.MethodDelete || rec.rawQuery != "anonymize=true" {
		t.Errorf("delete: got %s ?%s", rec.method, rec.rawQuery)
	}

	_, _ = c.ListCustomers(ctx, client.ListCustomersParams{
		Email: "a@b.co", Metadata: map[string][]string{"plan": {"pro"}}, Page: 2, Limit: 5, Sorting: []string{"email", "-name"},
	})
	for _, want := range []string{"email=a%40b.co", "metadata%5Bplan%5D=pro", "page=2", "limit=5", "sorting=email&sorting=-name"} {
		if !strings.Contains(rec.rawQuery, want) {
			t.Errorf("list query %q lacks %q", rec.rawQuery, want)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantCode   string
		wantDetail string
		wantFields int
		wantReason string
	}{
		{"not found", 404, nil, `{"error":"ResourceNotFound","detail":"Not found"}`, "ResourceNotFound", "Not found", 0, ""},
		{"validation", 422, nil, `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":null},{"type":"x","loc":["body"],"msg":"y","input":1}]}`, "RequestValidationError", "", 2, ""},
		{"invalid token", 401, http.Header{"Www-Authenticate": {`Bearer realm="polar", error="invalid_token"`}}, `{"error":"invalid_token","error_description":"expired or invalid","reason":"expired"}`, "invalid_token", "expired or invalid", 0, "expired"},
		{"rate limited", 429, http.Header{"Retry-After": {"7"}}, ``, "", "", 0, ""},
		{"route 404", 404, nil, `{"detail":"Not Found"}`, "", "Not Found", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := mustServer(t, tt.status, tt.header, tt.body)
			_, err := c.GetCustomer(ctx, "id")
			var e *client.Error
			if !errors.As(fmt.Errorf("wrapped: %w", err), &e) {
				t.Fatalf("got %T %v, want *client.Error", err, err)
			}
			if e.StatusCode != tt.status || e.Code != tt.wantCode || e.Detail != tt.wantDetail || len(e.Fields) != tt.wantFields || e.Reason != tt.wantReason {
				t.Errorf("got status %d code %q detail %q fields %d reason %q, want %d %q %q %d %q",
					e.StatusCode, e.Code, e.Detail, len(e.Fields), e.Reason, tt.status, tt.wantCode, tt.wantDetail, tt.wantFields, tt.wantReason)
			}
			if string(e.Body) != tt.body {
				t.Errorf("body: got %q, want %q", e.Body, tt.body)
			}
			if strings.Contains(e.Error(), "gatehouse_oat_x") {
				t.Errorf("error text leaks the token: %s", e.Error())
			}
			if tt.status == 429 && e.RetryAfter.Seconds() != 7 {
				t.Errorf("retry-after: got %v, want 7s", e.RetryAfter)
			}
			if tt.status == 401 && (!client.IsInvalidToken(err) || e.WWWAuthenticate == "") {
				t.Errorf("IsInvalidToken false or header missing: %+v", e)
			}
			if tt.status == 404 && !client.IsNotFound(err) {
				t.Errorf("IsNotFound(%v) = false", err)
			}
		})
	}
}

func TestAllCustomersPages(t *testing.T) {
	var pages []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		pages = append(pages, r.URL.Query().Get("page"))
		items := []apitype.Customer{{ID: fmt.Sprint("c", p, "a")}, {ID: fmt.Sprint("c", p, "b")}}
		if p == 3 {
			items = items[:1]
		}
		_ = json.NewEncoder(w).Encode(apitype.List[apitype.Customer]{Items: items, Pagination: apitype.Pagination{TotalCount: 5, MaxPage: 3}})
	}))
	defer srv.Close()
	var ids []string
	for cu, err := range client.New(srv.URL).AllCustomers(context.Background(), client.ListCustomersParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cu.ID)
	}
	if got := strings.Join(ids, ","); got != "c1a,c1b,c2a,c2b,c3a" || strings.Join(pages, ",") != "1,2,3" {
		t.Errorf("got ids %s over pages %v, want c1a..c3a over 1,2,3", got, pages)
	}
}

func TestCustomerSessionStringRedactsToken(t *testing.T) {
	s := client.CustomerSession{ID: "s1", Token: "gatehouse_cst_secret"}
	if strings.Contains(fmt.Sprint(s), "secret") || strings.Contains(fmt.Sprintf("%v", &s), "secret") {
		t.Errorf("CustomerSession prints its token: %v", s)
	}
}

func TestSessionRequestEncoding(t *testing.T) {
	ctx := context.Background()
	c, rec := mustServer(t, 200, nil, `{"id":"s1","token":"gatehouse_cst_x","metadata":{"device":"ios"},"revoked":3,"items":[],"pagination":{"total_count":0,"max_page":0}}`)

	in := 90
	s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: "c1", ExpiresIn: &in, Metadata: map[string]any{"device": "ios"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.body != `{"customer_id":"c1","expires_in":90,"metadata":{"device":"ios"}}` {
		t.Errorf("create body: got %s", rec.body)
	}
	if s.Metadata["device"] != "ios" {
		t.Errorf("create: metadata not returned, got %v", s.Metadata)
	}

	active := false
	if _, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{ExternalCustomerID: "u/1", Active: &active, Page: 2, Limit: 3}); err != nil {
		t.Fatal(err)
	}
	if rec.rawPath != "/v1/customer-sessions/" || rec.rawQuery != "active=false&external_customer_id=u%2F1&limit=3&page=2" {
		t.Errorf("list: got %s?%s", rec.rawPath, rec.rawQuery)
	}
	if n, err := c.RevokeCustomerSessions(ctx, apitype.CustomerSessionRevoke{ExternalCustomerID: "u1"}); err != nil || n != 3 {
		t.Errorf("bulk revoke: got %d, %v; want 3", n, err)
	}
	if rec.method != http.MethodPost || rec.rawPath != "/v1/customer-sessions/revoke" || rec.body != `{"external_customer_id":"u1"}` {
		t.Errorf("bulk revoke request: got %+v", rec)
	}
	if err := c.RevokeCustomerSession(ctx, "a/b"); err != nil || rec.method != http.MethodDelete || rec.rawPath != "/v1/customer-sessions/a%2Fb" {
		t.Errorf("revoke: got %v %+v", err, rec)
	}
	if err := c.Logout(ctx); err != nil || rec.method != http.MethodDelete || rec.rawPath != "/v1/customer-portal/customer-session" {
		t.Errorf("logout: got %v %+v", err, rec)
	}
	if err := c.RequestLoginCode(ctx, "a@b.co", "o1"); err != nil || rec.body != `{"email":"a@b.co","organization_id":"o1"}` {
		t.Errorf("request code: got %v %+v", err, rec)
	}
	if tok, err := c.AuthenticateLoginCode(ctx, "ABC123"); err != nil || tok != "gatehouse_cst_x" || rec.body != `{"code":"ABC123"}` {
		t.Errorf("authenticate: got %q, %v, %+v", tok, err, rec)
	}
}

func TestRetryAfterDate(t *testing.T) {
	when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	c, _ := mustServer(t, 429, http.Header{"Retry-After": {when}}, ``)
	err := c.RequestLoginCode(context.Background(), "a@b.co", "o1")
	var e *client.Error
	if !errors.As(err, &e) || !client.IsRateLimited(err) {
		t.Fatalf("got %v, want a 429 *client.Error", err)
	}
	if e.RetryAfter < 85*time.Second || e.RetryAfter > 91*time.Second {
		t.Errorf("Retry-After %q: got %v, want about 90s", when, e.RetryAfter)
	}
}
