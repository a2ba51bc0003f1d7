package usage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type nopToucher struct{}

func (nopToucher) TouchSession(context.Context, string, time.Time, string, string) error { return nil }

func TestPruneKeepsOnlyTheLastMinute(t *testing.T) {
	r := New(nopToucher{}, Options{Interval: time.Hour})
	defer r.Close(context.Background())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		r.Record(fmt.Sprintf("old-%d", i), t0, "ip", "ua")
	}
	r.Record("fresh", t0.Add(90*time.Second), "ip", "ua")
	r.prune()
	r.mu.Lock()
	n := len(r.last)
	_, fresh := r.last["fresh"]
	r.mu.Unlock()
	if n != 1 || !fresh {
		t.Fatalf("after prune the throttle holds %d sessions (fresh kept: %v), want only the fresh one", n, fresh)
	}
	// A pruned session is due again; the fresh one is still throttled.
	if !r.Due("old-1", t0.Add(90*time.Second)) || r.Due("fresh", t0.Add(100*time.Second)) {
		t.Error("throttle decisions changed by pruning")
	}
}
