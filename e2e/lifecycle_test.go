package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

func testIsolation(t *testing.T, c, oc *client.Client, acme e2etest.Org) {
	ctx := context.Background()
	addr := email("iso")
	x, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: addr, ExternalID: new("iso-1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.GetCustomer(ctx, x.ID)
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
	_, err = oc.GetCustomerExternal(ctx, "iso-1")
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
	_, err = oc.GetCustomerState(ctx, x.ID)
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
	_, err = oc.UpdateCustomer(ctx, x.ID, apitype.CustomerUpdate{Name: new("hijacked")})
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
	mustAPIError(t, oc.DeleteCustomer(ctx, x.ID, false), http.StatusNotFound, "ResourceNotFound")
	mustAPIError(t, oc.DeleteCustomerExternal(ctx, "iso-1", false), http.StatusNotFound, "ResourceNotFound")
	_, err = oc.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: x.ID})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "customer_id")
	_, err = oc.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{ExternalCustomerID: "iso-1"})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "external_customer_id")

	for _, p := range []client.ListCustomersParams{{Email: addr}, {Query: "iso-1"}, {OrganizationID: []string{acme.ID}}} {
		page, err := oc.ListCustomers(ctx, p)
		if err != nil || len(page.Items) != 0 || page.Pagination.TotalCount != 0 {
			t.Errorf("other org lists %+v: got %+v, %v; want nothing", p, page, err)
		}
	}
	if csv, err := oc.ExportCustomers(ctx); err != nil || strings.Contains(csv, x.ID) {
		t.Errorf("other org's export: err %v, contains acme's customer: %v", err, strings.Contains(csv, x.ID))
	}
	// The same email and external ID are free in another organization.
	y, err := oc.CreateCustomer(ctx, apitype.CustomerCreate{Email: addr, ExternalID: new("iso-1")})
	if err != nil {
		t.Fatalf("same email in another org: %v", err)
	}
	s, err := oc.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{ExternalCustomerID: "iso-1"})
	if err != nil || s.CustomerID != y.ID || !strings.Contains(s.CustomerPortalURL, "/other/portal?") {
		t.Fatalf("other org session: got %v, %v", s, err)
	}
	// Nothing of acme's changed.
	if got, err := c.GetCustomerExternal(ctx, "iso-1"); err != nil || got.ID != x.ID || got.ModifiedAt != nil {
		t.Errorf("acme's customer after the other org's attempts: got %+v, %v", got, err)
	}
	if me, err := c.As(s.Token).PortalMe(ctx); err != nil || me.ID != y.ID {
		t.Errorf("other org's session sees %+v, %v; want its own customer %s", me, err, y.ID)
	}
}

func testScopes(t *testing.T, ro *client.Client) {
	ctx := context.Background()
	if _, err := ro.ListCustomers(ctx, client.ListCustomersParams{}); err != nil {
		t.Errorf("read-only token lists: %v", err)
	}
	_, err := ro.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("ro")})
	e := mustAPIError(t, err, http.StatusForbidden, "insufficient_scope")
	if !strings.Contains(e.WWWAuthenticate, "customers:write") {
		t.Errorf("insufficient_scope WWW-Authenticate: got %q, want the accepted scope listed", e.WWWAuthenticate)
	}
	_, err = ro.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{ExternalCustomerID: "x"})
	mustAPIError(t, err, http.StatusForbidden, "insufficient_scope")
}

func testRestart(t *testing.T, c *client.Client, kept *apitype.Customer, old *client.CustomerSession) {
	ctx := context.Background()
	got, err := c.GetCustomerExternal(ctx, "kept-1")
	if err != nil || got.ID != kept.ID || str(got.Email) != str(kept.Email) {
		t.Errorf("after restart: got %+v, %v; want %s", got, err, kept.ID)
	}
	if me, err := c.As(old.Token).PortalMe(ctx); err != nil || me.ID != kept.ID {
		t.Errorf("session minted before the restart: got %+v, %v", me, err)
	}
}

