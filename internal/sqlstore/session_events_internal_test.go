package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestSessionSubsCache(t *testing.T) {
	var c sessionSubs
	t0 := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	if _, ok, _ := c.get("org", t0); ok {
		t.Fatal("empty cache: got an answer")
	}
	_, _, gen := c.get("org", t0)
	c.put("org", true, t0, gen)
	if sub, ok, _ := c.get("org", t0.Add(sessionSubsTTL-time.Millisecond)); !ok || !sub {
		t.Fatalf("within the TTL: got (%v, %v), want (true, true)", sub, ok)
	}
	if _, ok, _ := c.get("org", t0.Add(sessionSubsTTL)); ok {
		t.Fatal("at the TTL: got a cached answer, want a fresh read")
	}
	if _, ok, _ := c.get("org", t0.Add(-time.Second)); ok {
		t.Fatal("clock stepped back: got a cached answer, want a fresh read")
	}

	// A read that began before an endpoint write (forget) must not store
	// what it read: it may predate the write.
	_, _, gen = c.get("other", t0)
	c.forget("other")
	c.put("other", false, t0, gen)
	if _, ok, _ := c.get("other", t0); ok {
		t.Fatal("answer read before forget was stored")
	}
	c.forget("org")
	if _, ok, _ := c.get("org", t0); ok {
		t.Fatal("forget kept the organization's answer")
	}
}

// BenchmarkSessionEventsWanted is what a session create of an organization
// without session endpoints adds to the hot path: a cached answer.
func BenchmarkSessionEventsWanted(b *testing.B) {
	t0 := time.Now()
	s := &Store{now: func() time.Time { return t0 }} // the answer stays fresh however long the run
	_, _, gen := s.sessionSubs.get("org", t0)
	s.sessionSubs.put("org", false, t0, gen)
	events := []gatehouse.SessionEvent{func(*gatehouse.Session) (gatehouse.Event, error) { return gatehouse.Event{}, nil }}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if sub, err := s.sessionEventsWanted(context.Background(), "org", events); sub || err != nil {
				b.Fatalf("got (%v, %v), want a cached false", sub, err)
			}
		}
	})
}
