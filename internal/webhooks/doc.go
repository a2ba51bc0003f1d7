// Package webhooks sends Gatehouse's webhooks: the endpoint rules, the
// sender on the durable job engine, signing and SSRF-safe delivery. The
// engine runs Gatehouse's other durable job too, the login-code mail
// (logincode.go), on the same River client and a queue of its own.
//
// # The sender
//
// Engine queues one River job per event in the transaction that writes
// the event (EnqueueTx, gatehouse.WebhookQueue), so a job exists if and
// only if its change committed. A worker attempts the event: the store's
// BeginWebhookAttempt decides whether it may go now (per endpoint and
// customer, in commit order), a disabled or deleted endpoint skips it,
// else it is POSTed, signed, and FinishWebhookAttempt records the
// delivery. A failure that is not the event's WebhookMaxAttempts-th
// delivery returns an error, and River retries it on Polar's schedule
// (retry.go). Deliveries are at least once: an instance that dies after
// the receiver answered and before the delivery row committed sends it
// again, with the same webhook-id.
//
// # River, as read in its v0.51.2 source
//
//   - Drivers. River is generic over the transaction type; both drivers
//     used here take a *sql.DB and give river.Client[*sql.Tx], the store's
//     own transaction type. riversqlite speaks plain database/sql and
//     names no SQLite driver: it works on modernc.org/sqlite ("sqlite"),
//     which the tests here run (TestMigrate, the engine tests on a SQLite
//     file). It asks for a one-connection pool to avoid SQLITE_BUSY; the
//     store's writer pool is exactly that (with IMMEDIATE transactions),
//     and River shares it with the store's writes. PostgreSQL goes through
//     riverdatabasesql on the pgx stdlib pool.
//   - Wake-up. riversqlite has a listener of its own (an outbox table,
//     river_notification, polled every 50 ms). riverdatabasesql.New has no
//     listener (LISTEN needs a pgx pool: NewWithPgxListener), so River runs
//     "poll only" on PostgreSQL, and a job inserted in a transaction is
//     found at the next fetch poll. FetchPollInterval is therefore 50 ms
//     (FetchCooldown 10 ms): the commit-to-pickup delay is at most 50 ms
//     plus one fetch, inside the 250 ms commit-to-first-byte p99 target,
//     at the price of one cheap fetch query per instance every 50 ms.
//   - Retries. A failed job's next run is the ClientRetryPolicy's time;
//     one due within the scheduler's 5 s interval is made available at
//     once, a later one is moved back by the leader's scheduler (every
//     5 s, looking 5 s ahead), so a retry is never early and at most a few
//     seconds late. JobSnooze does not count as an attempt (River
//     decrements the attempt it had counted); the ordering wait does not
//     use it: BeginWebhookAttempt marks the event waiting and the job
//     ends, and the earlier event's finish enqueues it again.
//   - MaxAttempts is riverMaxAttempts (25), above WebhookMaxAttempts, so
//     our delivery count ends an event (the worker returns nil on the
//     last delivery); River's count also grows on attempts that never
//     reached a receiver (a store error, a rescue).
//   - A killed instance. Its jobs stay "running". The leader's rescuer
//     runs every 30 s (and once when it becomes leader) and makes a job
//     running for longer than RescueStuckJobsAfter (Config.RescueAfter,
//     1 min by default) retryable at the retry policy's time (or discards
//     it past MaxAttempts). JobTimeout (30 s, or half of a shorter
//     RescueAfter) cancels an attempt's context in a live instance first;
//     River refuses a rescue delay shorter than the job timeout. So a
//     dead instance's attempt is retried by another about 1-1.5 min (plus
//     the backoff) after it began; with a RescueAfter of a few seconds, at
//     the rescuer's next run (at most 30 s, or the new leader's election).
//   - Exactly one attempt at a time. Every instance fetches jobs (fetching
//     is not leader work); a fetch claims rows by setting them running in
//     one statement (FOR UPDATE SKIP LOCKED on PostgreSQL, the single
//     writer on SQLite), so a job is worked by one instance; only a rescue
//     (above) hands a job that is still running to another, which is why
//     it waits longer than the job timeout.
//   - Leader election (river_leader row with a TTL) picks the instance that
//     runs maintenance: scheduling, rescue, cleanup and periodic jobs (the
//     daily archive). Electors retry every 5 s (+ up to 1 s jitter) and a
//     leader's TTL is 15 s. On SQLite (listener) a resignation is heard at
//     once; on PostgreSQL poll-only a new leader takes up to 5 s after a
//     resignation, up to the TTL after a crash. Deliveries do not wait for
//     a leader except retries due later than 5 s, which wait for one.
//   - Migrations. rivermigrate applies River's schema (river_job,
//     river_leader, ...) in the current schema; it takes no lock, so
//     Migrate holds a PostgreSQL advisory lock around it. Completed jobs
//     are deleted after 10 minutes (the delivery rows are the history).
package webhooks
