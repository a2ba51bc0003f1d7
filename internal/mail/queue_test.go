package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// fastOptions retries quickly so tests stay short. logs is safe for the
// queue's concurrent workers.
func fastOptions(logs *e2etest.SyncBuffer) mail.QueueOptions {
	return mail.QueueOptions{
		BaseDelay:      5 * time.Millisecond,
		MaxDelay:       20 * time.Millisecond,
		AttemptTimeout: 5 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func mustClose(t *testing.T, q *mail.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestQueueRetriesTransientFailures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.FailFirst(2))
	logs := &e2etest.SyncBuffer{}
	q := mail.NewQueue(mustSMTP(t, srv.URL()), fastOptions(logs))
	q.Enqueue(testMessage("jane.doe@example.com"))
	got := srv.WaitFor(t, func(r mailtest.Received) bool { return r.To[0] == "jane.doe@example.com" }, 10*time.Second)
	mustClose(t, q)

	if !strings.Contains(got.Text, "K7Q2ZX") {
		t.Errorf("delivered text %q, want the code", got.Text)
	}
	if n := srv.Attempts(); n != 3 {
		t.Errorf("server saw %d attempts, want 3 (2 failures, 1 success)", n)
	}
	if st := q.Stats(); st != (mail.QueueStats{Queued: 1, Sent: 1}) {
		t.Errorf("Stats: got %+v, want Queued 1 Sent 1", st)
	}
	out := logs.String()
	if c := strings.Count(out, "will retry"); c != 2 {
		t.Errorf("log has %d retry lines, want 2:\n%s", c, out)
	}
	if !strings.Contains(out, "j***@example.com") {
		t.Errorf("log lacks the masked recipient j***@example.com:\n%s", out)
	}
	for _, secret := range []string{"jane.doe", "K7Q2ZX"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestQueueGivesUpAfterMaxAttempts(t *testing.T) {
	srv := mailtest.Start(t, mailtest.FailFirst(1000))
	logs := &e2etest.SyncBuffer{}
	opts := fastOptions(logs)
	opts.MaxAttempts = 3
	q := mail.NewQueue(mustSMTP(t, srv.URL()), opts)
	q.Enqueue(testMessage("a@example.com"))
	mustClose(t, q)

	if n := srv.Attempts(); n != 3 {
		t.Errorf("server saw %d attempts, want MaxAttempts=3", n)
	}
	if st := q.Stats(); st != (mail.QueueStats{Queued: 1, Failed: 1}) {
		t.Errorf("Stats: got %+v, want Queued 1 Failed 1", st)
	}
	if !strings.Contains(logs.String(), "giving up") {
		t.Errorf("log lacks the give-up line:\n%s", logs)
	}
}

func TestQueueDoesNotRetryPermanentFailures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.RejectAll())
	q := mail.NewQueue(mustSMTP(t, srv.URL()), fastOptions(&e2etest.SyncBuffer{}))
	q.Enqueue(testMessage("a@example.com"))
	mustClose(t, q)
	if n := srv.Attempts(); n != 1 {
		t.Errorf("server saw %d attempts, want 1 (5xx is permanent)", n)
	}
	if st := q.Stats(); st.Failed != 1 {
		t.Errorf("Stats: got %+v, want Failed 1", st)
	}
}

func TestQueueCloseDrains(t *testing.T) {
	srv := mailtest.Start(t, mailtest.FailFirst(3))
	q := mail.NewQueue(mustSMTP(t, srv.URL()), fastOptions(&e2etest.SyncBuffer{}))
	const n = 25
	for i := range n {
		q.Enqueue(testMessage(fmt.Sprintf("user%d@example.com", i)))
	}
	mustClose(t, q)

	if got := len(srv.Messages()); got != n {
		t.Errorf("delivered %d messages after Close, want %d", got, n)
	}
	if st := q.Stats(); st != (mail.QueueStats{Queued: n, Sent: n}) {
		t.Errorf("Stats: got %+v, want Queued %d Sent %d", st, n, n)
	}
	q.Enqueue(testMessage("late@example.com"))
	if st := q.Stats(); st.Dropped != 1 || st.Queued != n {
		t.Errorf("Enqueue after Close: got %+v, want it dropped", st)
	}
	if err := q.Close(t.Context()); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
}

// stuckQueue returns a queue whose single worker sits in a one-minute backoff
// after its first failed attempt, with buffer room for buffer messages.
func stuckQueue(t *testing.T, buffer int) (*mail.Queue, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.FailFirst(1000))
	q := mail.NewQueue(mustSMTP(t, srv.URL()), mail.QueueOptions{
		Workers: 1, Buffer: buffer, BaseDelay: time.Minute, MaxDelay: time.Minute,
		Logger: slog.New(slog.DiscardHandler),
	})
	q.Enqueue(testMessage("first@example.com"))
	deadline := time.Now().Add(10 * time.Second)
	for srv.Attempts() < 1 || q.Depth() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("worker never attempted the first message")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return q, srv
}

func TestQueueCloseWithExpiredContext(t *testing.T) {
	q, _ := stuckQueue(t, 10)
	for i := range 4 {
		q.Enqueue(testMessage(fmt.Sprintf("user%d@example.com", i)))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := q.Close(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Close took %v with a 50ms context, want it to return at the deadline", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "5 message(s) abandoned") {
		t.Fatalf("Close: got %v, want DeadlineExceeded with 5 abandoned", err)
	}
	// The workers notice the cancellation and account for every message.
	deadline := time.Now().Add(10 * time.Second)
	for q.Stats().Abandoned != 5 {
		if time.Now().After(deadline) {
			t.Fatalf("Stats: got %+v, want Abandoned 5", q.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := q.Stats(); st.Sent != 0 || st.Failed != 0 || st.Queued != 5 {
		t.Errorf("Stats: got %+v, want Queued 5 and nothing sent or failed", st)
	}
}

func TestQueueEnqueueNeverBlocks(t *testing.T) {
	q, _ := stuckQueue(t, 3)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			q.Enqueue(testMessage(fmt.Sprintf("user%d@example.com", i)))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Enqueue blocked on a full buffer")
	}
	st := q.Stats()
	if st.Queued != 4 || st.Dropped != 97 {
		t.Errorf("Stats: got %+v, want Queued 4 (1 in flight + 3 buffered) Dropped 97", st)
	}
	if d := q.Depth(); d != 3 {
		t.Errorf("Depth: got %d, want 3", d)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); err == nil {
		t.Error("Close with a stuck worker: got nil, want an abandoned error")
	}
}

func TestMaskAddress(t *testing.T) {
	tests := map[string]string{
		"john@example.com":   "j***@example.com",
		"é@example.com":      "é***@example.com",
		"a@b@example.com":    "a***@example.com",
		"no-at-sign":         "***",
		"@example.com":       "***",
		"":                   "***",
		"x.y+tag@sub.ex.org": "x***@sub.ex.org",
	}
	for in, want := range tests {
		if got := mail.MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q): got %q, want %q", in, got, want)
		}
	}
}
