package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// TestListBodiesOnlyWithSharingStore: the list-body cache is kept only when
// the store says its listed customers are shared; cmd passes the same
// ListBodies whatever the store.
func TestListBodiesOnlyWithSharingStore(t *testing.T) {
	e := newEnv(t) // SQLite with the customer search: shared
	if srv := e.newServer(func(c *Config) { c.ListBodies = DefaultListBodies }); srv.bodies == nil {
		t.Error("sharing store, ListBodies set: no cache, want one")
	}
	if srv := e.newServer(nil); srv.bodies != nil {
		t.Error("ListBodies 0: a cache, want none")
	}
	st, err := sqlstore.Open(context.Background(), storetest.SQLiteDSN(t), sqlstore.Options{SearchIndex: sqlstore.SearchIndexOff})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	off := *e
	off.store = st
	if srv := off.newServer(func(c *Config) { c.ListBodies = DefaultListBodies }); srv.bodies != nil {
		t.Error("store without shared lists, ListBodies set: a cache, want none")
	}
}

// TestNewRequiresDependencies: a Config without its store, secret, login
// or customers service is an error naming the field, not a server that fails later.
func TestNewRequiresDependencies(t *testing.T) {
	e := newEnv(t)
	full := Config{Store: e.store, Customers: e.srv.customers, Webhooks: e.srv.webhooks, Hasher: e.hasher, Login: e.srv.login}
	for field, edit := range map[string]func(*Config){
		"Store":     func(c *Config) { c.Store = nil },
		"Hasher":    func(c *Config) { c.Hasher = nil },
		"Login":     func(c *Config) { c.Login = nil },
		"Customers": func(c *Config) { c.Customers = nil },
		"Webhooks":  func(c *Config) { c.Webhooks = nil },
	} {
		cfg := full
		edit(&cfg)
		if srv, err := New(cfg); err == nil || srv != nil || !strings.Contains(err.Error(), field+" is required") {
			t.Errorf("New without %s: got %v, %v; want an error saying %s is required", field, srv, err, field)
		}
	}
}
