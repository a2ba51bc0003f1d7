package seed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/token"
)

// pgURL is the test PostgreSQL server (trust auth), overridable.
func pgURL() string {
	if u := os.Getenv("GATEHOUSE_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// mustStore opens a fresh, migrated store: a SQLite file in a temporary
// directory, or a new schema on the test PostgreSQL server.
func mustStore(t testing.TB, dialect string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "seed.db")
	if dialect == DialectPostgres {
		admin, err := sql.Open("pgx", pgURL())
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if err := admin.PingContext(ctx); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("PostgreSQL at %s: %v", pgURL(), err)
			}
			t.Skipf("skipping PostgreSQL: %v", err)
		}
		var b [6]byte
		rand.Read(b[:])
		schema := "seedtest_" + hex.EncodeToString(b[:])
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin, err := sql.Open("pgx", pgURL())
			if err == nil {
				admin.Exec("DROP SCHEMA " + schema + " CASCADE")
				admin.Close()
			}
		})
		dsn = pgURL() + "&search_path=" + schema
	}
	st := sqlstoretest.Open(t, dsn, sqlstore.Options{})
	return st
}

func mustOrg(t testing.TB, st *sqlstore.Store, slug string) *gatehouse.Organization {
	t.Helper()
	o := &gatehouse.Organization{Name: slug, Slug: slug, CreatedAt: time.Now()}
	if err := st.CreateOrganization(context.Background(), o); err != nil {
		t.Fatalf("create organization %s: %v", slug, err)
	}
	return o
}

func TestSeedAuthenticatesThroughStore(t *testing.T) {
	for _, dialect := range []string{DialectSQLite, DialectPostgres} {
		t.Run(dialect, func(t *testing.T) { testSeed(t, dialect) })
	}
}

func testSeed(t *testing.T, dialect string) {
	ctx := context.Background()
	st := mustStore(t, dialect)
	if st.Dialect() != dialect {
		t.Fatalf("Dialect() = %q, want %q", st.Dialect(), dialect)
	}
	org := mustOrg(t, st, "seeded")
	other := mustOrg(t, st, "other")
	hasher := token.NewHasher("seed-test-secret")
	now := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	const customers, sessions, toWrite = 1205, 3010, 1300 // not multiples of the batch sizes

	var out bytes.Buffer
	stats, err := Run(ctx, st.DB(), st.Dialect(), Options{
		OrgID: org.ID, Customers: customers, Sessions: sessions, Hasher: hasher,
		SessionTTL: time.Hour, Now: now, TokensOut: &out, TokensToWrite: toWrite,
	})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if stats.Customers != customers || stats.Sessions != sessions || stats.FirstCustomer != 0 {
		t.Fatalf("stats = %+v, want %d customers, %d sessions, first 0", stats, customers, sessions)
	}
	tokens := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(tokens) != toWrite {
		t.Fatalf("wrote %d tokens, want %d", len(tokens), toWrite)
	}

	seen := map[string]bool{}
	for i, tok := range []string{tokens[0], tokens[1], tokens[customers-1], tokens[customers], tokens[toWrite-1]} {
		if p, ok := token.Parse(tok); !ok || p != token.PrefixSession {
			t.Fatalf("token %d %s does not parse as a session token", i, token.Redact(tok))
		}
		s, c, err := st.SessionByHash(ctx, hasher.Hashes(tok))
		if err != nil {
			t.Fatalf("SessionByHash(token %d): %v", i, err)
		}
		if s.OrganizationID != org.ID || c.ID != s.CustomerID || c.OrganizationID != org.ID {
			t.Errorf("token %d: session org %s customer %s, customer %s org %s; want org %s", i, s.OrganizationID, s.CustomerID, c.ID, c.OrganizationID, org.ID)
		}
		if got := s.State(now); got != "" {
			t.Errorf("token %d: state at seed time = %q, want live", i, got)
		}
		if got := s.State(now.Add(time.Hour)); got != gatehouse.ReasonExpired {
			t.Errorf("token %d: state after TTL = %q, want %q", i, got, gatehouse.ReasonExpired)
		}
		if c.Email == nil || !strings.HasSuffix(*c.Email, "@example.com") || c.Name == nil || c.ExternalID == nil || c.Type != gatehouse.CustomerIndividual {
			t.Errorf("token %d: customer %+v lacks seeded fields", i, c)
		}
		if i < 2 && seen[c.ID] {
			t.Errorf("the first tokens share customer %s", c.ID)
		}
		seen[c.ID] = true
	}
	// The customer of token 0 is customer number 0, and token customers-1 the last one.
	c0, err := st.CustomerByExternalID(ctx, org.ID, ExternalID(0))
	if err != nil {
		t.Fatalf("CustomerByExternalID(%s): %v", ExternalID(0), err)
	}
	if s, _, _ := st.SessionByHash(ctx, hasher.Hashes(tokens[0])); s == nil || s.CustomerID != c0.ID || *c0.Email != Email(0) || *c0.Name != Name(0) {
		t.Errorf("token 0 belongs to %v, want customer 0 %s (%s, %s)", s, c0.ID, Email(0), Name(0))
	}
	if a := c0.BillingAddress; a == nil || a.City == nil || *a.City != "Cupertino" || a.State == nil || *a.State != "US-CA" || c0.Locale == nil || *c0.Locale != "en" {
		t.Errorf("customer 0 billing address %+v, locale %v; want Cupertino, US-CA, en", a, c0.Locale)
	}
	if c1, err := st.CustomerByExternalID(ctx, org.ID, ExternalID(1)); err != nil || c1.TaxID == nil || *c1.TaxID != (gatehouse.TaxID{Number: "FR61954506077", Format: "eu_vat"}) || c1.BillingName == nil || *c1.BillingName != Name(1) {
		t.Errorf("customer 1 = %+v, %v; want tax ID FR61954506077 eu_vat and billing name %s", c1, err, Name(1))
	}
	if c, err := st.CustomerByEmail(ctx, org.ID, strings.ToUpper(Email(customers-1))); err != nil || *c.ExternalID != ExternalID(customers-1) {
		t.Errorf("CustomerByEmail(upper-case %s) = %v, %v; want customer %s", Email(customers-1), c, err, ExternalID(customers-1))
	}

	// The list filters see the seeded rows: a last-name query matches one
	// customer in len(lastNames), and another organization sees nothing.
	limit := gatehouse.Page{Page: 1, Limit: 100}
	_, total, err := st.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Page: limit})
	if err != nil || total != customers {
		t.Fatalf("ListCustomers total = %d, %v; want %d", total, err, customers)
	}
	want := countMatching(0, customers, "lovelace")
	if _, total, err := st.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: "Lovelace", Page: limit}); err != nil || total != want {
		t.Errorf("ListCustomers(query=Lovelace) total = %d, %v; want %d", total, err, want)
	}
	if _, total, err := st.ListCustomers(ctx, other.ID, gatehouse.CustomerFilter{Page: limit}); err != nil || total != 0 {
		t.Errorf("other org ListCustomers total = %d, %v; want 0", total, err)
	}
	_, total, err = st.ListSessions(ctx, org.ID, gatehouse.SessionFilter{Now: now, Page: limit})
	if err != nil || total != sessions {
		t.Errorf("ListSessions total = %d, %v; want %d", total, err, sessions)
	}

	// Seeding again continues the numbering instead of colliding, and
	// sessions alone go to the existing customers.
	stats, err = Run(ctx, st.DB(), st.Dialect(), Options{OrgID: org.ID, Customers: 10, Hasher: hasher})
	if err != nil || stats.FirstCustomer != customers {
		t.Fatalf("second Seed = %+v, %v; want first customer %d", stats, err, customers)
	}
	var more bytes.Buffer
	if err := Seed(ctx, st.DB(), st.Dialect(), Options{OrgID: org.ID, Sessions: 5, Hasher: hasher, TokensOut: &more, TokensToWrite: 5}); err != nil {
		t.Fatalf("sessions-only Seed: %v", err)
	}
	sc := bufio.NewScanner(&more)
	for sc.Scan() {
		if _, _, err := st.SessionByHash(ctx, hasher.Hashes(sc.Text())); err != nil {
			t.Errorf("sessions-only token: %v", err)
		}
	}
}

