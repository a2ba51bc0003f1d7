package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/token"
)

// TestSessionLifecycle drives the session-management endpoints through the
// binary and the client on every backend: create with expires_in and
// metadata, list with filters and pages, get, revoke, bulk revoke, logout,
// per-session expiry, the 401 reasons, and organization isolation.
func TestSessionLifecycle(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, be)
			srv := d.MustServe(t, "--max-session-ttl", "2h")
			acme := d.MustOrg(t, "Acme Inc", "acme")
			other := d.MustOrg(t, "Other Co", "other")
			c := client.New(srv.URL, client.WithToken(acme.Token))
			oc := client.New(srv.URL, client.WithToken(other.Token))
			ctx := context.Background()

			jane, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("jane"), ExternalID: new("usr_jane")})
			if err != nil {
				t.Fatal(err)
			}
			bob, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("bob"), ExternalID: new("usr_bob")})
			if err != nil {
				t.Fatal(err)
			}
			mint := func(t *testing.T, in apitype.CustomerSessionCreate) *client.CustomerSession {
				t.Helper()
				s, err := c.CreateCustomerSession(ctx, in)
				if err != nil {
					t.Fatalf("create session %+v: %v", in, err)
				}
				d.Hide(s.Token)
				return s
			}

			t.Run("create with expires_in and metadata", func(t *testing.T) {
				s := mint(t, apitype.CustomerSessionCreate{CustomerID: jane.ID, ExpiresIn: new(600), Metadata: map[string]any{"device": "ios", "build": 42}})
				if got := s.ExpiresAt.Sub(s.CreatedAt); got != 10*time.Minute {
					t.Errorf("expires_in 600: session lives %v, want 10m", got)
				}
				if s.Metadata["device"] != "ios" || s.Metadata["build"] != float64(42) {
					t.Errorf("metadata: got %v, want device=ios build=42", s.Metadata)
				}
				info, err := c.GetCustomerSession(ctx, s.ID)
				if err != nil || info.Metadata["device"] != "ios" || !info.ExpiresAt.Time.Equal(s.ExpiresAt) {
					t.Errorf("get: got %+v, %v", info, err)
				}
				plain := mint(t, apitype.CustomerSessionCreate{CustomerID: jane.ID})
				if got := plain.ExpiresAt.Sub(plain.CreatedAt); got != time.Hour || len(plain.Metadata) != 0 {
					t.Errorf("no expires_in: lives %v with metadata %v, want --session-ttl 1h and {}", got, plain.Metadata)
				}
				_, err = c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: jane.ID, ExpiresIn: new(3 * 3600)})
				// --max-session-ttl 2h bounds expires_in at 7200 seconds.
				mustFieldError(t, err, "RequestValidationError", "body", "CustomerSessionCustomerIDCreate", "expires_in")
				if e := mustAPIError(t, err, 422, "RequestValidationError"); !strings.Contains(string(e.Body), `"le":7200`) {
					t.Errorf("expires_in above --max-session-ttl 2h: got %s, want the bound 7200", e.Body)
				}
			})

			t.Run("list filters and pages", func(t *testing.T) { testListSessions(t, c, mint, jane, bob) })

			t.Run("revoke one", func(t *testing.T) {
				s := mint(t, apitype.CustomerSessionCreate{CustomerID: bob.ID})
				if _, err := c.As(s.Token).PortalMe(ctx); err != nil {
					t.Fatalf("fresh session: %v", err)
				}
				// Another organization neither sees nor revokes it.
				_, err := oc.GetCustomerSession(ctx, s.ID)
				mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
				mustAPIError(t, oc.RevokeCustomerSession(ctx, s.ID), http.StatusNotFound, "ResourceNotFound")
				if _, err := c.As(s.Token).PortalMe(ctx); err != nil {
					t.Fatalf("after another org's revoke attempt: %v", err)
				}
				if err := c.RevokeCustomerSession(ctx, s.ID); err != nil {
					t.Fatal(err)
				}
				mustReason(t, c.As(s.Token), "revoked")
				info, err := c.GetCustomerSession(ctx, s.ID)
				if err != nil || info.RevokedAt == nil || str(info.RevokedReason) != "revoked" {
					t.Errorf("revoked session: got %+v, %v; want revoked_at and revoked_reason \"revoked\"", info, err)
				}
			})

			t.Run("bulk revoke", func(t *testing.T) {
				a := mint(t, apitype.CustomerSessionCreate{ExternalCustomerID: "usr_bob"})
				b := mint(t, apitype.CustomerSessionCreate{ExternalCustomerID: "usr_bob"})
				keep := mint(t, apitype.CustomerSessionCreate{ExternalCustomerID: "usr_jane"})
				n, err := oc.RevokeCustomerSessions(ctx, apitype.CustomerSessionRevoke{CustomerID: bob.ID})
				if err == nil && n != 0 {
					t.Errorf("another org's bulk revoke of bob: revoked %d", n)
				}
				n, err = c.RevokeCustomerSessions(ctx, apitype.CustomerSessionRevoke{ExternalCustomerID: "usr_bob"})
				if err != nil || n < 2 {
					t.Fatalf("bulk revoke usr_bob: got %d, %v; want at least 2", n, err)
				}
				mustReason(t, c.As(a.Token), "revoked")
				mustReason(t, c.As(b.Token), "revoked")
				if _, err := c.As(keep.Token).PortalMe(ctx); err != nil {
					t.Errorf("jane's session after bob's bulk revoke: %v", err)
				}
				if n, err := c.RevokeCustomerSessions(ctx, apitype.CustomerSessionRevoke{CustomerID: bob.ID}); err != nil || n != 0 {
					t.Errorf("second bulk revoke: got %d, %v; want 0", n, err)
				}
			})

			t.Run("logout", func(t *testing.T) {
				s := mint(t, apitype.CustomerSessionCreate{CustomerID: jane.ID})
				pc := c.As(s.Token)
				if err := pc.Logout(ctx); err != nil {
					t.Fatal(err)
				}
				mustReason(t, pc, "revoked")
				info, err := c.GetCustomerSession(ctx, s.ID)
				if err != nil || str(info.RevokedReason) != "logout" {
					t.Errorf("after logout: got %+v, %v; want revoked_reason \"logout\"", info, err)
				}
				mustAPIError(t, pc.Logout(ctx), http.StatusUnauthorized, "invalid_token")
			})

			t.Run("reasons", func(t *testing.T) {
				mustReason(t, c.As("not-a-token"), "malformed")
				s := mint(t, apitype.CustomerSessionCreate{CustomerID: jane.ID})
				mustReason(t, c.As(s.Token[:len(s.Token)-1]+flip(s.Token[len(s.Token)-1])), "malformed")
				mustReason(t, c.As("gatehouse_cst_"+strings.Repeat("0", 43)), "malformed")
				mustReason(t, c.As(token.New(token.PrefixSession)), "unknown")
			})

			t.Run("expires_in expiry", func(t *testing.T) {
				s := mint(t, apitype.CustomerSessionCreate{CustomerID: jane.ID, ExpiresIn: new(1)})
				pc := c.As(s.Token)
				for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
					_, err := pc.PortalMe(ctx)
					if client.IsInvalidToken(err) {
						if time.Now().Before(s.ExpiresAt.Add(-500 * time.Millisecond)) {
							t.Errorf("rejected at %v, before expiry %v", time.Now(), s.ExpiresAt)
						}
						mustReason(t, pc, "expired")
						break
					}
					if err != nil || time.Now().After(deadline) {
						t.Fatalf("session with expires_in 1 at %v: err %v", time.Now(), err)
					}
				}
				active := true
				page, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{CustomerID: jane.ID, Active: &active, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					if it.ID == s.ID {
						t.Errorf("expired session %s listed as active", s.ID)
					}
				}
			})
		})
	}
}

