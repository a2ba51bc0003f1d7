// Package e2e holds Gatehouse's end-to-end tests. They build the real
// gatehouse binary once, start it as a separate process on SQLite and on
// PostgreSQL, administer it with its own CLI, and drive its HTTP API only
// through the public client package (and, in TestOfficialSDKs, through
// Polar's official TypeScript SDKs in ../compat). The webhook tests
// receive the binary's deliveries on real HTTP servers on loopback, hand
// them to those SDKs too (../compat/webhook-deliveries.mjs), and read the
// webhook_events table once, for the skipped flag that no API shows.
//
// Run them with "go test ./e2e/". Set GATEHOUSE_BIN to test a prebuilt
// binary instead of building one.
package e2e
