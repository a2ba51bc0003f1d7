package httpapi

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sessioncache"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
)

// TestRevocationAcrossInstances: two servers on two connection pools of one
// PostgreSQL database; a revocation through either is seen by the other on
// its very next request.
func TestRevocationAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	e := newEnvDSN(t, dsn)
	other := *e
	other.store = mustStore(t, dsn)
	other.srv = other.newServer(nil)

	for _, c := range []struct {
		name   string
		revoke func(tok string)
	}{
		{"merchant delete", func(tok string) {
			if w := e.do("DELETE", "/v1/customer-sessions/"+mustSessionID(t, e, tok), "A", ""); w.Code != 204 {
				t.Fatalf("DELETE: %d", w.Code)
			}
		}},
		{"bulk revoke", func(string) {
			if w := e.do("POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"{a1}"}`); w.Code != 200 {
				t.Fatalf("bulk revoke: %d", w.Code)
			}
		}},
		{"logout", func(tok string) {
			e.tok["x"] = tok
			if w := e.do("DELETE", "/v1/customer-portal/customer-session", "x", ""); w.Code != 204 {
				t.Fatalf("logout: %d", w.Code)
			}
		}},
	} {
		tok := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
		other.tok["s"] = tok
		if w := other.do("GET", "/v1/customer-portal/customers/me", "s", ""); w.Code != 200 {
			t.Fatalf("%s: other instance before: %d", c.name, w.Code)
		}
		c.revoke(tok)
		checkReason(t, &other, "/v1/customer-portal/customers/me", "s", "revoked")
	}
}

// TestRevocationThroughCache: on SQLite the single instance caches the
// token check (sessioncache); every revocation path still takes effect on
// the next request.
func TestRevocationThroughCache(t *testing.T) {
	e := newEnv(t)
	e.store = sessioncache.New(e.store, 0)
	e.srv = e.newServer(nil)
	paths := map[string]func(tok string){
		"delete": func(tok string) {
			e.do("DELETE", "/v1/customer-sessions/"+mustSessionID(t, e, tok), "A", "")
		},
		"bulk": func(string) { e.do("POST", "/v1/customer-sessions/revoke", "A", `{"external_customer_id":"usr_1"}`) },
		"logout": func(tok string) {
			e.tok["x"] = tok
			e.do("DELETE", "/v1/customer-portal/customer-session", "x", "")
		},
		"leak": func(tok string) {
			e.scan(`[{"token":"` + tok + `","type":"gatehouse_customer_session_token","source":"s"}]`)
		},
	}
	for name, revoke := range paths {
		tok := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
		e.tok["s"] = tok
		var bodies []string
		for range 2 { // the second answer comes from the cache
			w := e.do("GET", "/v1/customer-portal/customers/me", "s", "")
			if w.Code != 200 {
				t.Fatalf("%s: before: %d", name, w.Code)
			}
			bodies = append(bodies, w.Body.String())
		}
		if bodies[0] != bodies[1] {
			t.Fatalf("%s: cached answer differs:\n%s\n%s", name, bodies[0], bodies[1])
		}
		revoke(tok)
		checkReason(t, e, "/v1/customer-portal/customers/me", "s", "revoked")
	}
}

// TestRotation: a token issued under secret A works after rotating to B
// with A as a previous secret, and is unknown once A is dropped. New tokens
// are issued under B.
func TestRotation(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t)) // secret "test secret" is A
			rotated := *e
			rotated.hasher = token.NewHasher("secret B", "test secret")
			rotated.srv = rotated.newServer(nil)
			for _, tok := range []string{"cst", "A"} {
				path := "/v1/customers/"
				if tok == "cst" {
					path = "/v1/customer-portal/customers/me"
				}
				if w := rotated.do("GET", path, tok, ""); w.Code != 200 {
					t.Errorf("%s under A after rotating to B: %d, want 200", tok, w.Code)
				}
			}
			rotated.tok["new"] = rotated.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
			// Minted under B: the server that only knows A does not know it.
			checkReason(t, e, "/v1/customer-portal/customers/me", "new", "unknown")
			dropped := rotated
			dropped.hasher = token.NewHasher("secret B")
			dropped.srv = dropped.newServer(nil)
			checkReason(t, &dropped, "/v1/customer-portal/customers/me", "cst", "unknown")
			if w := dropped.do("GET", "/v1/customer-portal/customers/me", "new", ""); w.Code != 200 {
				t.Errorf("B token after dropping A: %d, want 200", w.Code)
			}
		})
	}
}

// TestUsageRecord: a session's last use is recorded at most once a minute,
// in the background, and written out by Close.
func TestUsageRecord(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t))
			e.srv = e.newServer(func(c *Config) { c.UsageFlushInterval = time.Hour }) // only Close flushes
			id := mustSessionID(t, e, e.tok["cst"])
			get := func(ua string) {
				t.Helper()
				r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
				r.RemoteAddr = "203.0.113.7:5555"
				r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
				r.Header.Set("User-Agent", ua)
				w := httptest.NewRecorder()
				e.srv.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Fatalf("portal me: %d", w.Code)
				}
			}
			first := e.clock.Now().UTC().Truncate(time.Microsecond)
			get("first/1.0")
			e.clock.Add(30 * time.Second)
			get("second/1.0") // within the minute: not recorded
			if n := e.srv.usage.Pending(); n != 1 {
				t.Errorf("pending records after two uses in a minute: %d, want 1", n)
			}
			sess, err := e.store.Session(t.Context(), e.orgA.ID, id)
			if err != nil || sess.LastUsedAt != nil {
				t.Fatalf("before flush: last_used_at %v (err %v), want nil: no write on the request path", sess.LastUsedAt, err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if err := e.srv.Close(ctx); err != nil {
				t.Fatal(err)
			}
			w := e.do("GET", "/v1/customer-sessions/"+id, "A", "")
			checkJSONBody(t, w.Body.Bytes(), `{"last_used_at":"`+first.Format("2006-01-02T15:04:05.000000Z")+
				`","last_used_ip":"203.0.113.7","last_used_user_agent":"first/1.0"}`)

			// A minute later the next use is recorded again.
			e.srv = e.newServer(func(c *Config) { c.UsageFlushInterval = time.Hour })
			e.clock.Add(31 * time.Second)
			get("third/1.0")
			if err := e.srv.Close(ctx); err != nil {
				t.Fatal(err)
			}
			sess, _ = e.store.Session(t.Context(), e.orgA.ID, id)
			if sess.LastUsedUserAgent == nil || *sess.LastUsedUserAgent != "third/1.0" {
				t.Errorf("a minute later: user agent %v, want third/1.0", sess.LastUsedUserAgent)
			}
		})
	}
}

// TestUsageNotForRejected: a token that fails, or a session used on a route
// it may not call, records nothing.
func TestUsageNotForRejected(t *testing.T) {
	e := newEnv(t)
	if w := e.do("GET", "/v1/customers/", "cst", ""); w.Code != 401 {
		t.Fatalf("session on a merchant route: %d", w.Code)
	}
	if n := e.srv.usage.Pending(); n != 0 {
		t.Errorf("pending after a refused use: %d", n)
	}
}
