package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSQLiteCacheSizes: readers get a 512 KiB page cache, the writer keeps
// SQLite's default, and a cache_size in the DSN wins for both.
func TestSQLiteCacheSizes(t *testing.T) {
	for _, tc := range []struct {
		query          string
		reader, writer int
	}{
		{"", -sqliteReaderCacheKiB, -2000},
		{"?_pragma=cache_size(-8000)", -8000, -8000},
		{"?_pragma=foreign_keys(1)&_pragma=CACHE_SIZE%20(100)", 100, 100},
	} {
		s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "c.db")+tc.query, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var r, w int
		errR := s.r.QueryRow("PRAGMA cache_size").Scan(&r)
		errW := s.w.QueryRow("PRAGMA cache_size").Scan(&w)
		s.Close()
		if errR != nil || errW != nil || r != tc.reader || w != tc.writer {
			t.Errorf("%q: cache_size reader %d (%v), writer %d (%v); want %d, %d", tc.query, r, errR, w, errW, tc.reader, tc.writer)
		}
	}
}
