package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// TestEndToEnd runs the whole product on every backend: organizations and
// tokens made with the CLI while the server runs, then every API operation
// through the client, then a restart with a short session TTL.
func TestEndToEnd(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, be)
			srv := d.MustServe(t)
			acme := d.MustOrg(t, "Acme Inc", "acme") // CLI on the database the server is using
			other := d.MustOrg(t, "Other Co", "other")
			c := client.New(srv.URL, client.WithToken(acme.Token))
			oc := client.New(srv.URL, client.WithToken(other.Token))

			t.Run("customers", func(t *testing.T) { testCustomers(t, c, acme) })
			t.Run("list filters and pages", func(t *testing.T) { testList(t, c) })
			t.Run("sessions and portal", func(t *testing.T) { testSessionsAndPortal(t, c, srv.URL) })
			t.Run("deleted customer's session", func(t *testing.T) { testDeletedCustomerSession(t, c) })
			t.Run("organization isolation", func(t *testing.T) { testIsolation(t, c, oc, acme) })
			t.Run("scopes", func(t *testing.T) {
				ro := client.New(srv.URL, client.WithToken(d.MustToken(t, "acme", "customers:read")))
				testScopes(t, ro)
			})

			// Restart with a 2s session TTL: data and old sessions survive,
			// new sessions expire on time.
			ctx := context.Background()
			kept, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("kept"), ExternalID: new("kept-1")})
			if err != nil {
				t.Fatal(err)
			}
			old, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: kept.ID})
			if err != nil {
				t.Fatal(err)
			}
			d.Hide(old.Token)
			srv.Stop(t)
			srv2 := d.MustServe(t, "--session-ttl", "2s")
			c2 := client.New(srv2.URL, client.WithToken(acme.Token))
			t.Run("restart keeps data", func(t *testing.T) { testRestart(t, c2, kept, old) })
			t.Run("session expiry", func(t *testing.T) { testExpiry(t, d, c2, kept) })
		})
	}
}

