//go:build race

package e2etest

// RaceEnabled reports whether the tests run under the race detector; the
// e2e packages then build the server binary with -race too, so the detector
// watches the server under the end-to-end load.
const RaceEnabled = true
