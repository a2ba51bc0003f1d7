package main

import (
	"database/sql"
	"fmt"
	"runtime/debug"

	_ "modernc.org/sqlite" // the driver Gatehouse uses, to ask it its version
)

// sqliteVersion describes the SQLite library linked into Gatehouse: the
// same modernc.org/sqlite module this program is built with (one go.mod).
func sqliteVersion() string {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return "unknown"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		return "unknown"
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "modernc.org/sqlite" {
				return fmt.Sprintf("%s (modernc.org/sqlite %s, pure Go)", v, m.Version)
			}
		}
	}
	return v
}
