//go:build race

package e2e

// raceEnabled makes TestMain build the server binary with -race too, so the
// race detector watches the server under the end-to-end load.
const raceEnabled = true
