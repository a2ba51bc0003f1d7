// Package usage keeps the usage record of customer sessions (last use time,
// client IP, user agent) without putting a database write on the request
// path.
//
// A Recorder throttles in memory: a session is recorded at most once a
// minute (by the time the caller passes in, so an injected clock drives
// it). Records due for writing wait in a pending set that a background
// goroutine flushes to the store every interval, one Store.TouchSession per
// session; Close flushes what is left. Both maps are bounded: under a flood
// of distinct sessions, records are dropped (and counted) rather than memory
// grown, since the usage record is informational.
package usage

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Toucher is the one store method the Recorder needs (gatehouse.Store
// implements it).
type Toucher interface {
	TouchSession(ctx context.Context, id string, at time.Time, ip, userAgent string) error
}

// Options tunes a Recorder. Zero fields take the documented defaults.
type Options struct {
	// Interval between background flushes (default 5s).
	Interval time.Duration
	// MaxSessions bounds the throttle and the pending set (default 100000).
	MaxSessions int
	// Logger receives flush failures (default: discard).
	Logger *slog.Logger
}

// record is one pending usage.
type record struct {
	at            time.Time
	ip, userAgent string
}

// Recorder throttles and batches session usage records. Its methods are
// safe for concurrent use.
type Recorder struct {
	store Toucher
	opts  Options

	mu      sync.RWMutex
	last    map[string]int64 // session ID → unix nanos of the last record taken
	latest  int64            // the latest time Record was given (the clock of the caller)
	pending map[string]record
	dropped int64
	closed  bool

	flushMu sync.Mutex // one flush at a time
	stop    chan struct{}
	done    chan struct{}
}

// New returns a Recorder writing to store and starts its flusher; Close
// stops it.
func New(store Toucher, opts Options) *Recorder {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{
		store:   store,
		opts:    opts,
		last:    make(map[string]int64),
		pending: make(map[string]record),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go r.loop()
	return r
}

// Due reports whether a use of session id at would be recorded, without
// recording it. It does not allocate, so callers can check it before
// computing the IP and user agent strings.
func (r *Recorder) Due(id string, at time.Time) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.dueLocked(id, at.UnixNano())
}

func (r *Recorder) dueLocked(id string, at int64) bool {
	prev, ok := r.last[id]
	return !ok || at-prev >= int64(time.Minute)
}

// Record notes a use of session id at, from ip with userAgent, unless one
// was taken less than a minute before at. It never blocks on the store.
func (r *Recorder) Record(id string, at time.Time, ip, userAgent string) {
	n := at.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > r.latest {
		r.latest = n
	}
	if r.closed || !r.dueLocked(id, n) {
		return
	}
	if _, ok := r.last[id]; !ok && len(r.last) >= r.opts.MaxSessions {
		r.evictLocked(n)
		if len(r.last) >= r.opts.MaxSessions {
			r.dropped++
			return
		}
	}
	if _, ok := r.pending[id]; !ok && len(r.pending) >= r.opts.MaxSessions {
		r.dropped++
		return
	}
	r.last[id] = n
	r.pending[id] = record{at: at, ip: ip, userAgent: userAgent}
}

// evictLocked forgets throttle entries older than a minute before now:
// their sessions would be recorded again anyway.
func (r *Recorder) evictLocked(now int64) {
	for id, t := range r.last {
		if now-t >= int64(time.Minute) {
			delete(r.last, id)
		}
	}
}

// prune forgets throttle entries more than a minute old (by the callers'
// clock) and rebuilds the map, whose memory Go never gives back on delete:
// the throttle then holds only the sessions used in the last minute, and
// the process does not grow with every session ever seen.
func (r *Recorder) prune() {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := make(map[string]int64, len(r.last)/2)
	for id, t := range r.last {
		if r.latest-t < int64(time.Minute) {
			kept[id] = t
		}
	}
	r.last = kept
}

// Dropped returns how many records were refused because the maps were full.
func (r *Recorder) Dropped() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Pending returns how many records wait for the next flush.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Flush writes every pending record now, one TouchSession each, and returns
// the first error (the other records are still attempted). Records that
// failed are not retried: the next use a minute later records again.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = make(map[string]record, len(batch))
	r.mu.Unlock()
	var first error
	for id, rec := range batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.store.TouchSession(ctx, id, rec.at, rec.ip, rec.userAgent); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.prune()
			ctx, cancel := context.WithTimeout(context.Background(), r.opts.Interval*4)
			if err := r.Flush(ctx); err != nil {
				r.opts.Logger.Warn("record session usage", "err", err)
			}
			cancel()
		}
	}
}

// Close stops the flusher, refuses new records and writes the pending ones,
// or gives up when ctx ends. It may be called more than once.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.stop)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return r.Flush(ctx)
}
