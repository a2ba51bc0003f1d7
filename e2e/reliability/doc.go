// Package reliability holds Gatehouse's reliability and security proofs,
// run against the real binary (built once by TestMain) on SQLite and on
// PostgreSQL: crash consistency under SIGKILL (of the data and of the
// webhook events it reports), graceful shutdown, slow and
// hostile clients, an authorization matrix generated from the route table,
// secret-leak scans of every log and of the database, and a soak.
//
// Run everything (about four minutes, PostgreSQL at 127.0.0.1:5432):
//
//	go test ./e2e/reliability/
//
// The soak runs 60 s per backend by default; the full five-minute soak is
//
//	SOAK_DURATION=5m go test -run TestSoak -timeout 30m ./e2e/reliability/
//
// -short skips the crash, webhook crash, slow-loris and soak tests.
package reliability
