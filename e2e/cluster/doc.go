// Package cluster holds Gatehouse's multi-instance tests: several real
// "gatehouse serve" processes on one PostgreSQL database, driven through the
// public client. They prove what issue 3 promises of a deployment behind a
// load balancer: state shared at once between instances, uniqueness under
// concurrent creates on different instances, an advisory-locked migrate, a
// refusal to serve a schema that is behind, no 500 and no lost acknowledged
// write while the database goes away and comes back, and byte-identical
// answers on SQLite and PostgreSQL.
//
// The package has only tests. TestMain builds the binary once (with -race
// when the tests run under the race detector); GATEHOUSE_BIN points them at
// a prebuilt one instead. Every test gets its own PostgreSQL schema from
// storetest.PostgresDSN, so they skip without PostgreSQL on a laptop and fail
// without it in CI.
//
// TestWebhooksInstanceKilledMidDelivery kills one of two instances while
// its webhook deliveries are held by the receiver and waits for the
// survivor to deliver everything (--webhook-rescue-after 2s; up to about
// 30 s for River's rescuer to run); -short skips it.
//
// TestDatabaseOutage takes the database away in several ways: it
// terminates the instances' backends (pg_terminate_backend, selected by an
// application_name unique to the test), or puts a TCP proxy of its own
// between the instances and PostgreSQL that refuses connections or, for a
// network partition, forwards nothing. Only the instances of that test are
// affected.
//
// Environment:
//
//	GATEHOUSE_BIN=path                    use this binary instead of building one
//	GATEHOUSE_TEST_PG_RESTART=1           also stop and start the whole PostgreSQL
//	                                      cluster in TestDatabaseOutage (affects
//	                                      every other test using it at the time)
//	GATEHOUSE_TEST_BUG_PARTITION_HANG=1   run the network-partition variant, which
//	                                      fails until requests on an open pool
//	                                      connection get a client-side deadline
package cluster