func testCustomers(t *testing.T, c *client.Client, acme e2etest.Org) {
	ctx := context.Background()
	in := apitype.CustomerCreate{
		Email:      "Jane.Doe+e2e@EXAMPLE.com",
		Name:       new("Jane Doe"),
		ExternalID: new("  usr_jane  "),
		Metadata:   map[string]any{"plan": "pro", "seats": 3, "beta": true},
	}
	jane, err := c.CreateCustomer(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if str(jane.Email) != "Jane.Doe+e2e@example.com" || str(jane.ExternalID) != "usr_jane" || jane.Type != "individual" ||
		jane.OrganizationID != acme.ID || jane.EmailVerified || jane.ModifiedAt != nil || str(jane.BillingName) != "Jane Doe" {
		t.Errorf("create: got %+v, want normalized email, trimmed external ID, individual, billing name = name", jane)
	}
	if jane.Metadata["plan"] != "pro" || jane.Metadata["seats"] != float64(3) || jane.Metadata["beta"] != true {
		t.Errorf("create metadata: got %v", jane.Metadata)
	}
	_, err = c.CreateCustomer(ctx, apitype.CustomerCreate{Email: "jane.doe+E2E@example.COM"})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "email")

	got, err := c.GetCustomer(ctx, jane.ID)
	if err != nil || got.ID != jane.ID || !got.CreatedAt.Equal(jane.CreatedAt.Time) {
		t.Errorf("get: got %+v, %v; want %s", got, err, jane.ID)
	}
	if got, err = c.GetCustomerExternal(ctx, "usr_jane"); err != nil || got.ID != jane.ID {
		t.Errorf("get external: got %+v, %v; want %s", got, err, jane.ID)
	}

	upd, err := c.UpdateCustomer(ctx, jane.ID, apitype.CustomerUpdate{Name: new("Jane Q. Doe"), Metadata: map[string]any{"plan": "team"}})
	if err != nil {
		t.Fatal(err)
	}
	if str(upd.Name) != "Jane Q. Doe" || upd.ModifiedAt == nil || len(upd.Metadata) != 1 || upd.Metadata["plan"] != "team" {
		t.Errorf("update: got name %s modified %v metadata %v; want new name, modified_at set, metadata replaced", str(upd.Name), upd.ModifiedAt, upd.Metadata)
	}
	upd, err = c.UpdateCustomerExternal(ctx, "usr_jane", apitype.CustomerUpdate{Locale: new("en-us"), ExternalID: new("ignored")})
	if err != nil {
		t.Fatal(err)
	}
	if str(upd.Locale) != "en-US" || str(upd.ExternalID) != "usr_jane" || str(upd.Name) != "Jane Q. Doe" {
		t.Errorf("update external: got locale %s external_id %s name %s", str(upd.Locale), str(upd.ExternalID), str(upd.Name))
	}
	_, err = c.UpdateCustomer(ctx, jane.ID, apitype.CustomerUpdate{ExternalID: new("changed")})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "external_id")

	for _, get := range []func() (*apitype.CustomerState, error){
		func() (*apitype.CustomerState, error) { return c.GetCustomerState(ctx, jane.ID) },
		func() (*apitype.CustomerState, error) { return c.GetCustomerStateExternal(ctx, "usr_jane") },
	} {
		st, err := get()
		if err != nil || st.ID != jane.ID || st.ActiveSubscriptions == nil || len(st.ActiveSubscriptions)+len(st.GrantedBenefits)+len(st.ActiveMeters) != 0 {
			t.Errorf("state: got %+v, %v; want the customer with three empty arrays", st, err)
		}
	}

	csv, err := c.ExportCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csv, "ID,External ID,Created At,Email,Name,") || !strings.Contains(csv, jane.ID) || !strings.Contains(csv, "Jane.Doe+e2e@example.com") {
		t.Errorf("export: got %q", csv)
	}

	if err := c.DeleteCustomer(ctx, jane.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCustomer(ctx, jane.ID)
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
	mustAPIError(t, c.DeleteCustomer(ctx, jane.ID, false), http.StatusNotFound, "ResourceNotFound")
	_, err = c.GetCustomerExternal(ctx, "usr_jane")
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")

	// Email and external ID are free again; delete by external ID.
	again, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: "Jane.Doe+e2e@example.com", ExternalID: new("usr_jane")})
	if err != nil {
		t.Fatalf("re-create after delete: %v", err)
	}
	if err := c.DeleteCustomerExternal(ctx, "usr_jane", true); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCustomer(ctx, again.ID)
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")
}

func testList(t *testing.T, c *client.Client) {
	ctx := context.Background()
	batch := email("batch") // unique value to scope the list to this test
	var made []apitype.Customer
	for i, name := range []string{"Eve", "Carol", "Alice", "Dave", "Bob"} {
		cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{
			Email:    email("list-" + strings.ToLower(name)),
			Name:     new(name + " Listson"),
			Metadata: map[string]any{"batch": batch, "n": i, "even": i%2 == 0},
		})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, *cu)
	}
	inBatch := client.ListCustomersParams{Metadata: map[string][]string{"batch": {batch}}}

	p := inBatch
	p.Limit = 2
	page, err := c.ListCustomers(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if page.Pagination != (apitype.Pagination{TotalCount: 5, MaxPage: 3}) || len(page.Items) != 2 {
		t.Errorf("page 1 of 2: got %d items, %+v; want 2 items, total 5, max_page 3", len(page.Items), page.Pagination)
	}
	// Default sorting is newest first.
	if page.Items[0].ID != made[4].ID {
		t.Errorf("default sort: first is %s, want the newest %s", page.Items[0].ID, made[4].ID)
	}
	var all []apitype.Customer
	for cu, err := range c.AllCustomers(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cu)
	}
	got, want := ids(all), ids(made)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("all pages: got %v, want %v", got, want)
	}

	p = inBatch
	p.Sorting = []string{"name"}
	page, err = c.ListCustomers(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cu := range page.Items {
		names = append(names, str(cu.Name))
	}
	if strings.Join(names, ",") != "Alice Listson,Bob Listson,Carol Listson,Dave Listson,Eve Listson" {
		t.Errorf("sorting=name: got %v", names)
	}

	tests := []struct {
		name string
		p    client.ListCustomersParams
		want []string
	}{
		{"email exact, any case", client.ListCustomersParams{Email: strings.ToUpper(str(made[2].Email))}, []string{made[2].ID}},
		{"query substring of name", client.ListCustomersParams{Query: "carol lists", Metadata: inBatch.Metadata}, []string{made[1].ID}},
		{"metadata number", client.ListCustomersParams{Metadata: map[string][]string{"batch": {batch}, "n": {"3"}}}, []string{made[3].ID}},
		{"metadata bool", client.ListCustomersParams{Metadata: map[string][]string{"batch": {batch}, "even": {"true"}}}, []string{made[0].ID, made[2].ID, made[4].ID}},
		{"metadata values OR-ed", client.ListCustomersParams{Metadata: map[string][]string{"batch": {batch}, "n": {"0", "1"}}}, []string{made[0].ID, made[1].ID}},
		{"no match", client.ListCustomersParams{Email: "nobody-at-all@example.com"}, nil},
	}
	for _, tt := range tests {
		page, err := c.ListCustomers(ctx, tt.p)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := ids(page.Items)
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) || page.Pagination.TotalCount != len(tt.want) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, page.Pagination.TotalCount, tt.want)
		}
	}

	_, err = c.ListCustomers(ctx, client.ListCustomersParams{Sorting: []string{"foo"}})
	mustFieldError(t, err, "RequestValidationError", "query", "sorting", float64(0))
}