func testExpiry(t *testing.T, d *e2etest.Deployment, c *client.Client, kept *apitype.Customer) {
	ctx := context.Background()
	s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: kept.ID})
	if err != nil {
		t.Fatal(err)
	}
	d.Hide(s.Token)
	if ttl := s.ExpiresAt.Sub(s.CreatedAt); ttl != 2*time.Second {
		t.Errorf("--session-ttl 2s: session lives %v", ttl)
	}
	pc := c.As(s.Token)
	if _, err := pc.Introspect(ctx); err != nil && time.Now().Before(s.ExpiresAt) {
		t.Fatalf("fresh session: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := pc.PortalMe(ctx)
		if client.IsInvalidToken(err) {
			if time.Now().Before(s.ExpiresAt.Add(-time.Second)) {
				t.Errorf("session rejected at %v, before its expiry %v", time.Now(), s.ExpiresAt)
			}
			return
		}
		if err != nil {
			t.Fatalf("while waiting for expiry: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("session expiring at %v still works at %v", s.ExpiresAt, time.Now())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSQLiteSecretFile: with no secret, the first command on a new SQLite
// file generates one beside it (mode 0600, logged once), and the server and
// the CLI then agree on it.
func TestSQLiteSecretFile(t *testing.T) {
	dir := t.TempDir()
	d := newDeployment(t, backend{name: "sqlite", dsn: func(testing.TB) string { return "sqlite:" + filepath.Join(dir, "shop.db") }})
	out, errOut, err := d.CLI("org", "create", "--name", "Shop", "--slug", "shop")
	if err != nil {
		t.Fatalf("org create on a new file: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, `"slug":"shop"`) {
		t.Errorf("org create printed %q", out)
	}
	fi, err := os.Stat(filepath.Join(dir, "shop.db.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode: got %v, want -rw-------", fi.Mode().Perm())
	}
	if strings.Count(errOut, "generated a new secret") != 1 {
		t.Errorf("first run: want one 'generated' log line, got %q", errOut)
	}
	srv := d.MustServe(t)
	if strings.Contains(srv.Log().String(), "generated") {
		t.Errorf("server generated a second secret:\n%s", srv.Log())
	}
	tok := d.MustToken(t, "shop", e2etest.AllScopes)
	c := client.New(srv.URL, client.WithToken(tok))
	cu, err := c.CreateCustomer(context.Background(), apitype.CustomerCreate{Email: email("secret")})
	if err != nil {
		t.Fatalf("token made by the CLI does not work on the server: %v", err)
	}
	s, err := c.CreateCustomerSession(context.Background(), apitype.CustomerSessionCreate{CustomerID: cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	d.Hide(s.Token)
}

// TestPostgresStartupChecks: serve refuses to start without a secret and on
// a schema that is behind, and --migrate fixes the latter.
func TestPostgresStartupChecks(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	noSecret := e2etest.NewDeployment(t, binPath, dsn)
	if s, err := noSecret.Serve(); err == nil || !strings.Contains(err.Error(), "secret is required on PostgreSQL") {
		t.Errorf("serve without secret: got %v, want a refusal naming the secret", err)
		if err == nil {
			s.Stop(t)
		}
	}
	d := e2etest.NewDeployment(t, binPath, dsn, e2etest.WithSecret("pg-startup-secret-42"))
	if s, err := d.Serve(); err == nil || !strings.Contains(err.Error(), "gatehouse migrate") {
		t.Errorf("serve on an empty schema: got %v, want a refusal saying to run gatehouse migrate", err)
		if err == nil {
			s.Stop(t)
		}
	}
	if _, errOut, err := d.CLI("org", "create", "--name", "X", "--slug", "x"); err == nil || !strings.Contains(errOut, "gatehouse migrate") {
		t.Errorf("org create on an empty schema: got %v %q, want a refusal saying to run gatehouse migrate", err, errOut)
	}
	srv := d.MustServe(t, "--migrate")
	o := d.MustOrg(t, "Migrated", "migrated")
	if _, err := client.New(srv.URL, client.WithToken(o.Token)).ListCustomers(context.Background(), client.ListCustomersParams{}); err != nil {
		t.Errorf("after --migrate: %v", err)
	}
	if out := d.MustCLI(t, "migrate"); !strings.Contains(out, "schema version") {
		t.Errorf("migrate on an up-to-date schema printed %q", out)
	}
}
