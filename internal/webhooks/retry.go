package webhooks

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Polar's retry schedule (dramatiq's compute_backoff with factor 2 s and a
// 20-minute cap): after failure n the delay is b/2 + U(0, b/2) with
// b = min(2 s·2^n, 20 min), so 2-4 s after the first failure, 8.5-17 min
// after the ninth.
const (
	// DefaultRetryBase is the backoff factor: 2 s.
	DefaultRetryBase = 2 * time.Second
	// retryCapFactor caps b at 600 bases (20 minutes at 2 s).
	retryCapFactor = 600
)

// backoff returns the delay after the n-th failed attempt (n >= 1), with
// base the factor (DefaultRetryBase) and u a uniform value in [0, 1).
func backoff(base time.Duration, n int, u float64) time.Duration {
	limit := base * retryCapFactor
	b := base
	for range n {
		if b >= limit {
			break
		}
		b *= 2
	}
	b = min(b, limit)
	return b/2 + time.Duration(u*float64(b/2))
}

// retryPolicy is River's ClientRetryPolicy with Polar's schedule. n is
// the job's River attempt count, which is what Polar's n is: the retries
// of one queued message (a redelivery is a new job and starts again at 1,
// as a redelivery in Polar is a new message). Our own delivery count, not
// River's MaxAttempts, decides when an event has failed for good (the
// worker returns nil then), so the policy never has to stop.
type retryPolicy struct {
	base time.Duration
}

// NextRetry implements river.ClientRetryPolicy.
func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(backoff(p.base, max(job.Attempt, 1), rand.Float64()))
}
