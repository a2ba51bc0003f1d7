package apitype

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendTime compares the hand formatter with time.Time.AppendFormat
// over random instants (in several zones, with and without microseconds)
// and the edges of the hand-formatted years.
func TestAppendTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("x", -7*3600-1800), time.FixedZone("y", 14*3600)}
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 8, 22, 10, 0, 0, 100000, time.UTC),
		time.Date(2026, 8, 22, 10, 0, 0, 999, time.UTC),
	}
	for range 20000 {
		ns := rng.Int64N(int64(250*365*24*time.Hour)) - int64(50*365*24*time.Hour)
		tm := time.Unix(0, 0).Add(time.Duration(ns))
		switch rng.IntN(3) {
		case 0:
			tm = tm.Truncate(time.Second)
		case 1:
			tm = tm.Truncate(time.Millisecond)
		}
		times = append(times, tm.In(zones[rng.IntN(len(zones))]))
	}
	for _, tm := range times {
		want := tm.UTC().Format(TimeFormat)
		if got := string(AppendTime(nil, tm)); got != want {
			t.Fatalf("AppendTime(%v) = %q, want %q", tm, got, want)
		}
		if got := FormatTime(tm); got != want {
			t.Fatalf("FormatTime(%v) = %q, want %q", tm, got, want)
		}
		if b, _ := NewTime(tm).MarshalJSON(); string(b) != `"`+want+`"` {
			t.Fatalf("Time(%v).MarshalJSON = %s, want %q", tm, b, want)
		}
	}
}
