package webhooks

import (
	"testing"
	"time"
)

// TestJobTimeout: an attempt is cancelled at half the rescue delay at
// most, so a live instance never still works a job the rescuer hands to
// another; the default keeps the 30 s cap.
func TestJobTimeout(t *testing.T) {
	for _, tc := range []struct{ rescue, want time.Duration }{
		{DefaultRescueAfter, 30 * time.Second},
		{10 * time.Minute, 30 * time.Second},
		{4 * time.Second, 2 * time.Second},
	} {
		if got := jobTimeout(tc.rescue); got != tc.want {
			t.Errorf("jobTimeout(%s): got %s, want %s", tc.rescue, got, tc.want)
		}
	}
}
