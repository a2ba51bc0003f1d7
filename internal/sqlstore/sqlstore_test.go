package sqlstore_test

import (
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		return sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	})
}

// TestSQLiteWithoutSearch runs the suite with the in-memory customer
// search off: every list through SQL (the path lists with a metadata filter
// and organizations too large for the index take).
func TestSQLiteWithoutSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		return sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{SearchIndex: sqlstore.SearchIndexOff})
	})
}

func TestPostgres(t *testing.T) {
	storetest.PostgresDSN(t) // skips (or fails in CI) once, up front
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		return sqlstoretest.Open(t, storetest.PostgresDSN(t), sqlstore.Options{})
	})
}

// TestSharesListedCustomers: only the SQLite customer search hands the same
// customers to several lists, and the store says so.
func TestSharesListedCustomers(t *testing.T) {
	if !sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{}).SharesListedCustomers() {
		t.Error("SQLite with the customer search: SharesListedCustomers false, want true")
	}
	if sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{SearchIndex: sqlstore.SearchIndexOff}).SharesListedCustomers() {
		t.Error("SQLite without the customer search: SharesListedCustomers true, want false")
	}
	if sqlstoretest.Open(t, storetest.PostgresDSN(t), sqlstore.Options{}).SharesListedCustomers() {
		t.Error("PostgreSQL: SharesListedCustomers true, want false")
	}
}