func countMatching(from, to int, q string) int {
	n := 0
	for i := from; i < to; i++ {
		if strings.Contains(strings.ToLower(Name(i)), q) || strings.Contains(Email(i), q) {
			n++
		}
	}
	return n
}

func TestSeedRejects(t *testing.T) {
	st := mustStore(t, DialectSQLite)
	ctx := context.Background()
	h := token.NewHasher("x")
	for name, tc := range map[string]struct {
		dialect string
		opts    Options
	}{
		"unknown dialect":  {"mysql", Options{OrgID: "x"}},
		"no org":           {DialectSQLite, Options{Customers: 1}},
		"missing org":      {DialectSQLite, Options{OrgID: "00000000-0000-4000-8000-000000000000", Customers: 1}},
		"no hasher":        {DialectSQLite, Options{OrgID: "x", Sessions: 1}},
		"tokens, no out":   {DialectSQLite, Options{OrgID: "x", Sessions: 1, Hasher: h, TokensToWrite: 1}},
		"negative":         {DialectSQLite, Options{OrgID: "x", Customers: -1}},
		"sessions, nobody": {DialectSQLite, Options{OrgID: mustOrg(t, st, "empty").ID, Sessions: 1, Hasher: h}},
	} {
		if err := Seed(ctx, st.DB(), tc.dialect, tc.opts); err == nil {
			t.Errorf("%s: Seed(%+v) = nil, want an error", name, tc.opts)
		}
	}
}

func TestNamesDistinct(t *testing.T) {
	seen := map[string]int{}
	for i := range 5000 {
		if j, ok := seen[Email(i)]; ok {
			t.Fatalf("Email(%d) = Email(%d) = %s", i, j, Email(i))
		}
		seen[Email(i)] = i
	}
	if got := fmt.Sprint(ExternalID(42)); got != "seed-0000042" {
		t.Errorf("ExternalID(42) = %q, want seed-0000042", got)
	}
}

// BenchmarkSeedSessions measures bulk session inserts on SQLite, per session.
func BenchmarkSeedSessions(b *testing.B) {
	ctx := context.Background()
	st := mustStore(b, DialectSQLite)
	org := mustOrg(b, st, "bench")
	h := token.NewHasher("bench")
	if err := Seed(ctx, st.DB(), st.Dialect(), Options{OrgID: org.ID, Customers: 10000, Hasher: h}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := Seed(ctx, st.DB(), st.Dialect(), Options{OrgID: org.ID, Sessions: b.N, Hasher: h}); err != nil {
		b.Fatal(err)
	}
}
