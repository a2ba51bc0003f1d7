package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		d        dialect
		in, want string
	}{
		{dialectPostgres, "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{dialectPostgres, "no params", "no params"},
		{dialectSQLite, "a = ?", "a = ?"},
	} {
		if got := tc.d.rebind(tc.in); got != tc.want {
			t.Fatalf("rebind(%q) on %s: got %q, want %q", tc.in, tc.d, got, tc.want)
		}
	}
}

func TestEscapeLike(t *testing.T) {
	if got, want := escapeLike(`50%_off\`), `50\%\_off\\`; got != want {
		t.Fatalf("escapeLike: got %q, want %q", got, want)
	}
}

// TestUniqueViolation provokes real unique violations on both backends and
// checks they are classified by driver code, and that a violation that
// raced past the pre-check becomes the same EConflict.
func TestUniqueViolation(t *testing.T) {
	for _, dsn := range []func(testing.TB) string{storetest.SQLiteDSN, storetest.PostgresDSN} {
		ctx := context.Background()
		s := openMigrated(t, dsn(t), Options{})
		org := &gatehouse.Organization{Name: "x", Slug: "x", CreatedAt: time.Now()}
		if err := s.CreateOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		email, ext := "u@example.com", "ext-1"
		c := &gatehouse.Customer{OrganizationID: org.ID, Email: &email, ExternalID: &ext, Type: "individual", CreatedAt: time.Now()}
		if err := s.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		// Bypass the pre-check, as a concurrent transaction would.
		_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO customers (id, organization_id, created_at, email, email_lower, type)
			VALUES (?, ?, 0, ?, ?, 'individual')`), "dup", org.ID, "U@example.com", "u@example.com")
		constraint, ok := uniqueViolation(err)
		if !ok {
			t.Fatalf("%s: duplicate email insert: got %v, want a unique violation", s.Dialect(), err)
		}
		if s.dialect == dialectPostgres && constraint != "customers_email_key" {
			t.Fatalf("postgres constraint: got %q, want customers_email_key", constraint)
		}
		other := *c
		other.ID = "other"
		got := s.uniqueErr(ctx, err, &other, "create")
		var ge *gatehouse.Error
		if !errors.As(got, &ge) || ge.Code != gatehouse.EConflict || len(ge.Fields) != 2 {
			t.Fatalf("%s: raced violation: got %v, want EConflict with 2 fields", s.Dialect(), got)
		}
		if _, ok := uniqueViolation(errors.New("UNIQUE constraint failed")); ok {
			t.Fatal("a message that merely looks like a violation was classified as one")
		}
	}
}