// testListSessions checks the list's filters, order, pages and that no
// item carries a token.
func testListSessions(t *testing.T, c *client.Client, mint func(*testing.T, apitype.CustomerSessionCreate) *client.CustomerSession, jane, bob *apitype.Customer) {
	ctx := context.Background()
	var made []string
	for range 3 {
		made = append(made, mint(t, apitype.CustomerSessionCreate{CustomerID: bob.ID}).ID)
	}
	page, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{CustomerID: bob.ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Pagination.TotalCount < 3 || page.Items[0].ID != made[2] || page.Items[1].ID != made[1] {
		t.Errorf("bob's first page (limit 2): got %+v, want the newest two of %v first", page, made)
	}
	for _, it := range page.Items {
		if it.CustomerID != bob.ID {
			t.Errorf("customer_id filter: got a session of %s", it.CustomerID)
		}
	}
	p2, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{CustomerID: bob.ID, Limit: 2, Page: 2})
	if err != nil || len(p2.Items) == 0 || p2.Items[0].ID == page.Items[1].ID {
		t.Errorf("bob's second page: got %+v, %v", p2, err)
	}
	byExt, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{ExternalCustomerID: "usr_jane", Limit: 100})
	if err != nil || len(byExt.Items) == 0 {
		t.Fatalf("external_customer_id filter: got %+v, %v", byExt, err)
	}
	for _, it := range byExt.Items {
		if it.CustomerID != jane.ID {
			t.Errorf("external_customer_id=usr_jane listed a session of %s", it.CustomerID)
		}
	}
	none, err := c.ListCustomerSessions(ctx, client.ListCustomerSessionsParams{ExternalCustomerID: "nobody"})
	if err != nil || len(none.Items) != 0 || none.Pagination.TotalCount != 0 {
		t.Errorf("unknown external_customer_id: got %+v, %v; want an empty list", none, err)
	}
	var raw string
	if err := c.Do(ctx, http.MethodGet, "/v1/customer-sessions/", url.Values{"limit": {"100"}}, nil, &raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "gatehouse_cst_") || strings.Contains(raw, `"token"`) {
		t.Errorf("session list carries tokens: %s", raw)
	}
}

// mustReason requires pc's token to fail with 401 invalid_token and reason.
func mustReason(t *testing.T, pc *client.Client, reason string) {
	t.Helper()
	_, err := pc.PortalMe(context.Background())
	e := mustAPIError(t, err, http.StatusUnauthorized, "invalid_token")
	if e.Reason != reason {
		t.Errorf("401 reason: got %q (body %s), want %q", e.Reason, e.Body, reason)
	}
}

// flip changes a base-62 character into another one.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}
