package main

import "runtime/debug"

// Garbage-collector settings for serve, unless GOGC or GOMEMLIMIT say
// otherwise. The token check allocates little but often; collecting at
// 3x the live heap instead of 2x cuts the collector's share of the CPU
// without letting the heap swing far (the soak holds RSS within 10%),
// and the soft memory limit keeps the process under the 150 MB it is held
// to at a million stored sessions: the first full bench at 128 MiB peaked at
// 161 MB resident (Go heap plus SQLite's page caches and the runtime's own).
const (
	serveGCPercent   = 200
	serveMemoryLimit = 100 << 20
)

// tuneGC applies the serve settings the environment does not override.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
