//go:build !race

package e2etest

// RaceEnabled reports whether the tests run under the race detector.
const RaceEnabled = false
