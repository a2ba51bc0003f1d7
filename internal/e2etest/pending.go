package e2etest

import (
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PendingWebhookEvents reads PostgreSQL
	_ "modernc.org/sqlite"             // and SQLite files
)

// PendingWebhookEvents returns how many webhook events of d's database are
// not finished (neither succeeded, failed for good nor skipped), read
// straight from the database: the sender's queue is drained at 0.
func (d *Deployment) PendingWebhookEvents() (int, error) {
	driver, src := "pgx", d.DSN
	if f := d.SQLiteFile(); f != "" {
		driver, src = "sqlite", "file:"+f+"?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", driver, err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM webhook_events WHERE succeeded IS NULL AND NOT skipped`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending webhook events: %w", err)
	}
	return n, nil
}

// WaitWebhooksDrained polls PendingWebhookEvents until it is 0 or timeout
// passes; it returns how long that took, or an error with the last count.
func (d *Deployment) WaitWebhooksDrained(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		n, err := d.PendingWebhookEvents()
		if err == nil && n == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			if err == nil {
				err = fmt.Errorf("%d webhook events still pending", n)
			}
			return time.Since(start), fmt.Errorf("after %s: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