func testSessionsAndPortal(t *testing.T, c *client.Client, baseURL string) {
	ctx := context.Background()
	bobEmail := email("bob+portal")
	bob, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: bobEmail, Name: new("Bob"), ExternalID: new("usr/bob 1?x")})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	s1, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: bob.ID, ReturnURL: new("https://example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s1.Token, "gatehouse_cst_") || s1.CustomerID != bob.ID || s1.Customer.ID != bob.ID || str(s1.ReturnURL) != "https://example.com/" {
		t.Errorf("session by id: got %v return_url %s", s1, str(s1.ReturnURL))
	}
	if ttl := s1.ExpiresAt.Sub(s1.CreatedAt); ttl != time.Hour || s1.CreatedAt.Before(before.Add(-5*time.Second)) {
		t.Errorf("session times: created %v expires %v, want expiry one hour after now", s1.CreatedAt, s1.ExpiresAt)
	}
	wantURL := baseURL + "/acme/portal?customer_session_token=" + s1.Token + "&email=" + strings.NewReplacer("+", "%2B", "@", "%40").Replace(bobEmail)
	if s1.CustomerPortalURL != wantURL {
		t.Errorf("customer_portal_url: got %q, want %q", s1.CustomerPortalURL, wantURL)
	}
	// The portal link leads to the portal pages served by the same binary.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get(s1.CustomerPortalURL); err != nil {
		t.Errorf("GET customer_portal_url: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Errorf("GET customer_portal_url: status %d, want the portal page or a redirect into it", resp.StatusCode)
		}
	}
	s2, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{ExternalCustomerID: "usr/bob 1?x"})
	if err != nil {
		t.Fatal(err)
	}
	if s2.CustomerID != bob.ID || s2.Token == s1.Token || s2.ReturnURL != nil {
		t.Errorf("session by external id: got customer %s, same token %v, return_url %s", s2.CustomerID, s2.Token == s1.Token, str(s2.ReturnURL))
	}
	_, err = c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: "6f1c3a52-8b2e-4c1d-9a7e-2f0b5d4c3e21"})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "customer_id")
	_, err = c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{ExternalCustomerID: "nobody"})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "external_customer_id")

	pc := c.As(s1.Token)
	me, err := pc.PortalMe(ctx)
	if err != nil || me.ID != bob.ID || str(me.Email) != bobEmail || me.OAuthAccounts == nil {
		t.Fatalf("portal me: got %+v, %v", me, err)
	}
	me, err = pc.UpdatePortalMe(ctx, apitype.PortalCustomerUpdate{BillingName: new("Bob Ltd"), BillingAddress: &apitype.Address{Country: "fr", City: new(" Paris ")}})
	if err != nil {
		t.Fatal(err)
	}
	if str(me.BillingName) != "Bob Ltd" || me.BillingAddress == nil || me.BillingAddress.Country != "FR" || str(me.BillingAddress.City) != "Paris" {
		t.Errorf("portal update: got billing name %s address %+v", str(me.BillingName), me.BillingAddress)
	}
	if m, err := c.GetCustomer(ctx, bob.ID); err != nil || str(m.BillingName) != "Bob Ltd" || str(m.Name) != "Bob" {
		t.Errorf("merchant view after portal update: got %+v, %v", m, err)
	}
	in, err := pc.Introspect(ctx)
	if err != nil || !in.ExpiresAt.Equal(s1.ExpiresAt) || str(in.ReturnURL) != "https://example.com/" {
		t.Errorf("introspect: got %+v, %v; want expires %v", in, err, s1.ExpiresAt)
	}
	u, err := pc.PortalUser(ctx)
	if err != nil || u.Type != "customer" || u.CustomerID != bob.ID || str(u.Email) != bobEmail || str(u.Name) != "Bob" || u.MemberID != nil {
		t.Errorf("portal user: got %+v, %v", u, err)
	}
	if _, err := c.As(s2.Token).PortalMe(ctx); err != nil {
		t.Errorf("second session: %v", err)
	}

	anon := client.New(baseURL)
	od, err := anon.PortalOrganization(ctx, "acme")
	if err != nil || od.Organization.Slug != "acme" || od.Organization.Name != "Acme Inc" || od.Products == nil || len(od.Products) != 0 {
		t.Errorf("portal organization: got %+v, %v", od, err)
	}
	if _, err := pc.PortalOrganization(ctx, "acme"); err != nil {
		t.Errorf("portal organization with a session token: %v", err)
	}
	_, err = anon.PortalOrganization(ctx, "no-such-org")
	mustAPIError(t, err, http.StatusNotFound, "ResourceNotFound")

	// Wrong credential kinds are anonymous (401 Unauthorized); bad tokens
	// are invalid_token, even on the public endpoint.
	_, err = c.PortalMe(ctx)
	mustAPIError(t, err, http.StatusUnauthorized, "Unauthorized")
	_, err = pc.ListCustomers(ctx, client.ListCustomersParams{})
	mustAPIError(t, err, http.StatusUnauthorized, "Unauthorized")
	_, err = anon.PortalMe(ctx)
	mustAPIError(t, err, http.StatusUnauthorized, "Unauthorized")
	flip := "A" // tamper with the checksum's last character
	if strings.HasSuffix(s1.Token, flip) {
		flip = "B"
	}
	tampered := s1.Token[:len(s1.Token)-1] + flip
	for _, tok := range []string{tampered, "gatehouse_cst_short", "polar_cst_abcdefghijklmnopqrstuvwxyzABCDEFGHIJK4WQsSZ"} {
		_, err = c.As(tok).PortalMe(ctx)
		mustAPIError(t, err, http.StatusUnauthorized, "invalid_token")
		_, err = c.As(tok).PortalOrganization(ctx, "acme")
		mustAPIError(t, err, http.StatusUnauthorized, "invalid_token")
	}
}

func testDeletedCustomerSession(t *testing.T, c *client.Client) {
	ctx := context.Background()
	cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("gone")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	pc := c.As(s.Token)
	if _, err := pc.PortalMe(ctx); err != nil {
		t.Fatalf("before delete: %v", err)
	}
	if err := c.DeleteCustomer(ctx, cu.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = pc.PortalMe(ctx)
	mustAPIError(t, err, http.StatusUnauthorized, "invalid_token")
	_, err = pc.Introspect(ctx)
	mustAPIError(t, err, http.StatusUnauthorized, "invalid_token")
	_, err = c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: cu.ID})
	mustFieldError(t, err, "PolarRequestValidationError", "body", "customer_id")
}
