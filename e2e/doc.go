// Package e2e holds Gatehouse's end-to-end tests. They build the real
// gatehouse binary once, start it as a separate process on SQLite and on
// PostgreSQL, administer it with its own CLI, and drive its HTTP API only
// through the public client package (and, in TestOfficialSDKs, through
// Polar's official TypeScript SDKs in ../compat).
//
// Run them with "go test ./e2e/". Set GATEHOUSE_BIN to test a prebuilt
// binary instead of building one.
package e2e
