package sqlstore_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// FuzzCustomerFilter feeds arbitrary NUL-free text to the query, email and
// metadata filters of ListCustomers on SQLite: it must never error, never
// change the data, and a query must match the customer exactly when the
// reference semantics (matchesQuery) say so, whether it goes through the
// trigram index or the scan, whatever FTS5 syntax it contains.
func FuzzCustomerFilter(f *testing.F) {
	for _, h := range storetest.HostileStrings {
		f.Add(h, h)
	}
	f.Add("", "")
	// FTS5 query syntax, which must only ever be searched for literally
	// (the name below contains some of it, so these must also match).
	for _, q := range []string{`"`, `""`, `" OR "`, `name" or x`, `x* near(`, `near(a b`, `^c {`, `{col}: ab`,
		`email_lower:fix`, `fix*`, `^fix`, `fixed AND name`, `fi NOT ed`, `-fix`, `(fix)`, `+ed`, `\%_`, `ΣΊΣΥΦΟΣ`, `σίσ`} {
		f.Add(q, "k")
	}
	s := sqlstoretest.Open(f, storetest.SQLiteDSN(f), sqlstore.Options{})
	org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
	if err := s.CreateOrganization(ctx, org); err != nil {
		f.Fatal(err)
	}
	email, name, ext := "fixed@example.com", `Fixed "Name" OR x* NEAR(a b) ^c {col}: ab \%_ Σίσυφος`, "FX-1"
	c := &gatehouse.Customer{ID: "cus", OrganizationID: org.ID, Email: &email, Name: &name, ExternalID: &ext,
		Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0, Metadata: gatehouse.Metadata{"k": "v", "n": json.Number("1")}}
	if err := s.CreateCustomer(ctx, c); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q, meta string) {
		if strings.ContainsRune(q+meta, 0) || !utf8.ValidString(q+meta) {
			t.Skip()
		}
		filters := []gatehouse.CustomerFilter{
			{Query: q}, {Email: q}, {Metadata: map[string][]string{meta: {q}}}, {Metadata: map[string][]string{"k": {meta, q}}},
			{Query: q, Email: meta, Metadata: map[string][]string{q: {meta}}, Sorting: []gatehouse.SortField{{Field: gatehouse.SortName, Desc: true}}},
		}
		for _, flt := range filters {
			flt.Page = gatehouse.Page{Page: 1, Limit: 10}
			list, total, err := s.ListCustomers(ctx, org.ID, flt)
			if err != nil {
				t.Fatalf("ListCustomers(%+v): %v", flt, err)
			}
			if total != len(list) || total > 1 {
				t.Fatalf("ListCustomers(%+v): got %d rows, total %d; want at most the one customer", flt, len(list), total)
			}
			if total == 1 && flt.Query != "" && !matchesQuery(c, flt.Query) {
				t.Fatalf("query %q matched %+v", flt.Query, c)
			}
			if total == 0 && flt.Email == "" && len(flt.Metadata) == 0 && matchesQuery(c, flt.Query) {
				t.Fatalf("query %q missed %+v", flt.Query, c)
			}
		}
		if _, err := s.CustomerByEmail(ctx, org.ID, q); err != nil && gatehouse.ErrorCodeOf(err) != gatehouse.ENotFound {
			t.Fatalf("CustomerByEmail(%q): %v", q, err)
		}
		got, err := s.Customer(ctx, org.ID, c.ID)
		if err != nil || *got.Email != email {
			t.Fatalf("customer changed or lost: %v, %v", got, err)
		}
	})
}

// matchesQuery is the reference semantics of CustomerFilter.Query.
func matchesQuery(c *gatehouse.Customer, q string) bool {
	q = strings.ToLower(q)
	for _, p := range []*string{c.Email, c.Name, c.BillingName} {
		if p != nil && strings.Contains(strings.ToLower(*p), q) {
			return true
		}
	}
	return c.ExternalID != nil && strings.HasPrefix(strings.ToLower(*c.ExternalID), q)
}
