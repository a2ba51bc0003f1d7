package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
)

func TestWithSQLiteCacheSize(t *testing.T) {
	for _, tc := range []struct {
		dsn, want string
		sized     bool
	}{
		{"sqlite:g.db", "sqlite:g.db?_pragma=cache_size%28-512%29", true},
		{"sqlite:g.db?_txlock=deferred", "sqlite:g.db?_txlock=deferred&_pragma=cache_size%28-512%29", true},
		{"sqlite:g.db?_pragma=foreign_keys(1)", "sqlite:g.db?_pragma=foreign_keys(1)&_pragma=cache_size%28-512%29", true},
		{"sqlite:g.db?_pragma=cache_size(-8000)", "sqlite:g.db?_pragma=cache_size(-8000)", false},
		{"sqlite:g.db?_pragma=CACHE_SIZE%20(100)", "sqlite:g.db?_pragma=CACHE_SIZE%20(100)", false},
	} {
		got, sized := withSQLiteCacheSize(tc.dsn)
		if got != tc.want || sized != tc.sized {
			t.Errorf("withSQLiteCacheSize(%q) = %q, %v; want %q, %v", tc.dsn, got, sized, tc.want, tc.sized)
		}
	}
}

// The writer keeps SQLite's default cache; an operator's cache_size wins.
func TestOpenSQLiteWriterCacheSize(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", -sqliteWriterCacheKiB},
		{"?_pragma=cache_size(-8000)", -8000},
	} {
		d := &dbFlags{dsn: "sqlite:" + filepath.Join(t.TempDir(), "c.db") + tc.query}
		st, err := d.open(context.Background(), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		err = st.DB().QueryRow("PRAGMA cache_size").Scan(&got)
		st.Close()
		if err != nil || got != tc.want {
			t.Errorf("%q: writer cache_size = %d (%v), want %d", tc.query, got, err, tc.want)
		}
	}
}
