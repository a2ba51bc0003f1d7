package reliability

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the dump reads PostgreSQL directly
)

// windowLen is the length of the token fragment the dump scan looks for:
// long enough that a hex digest cannot match it by chance.
const windowLen = 16

// mustNoRawTokens dumps every table of the database (every column of every
// row, as text) and fails if any raw token, or any 16-character fragment of
// one's random part, appears. dsn is "sqlite:PATH" or a PostgreSQL URL.
func mustNoRawTokens(t *testing.T, dsn string, tokens []string) {
	t.Helper()
	frags := map[string]bool{}
	for _, tok := range tokens {
		body := tok[strings.LastIndexByte(tok, '_')+1:]
		for i := 0; i+windowLen <= len(body); i += windowLen {
			frags[body[i:i+windowLen]] = true
		}
	}
	db, tables := openDump(t, dsn)
	defer db.Close()
	var rows, cells, chars int
	for _, table := range tables {
		r, c, n, found := scanTable(t, db, table, frags)
		rows, cells, chars = rows+r, cells+c, chars+n
		if found != "" {
			t.Errorf("table %s holds a raw token fragment (…%s…): tokens must be stored as HMAC digests only", table, found[:4])
		}
	}
	if rows == 0 {
		t.Fatalf("database dump found no rows in %v: nothing was checked", tables)
	}
	t.Logf("database dump: %d tables, %d rows, %d cells, %d characters scanned for %d tokens: none found",
		len(tables), rows, cells, chars, len(tokens))
}

func openDump(t *testing.T, dsn string) (*sql.DB, []string) {
	t.Helper()
	driver, src, q := "pgx", dsn,
		`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if strings.HasPrefix(dsn, "sqlite:") {
		driver, src, q = "sqlite", strings.TrimPrefix(dsn, "sqlite:"), `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rs.Close()
	var tables []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if len(tables) == 0 {
		t.Fatal("list tables: none")
	}
	return db, tables
}

// scanTable reads every cell of table as text and returns the first token
// fragment found in it, if any.
func scanTable(t *testing.T, db *sql.DB, table string, frags map[string]bool) (rows, cells, chars int, found string) {
	t.Helper()
	rs, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		rows++
		for _, v := range vals {
			var s string
			switch x := v.(type) {
			case nil:
				continue
			case []byte:
				s = string(x)
			case string:
				s = x
			default:
				s = fmt.Sprint(x)
			}
			cells++
			chars += len(s)
			for i := 0; i+windowLen <= len(s); i++ {
				if frags[s[i:i+windowLen]] {
					found = s[i : i+windowLen]
				}
			}
		}
	}
	return rows, cells, chars, found
}
