package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// searchIDs lists the IDs of the customers matching query.
func searchIDs(t *testing.T, s gatehouse.Store, orgID, query string) []string {
	t.Helper()
	list, total, err := s.ListCustomers(ctx, orgID, gatehouse.CustomerFilter{Query: query, Page: gatehouse.Page{Page: 1, Limit: 100}})
	if err != nil {
		t.Fatalf("ListCustomers(query %q): %v", query, err)
	}
	ids := []string{}
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if total != len(ids) {
		t.Fatalf("query %q: total %d, %d rows", query, total, len(ids))
	}
	return ids
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

// TestSearchIndex checks that the trigram index follows every write (insert,
// update of each searched column, soft delete, re-creation) and that
// migration 0002 indexes the customers of a database created before it.
func TestSearchIndex(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := sqlstoretest.Open(t, dsn, sqlstore.Options{})
		org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
		if err := s.CreateOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		str := func(v string) *string { return &v }
		c := &gatehouse.Customer{ID: "c1", OrganizationID: org.ID, Email: str("Grace@Navy.example"), Name: str("Grace Hopper"),
			ExternalID: str("EXT-Cobol"), Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0}
		if err := s.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "name after insert", searchIDs(t, s, org.ID, "HOPPER"), "c1")
		wantIDs(t, "email after insert", searchIDs(t, s, org.ID, "navy.ex"), "c1")
		wantIDs(t, "external id prefix", searchIDs(t, s, org.ID, "ext-cob"), "c1")
		wantIDs(t, "external id not prefix", searchIDs(t, s, org.ID, "cobol"))

		c.Name, c.BillingName, c.ExternalID = str("Grace Brewster"), str("Murray Billing"), str("EXT-Flow")
		if err := s.UpdateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "old name after update", searchIDs(t, s, org.ID, "hopper"))
		wantIDs(t, "new name after update", searchIDs(t, s, org.ID, "brewster"), "c1")
		wantIDs(t, "billing name after update", searchIDs(t, s, org.ID, "murray"), "c1")
		wantIDs(t, "new external id after update", searchIDs(t, s, org.ID, "ext-flo"), "c1")

		// Before migration 0002: drop the index, forget the migration, migrate again.
		undo := []string{`DROP TABLE customers_search`, `DELETE FROM schema_migrations WHERE version = 2`}
		if s.Dialect() == "postgres" {
			undo[0] = `DROP INDEX customers_search_trgm`
		}
		for _, q := range undo {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if s.Dialect() == "sqlite" {
			for _, trg := range []string{"insert", "update", "delete"} {
				if _, err := s.DB().ExecContext(ctx, `DROP TRIGGER customers_search_`+trg); err != nil {
					t.Fatal(err)
				}
			}
		}
		d := &gatehouse.Customer{ID: "c2", OrganizationID: org.ID, Email: str("ada@lovelace.example"), Name: str("Ada Lovelace"),
			Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0.Add(time.Second)}
		if err := s.CreateCustomer(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate an existing database: %v", err)
		}
		if cur, latest, err := s.SchemaVersion(ctx); err != nil || cur != latest {
			t.Fatalf("schema version: %d of %d, %v", cur, latest, err)
		}
		wantIDs(t, "customer created before the migration", searchIDs(t, s, org.ID, "lovelace"), "c2")
		wantIDs(t, "common substring, newest first", searchIDs(t, s, org.ID, "race"), "c1")
		wantIDs(t, "both", searchIDs(t, s, org.ID, ".example"), "c2", "c1")

		now := storetest.T0.Add(2 * time.Second)
		d.DeletedAt = &now
		if err := s.UpdateCustomer(ctx, d); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "deleted customer", searchIDs(t, s, org.ID, "lovelace"))
		e := &gatehouse.Customer{ID: "c3", OrganizationID: org.ID, Email: str("ada@lovelace.example"), Name: str("Ada Again"),
			Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0.Add(3 * time.Second)}
		if err := s.CreateCustomer(ctx, e); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "email reused after delete", searchIDs(t, s, org.ID, "lovelace"), "c3")
	})
}
