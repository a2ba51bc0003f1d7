package sqlstore_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	bulk "github.com/gatehouse/gatehouse/internal/seed"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// BenchmarkListCustomers is the list scenario of the bench: a page of 100
// customers over 100,000 (BENCH_CUSTOMERS) seeded by internal/seed, with a
// last-name query matching 1 customer in 50 (substring of email, name and
// billing name), with a 2-character query (the scan fallback), and with no
// filter at all. It runs on SQLite and, when it answers, PostgreSQL. On
// SQLite the queries repeat, so after the first of each the customer
// search's memo answers (as it does for someone paging through a search);
// customerindex's BenchmarkSearch measures a search itself.
func BenchmarkListCustomers(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_CUSTOMERS")); err == nil {
		n = v
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			dsn := storetest.SQLiteDSN(b)
			if backend == "postgres" {
				dsn = storetest.PostgresDSN(b)
			}
			s := sqlstoretest.Open(b, dsn, sqlstore.Options{})
			org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
			if err := s.CreateOrganization(ctx, org); err != nil {
				b.Fatal(err)
			}
			if err := bulk.Seed(ctx, s.DB(), s.Dialect(), bulk.Options{OrgID: org.ID, Customers: n}); err != nil {
				b.Fatal(err)
			}
			if s.Dialect() == "postgres" {
				s.DB().ExecContext(ctx, `ANALYZE`)
			}
			names := bulk.LastNames()[:16]
			for _, tc := range []struct {
				name  string
				query func(i int) string
			}{
				{"query", func(i int) string { return strings.ToLower(names[i%len(names)]) }},
				{"short-query", func(i int) string { return "ov" }},
				{"all", func(i int) string { return "" }},
			} {
				b.Run(tc.name, func(b *testing.B) {
					// The first list loads the customer search's index.
					if _, _, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: tc.query(0)}); err != nil {
						b.Fatal(err)
					}
					i := 0
					for b.Loop() {
						f := gatehouse.CustomerFilter{Query: tc.query(i), Page: gatehouse.Page{Page: 1, Limit: 100}}
						list, total, err := s.ListCustomers(ctx, org.ID, f)
						if err != nil {
							b.Fatal(err)
						}
						if len(list) != 100 || total < 100 {
							b.Fatalf("query %q: got %d rows of %d", f.Query, len(list), total)
						}
						i++
					}
				})
			}
		})
	}
}
