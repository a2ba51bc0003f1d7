package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
)

// QueueOptions tunes a Queue. Zero fields take the documented defaults.
type QueueOptions struct {
	Workers        int           // delivery goroutines (default 2)
	Buffer         int           // messages waiting at most; more are dropped (default 1000)
	MaxAttempts    int           // delivery attempts per message (default 5)
	BaseDelay      time.Duration // backoff before the 2nd attempt, doubled each time (default 1s)
	MaxDelay       time.Duration // backoff ceiling (default 1m)
	AttemptTimeout time.Duration // bound of one attempt (default 30s)
	Logger         *slog.Logger  // failures and drops (default: discard)
}

func (o QueueOptions) withDefaults() QueueOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, 2)
	def(&o.Buffer, 1000)
	def(&o.MaxAttempts, 5)
	defDur(&o.BaseDelay, time.Second)
	defDur(&o.MaxDelay, time.Minute)
	defDur(&o.AttemptTimeout, 30*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// QueueStats are a Queue's counters since it started, for metrics.
type QueueStats struct {
	Queued    int64 // accepted by Enqueue
	Sent      int64 // delivered
	Failed    int64 // given up after MaxAttempts or a permanent failure
	Dropped   int64 // refused by Enqueue: buffer full or queue closed
	Abandoned int64 // still undelivered when Close's context expired
}

// Queue is a gatehouse.MailQueue delivering through a Mailer in the
// background: Enqueue never blocks, a bounded buffer absorbs bursts, worker
// goroutines retry transient failures with exponential backoff and jitter,
// and Close drains what is queued. Log lines never carry the message body (it
// holds a login code) nor the full recipient address.
type Queue struct {
	mailer gatehouse.Mailer
	opts   QueueOptions
	log    *slog.Logger
	ch     chan gatehouse.Message

	mu     sync.RWMutex // guards closed, and sending on ch against close(ch)
	closed bool

	// ctx is cancelled when Close gives up, aborting attempts and backoffs.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{} // closed when every worker has returned

	queued, sent, failed, dropped, abandoned atomic.Int64
}

var _ gatehouse.MailQueue = (*Queue)(nil)

// NewQueue starts a Queue delivering through m. Call Close to stop it.
func NewQueue(m gatehouse.Mailer, opts QueueOptions) *Queue {
	opts = opts.withDefaults()
	q := &Queue{
		mailer: m,
		opts:   opts,
		log:    opts.Logger,
		ch:     make(chan gatehouse.Message, opts.Buffer),
		done:   make(chan struct{}),
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	for range opts.Workers {
		q.wg.Go(q.work)
	}
	go func() {
		q.wg.Wait()
		q.cancel()
		close(q.done)
	}()
	return q
}

// Enqueue accepts m for delivery without blocking. When the buffer is full or
// the queue is closed, m is dropped, counted and logged.
func (q *Queue) Enqueue(m gatehouse.Message) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	reason := "queue closed"
	if !q.closed {
		select {
		case q.ch <- m:
			q.queued.Add(1)
			return
		default:
			reason = "queue full"
		}
	}
	q.dropped.Add(1)
	q.log.Error("mail dropped", slog.String("reason", reason), slog.String("to", MaskAddress(m.To)))
}

// Depth returns how many messages wait in the buffer (not counting the ones
// being delivered).
func (q *Queue) Depth() int { return len(q.ch) }

// Stats returns the queue's counters.
func (q *Queue) Stats() QueueStats {
	return QueueStats{
		Queued:    q.queued.Load(),
		Sent:      q.sent.Load(),
		Failed:    q.failed.Load(),
		Dropped:   q.dropped.Load(),
		Abandoned: q.abandoned.Load(),
	}
}

// Close stops accepting messages and waits until every queued message has
// been delivered or has failed, retries included. If ctx ends first, Close
// aborts the remaining deliveries and returns an error saying how many
// messages were abandoned; an attempt already talking to the server may
// still finish in the background within AttemptTimeout. Calling Close again
// waits the same way.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
	}
	// Count before cancelling: once cancelled, workers race to mark their
	// messages abandoned.
	st := q.Stats()
	pending := st.Queued - st.Sent - st.Failed - st.Abandoned
	q.cancel()
	return fmt.Errorf("close mail queue: %d message(s) abandoned: %w", pending, ctx.Err())
}

func (q *Queue) work() {
	for m := range q.ch {
		if q.ctx.Err() != nil {
			q.abandon(m, 0)
			continue
		}
		q.deliver(m)
	}
}

// deliver tries m up to MaxAttempts times.
func (q *Queue) deliver(m gatehouse.Message) {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(q.ctx, q.opts.AttemptTimeout)
		err := q.mailer.Send(ctx, m)
		cancel()
		if err == nil {
			q.sent.Add(1)
			return
		}
		if q.ctx.Err() != nil {
			q.abandon(m, attempt)
			return
		}
		permanent := errors.Is(err, ErrPermanent)
		if permanent || attempt >= q.opts.MaxAttempts {
			q.failed.Add(1)
			q.log.Error("mail delivery failed, giving up",
				slog.String("to", MaskAddress(m.To)), slog.Int("attempts", attempt),
				slog.Bool("permanent", permanent), slog.String("error", scrub(err, m.To)))
			return
		}
		delay := q.backoff(attempt)
		q.log.Warn("mail delivery failed, will retry",
			slog.String("to", MaskAddress(m.To)), slog.Int("attempt", attempt),
			slog.Duration("retry_in", delay), slog.String("error", scrub(err, m.To)))
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-q.ctx.Done():
			t.Stop()
			q.abandon(m, attempt)
			return
		}
	}
}

func (q *Queue) abandon(m gatehouse.Message, attempts int) {
	q.abandoned.Add(1)
	q.log.Error("mail abandoned at shutdown", slog.String("to", MaskAddress(m.To)), slog.Int("attempts", attempts))
}

// backoff returns the wait after the given failed attempt: BaseDelay doubled
// per attempt, capped at MaxDelay, with "equal jitter" (half fixed, half
// random) so that a burst of failures does not retry in lockstep.
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.opts.MaxDelay
	if attempt-1 < 32 {
		d = min(q.opts.MaxDelay, q.opts.BaseDelay<<(attempt-1))
		if d <= 0 { // overflow
			d = q.opts.MaxDelay
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// MaskAddress returns addr with its local part reduced to its first
// character, "j***@example.com", for logs.
func MaskAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "***"
	}
	first := []rune(addr[:at])[0]
	return string(first) + "***" + addr[at:]
}

// scrub renders err for a log line with the full recipient address masked
// (SMTP errors name the affected recipients).
func scrub(err error, to string) string {
	s := err.Error()
	if to != "" {
		s = strings.ReplaceAll(s, to, MaskAddress(to))
	}
	return s
}
