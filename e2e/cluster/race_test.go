//go:build race

package cluster

// raceEnabled makes TestMain build the server binary with -race too, so the
// race detector watches every instance under the multi-instance load.
const raceEnabled = true
