package webhooks

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

func TestBackoffPolarSchedule(t *testing.T) {
	// Polar's delays after failure n: 2-4 s, 4-8 s, ... 8.5-17 min
	// (polar-webhooks-members §1.7); the cap (20 min) is first reached at
	// n = 10, which Polar never retries.
	for _, tc := range []struct {
		n        int
		lo, high time.Duration
	}{
		{1, 2 * time.Second, 4 * time.Second},
		{2, 4 * time.Second, 8 * time.Second},
		{5, 32 * time.Second, 64 * time.Second},
		{7, 128 * time.Second, 256 * time.Second},
		{9, 512 * time.Second, 1024 * time.Second},
		{10, 10 * time.Minute, 20 * time.Minute},
		{30, 10 * time.Minute, 20 * time.Minute},
	} {
		if got := backoff(DefaultRetryBase, tc.n, 0); got != tc.lo {
			t.Errorf("backoff(n=%d, u=0) = %v, want %v", tc.n, got, tc.lo)
		}
		if got := backoff(DefaultRetryBase, tc.n, 0.999999999); got < tc.high-time.Millisecond || got > tc.high {
			t.Errorf("backoff(n=%d, u→1) = %v, want just under %v", tc.n, got, tc.high)
		}
	}
	total := time.Duration(0)
	for n := 1; n < 10; n++ {
		total += backoff(DefaultRetryBase, n, 0)
	}
	if total < 17*time.Minute || total > 17*time.Minute+10*time.Second {
		t.Errorf("shortest schedule over 9 retries = %v, want about 17 min", total)
	}
}

func TestBackoffScaled(t *testing.T) {
	if got := backoff(time.Millisecond, 1, 0.5); got != 1500*time.Microsecond {
		t.Errorf("backoff(1ms, 1, 0.5) = %v, want 1.5ms", got)
	}
	if got := backoff(time.Millisecond, 40, 0); got != 300*time.Millisecond {
		t.Errorf("backoff(1ms, 40, 0) = %v, want the scaled cap's half, 300ms", got)
	}
}

func TestRetryPolicyNextRetry(t *testing.T) {
	p := retryPolicy{base: DefaultRetryBase}
	for range 100 {
		before := time.Now()
		got := p.NextRetry(&rivertype.JobRow{Attempt: 1})
		if d := got.Sub(before); d < 2*time.Second || d > 4*time.Second+50*time.Millisecond {
			t.Fatalf("NextRetry after attempt 1 in %v, want 2-4 s", d)
		}
	}
}
