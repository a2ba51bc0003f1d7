// Package loadgen is a bounded, mixed-traffic load generator for tests: it
// drives a Gatehouse server through the public client at a target rate for
// a bounded time and request count, records every acknowledged write in a
// Ledger (for crash-consistency checks), and classifies every error as
// expected or unexpected. It only ever talks to a loopback address.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// Config bounds and shapes one run. A run stops at the first of Duration,
// MaxRequests and the context's end.
type Config struct {
	// Rate is the target number of operations per second over all
	// workers; 0 means as fast as the workers go.
	Rate float64
	// Duration bounds the run (0: until MaxRequests or the context ends).
	Duration time.Duration
	// MaxRequests bounds how many operations start (0: no bound).
	MaxRequests int64
	// Workers is the number of concurrent callers (default 8).
	Workers int
	// Ops is the traffic mix (default DefaultOps(false)).
	Ops []Op
	// Prefix makes emails and external IDs unique (default "lg").
	Prefix string
	// Seed seeds the workers' random sources (0: random).
	Seed uint64
	// TransportErrorsExpected counts errors without an HTTP answer
	// (connection refused or reset, EOF) as expected: set it while the
	// server is being killed. By default they are unexpected.
	TransportErrorsExpected bool
}

// Result sums up a run.
type Result struct {
	// Ops counts operations by name and class.
	Ops map[string]*OpStats
	// Elapsed is the run's wall time.
	Elapsed time.Duration
	// Unexpected holds the first unexpected errors (at most 20).
	Unexpected []error
}

// OpStats counts one operation's outcomes.
type OpStats struct {
	OK, Expected, Unexpected int64
}

// Total returns the number of operations run.
func (r *Result) Total() int64 {
	var n int64
	for _, s := range r.Ops {
		n += s.OK + s.Expected + s.Unexpected
	}
	return n
}

// UnexpectedCount returns the number of unexpected errors.
func (r *Result) UnexpectedCount() int64 {
	var n int64
	for _, s := range r.Ops {
		n += s.Unexpected
	}
	return n
}

// Throughput returns operations per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Total()) / r.Elapsed.Seconds()
}

// String summarizes the result on one line per operation.
func (r *Result) String() string {
	names := make([]string, 0, len(r.Ops))
	for n := range r.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	s := fmt.Sprintf("%d ops in %s (%.0f/s)", r.Total(), r.Elapsed.Round(time.Millisecond), r.Throughput())
	for _, n := range names {
		o := r.Ops[n]
		s += fmt.Sprintf("\n  %-16s ok %d, expected errors %d, unexpected %d", n, o.OK, o.Expected, o.Unexpected)
	}
	return s
}

// Run sends traffic to the server c points at (c carries an organization
// token with customers:write and customer_sessions:write) and records
// acknowledged writes in l. It returns an error only when the
// configuration is unusable; failed requests are counted in the Result.
func Run(ctx context.Context, c *client.Client, l *Ledger, cfg Config) (*Result, error) {
	if err := checkLoopback(c.BaseURL()); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	total := 0
	for _, op := range cfg.Ops {
		if op.Weight < 0 || op.Run == nil {
			return nil, fmt.Errorf("loadgen: op %q has no Run or a negative weight", op.Name)
		}
		total += op.Weight
	}
	if total == 0 {
		return nil, errors.New("loadgen: the ops' weights sum to zero")
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	r := &runner{cfg: cfg, c: c, l: l, weights: total, res: &Result{Ops: map[string]*OpStats{}}}
	for _, op := range cfg.Ops {
		r.res.Ops[op.Name] = &OpStats{}
	}
	start := time.Now()
	tickets := pace(ctx, cfg.Rate)
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		wg.Go(func() { r.work(ctx, i, tickets) })
	}
	wg.Wait()
	r.res.Elapsed = time.Since(start)
	return r.res, nil
}

func (cfg Config) withDefaults() Config {
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if len(cfg.Ops) == 0 {
		cfg.Ops = DefaultOps(false)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "lg"
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	return cfg
}

// checkLoopback refuses any target but a loopback address: this tool sends
// a lot of writes and must never be pointed at a real deployment.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("loadgen: bad base URL: %w", err)
	}
	switch u.Hostname() {
	case "127.0.0.1", "::1", "localhost":
		return nil
	}
	return fmt.Errorf("loadgen: refusing target %q: only 127.0.0.1 is allowed", u.Host)
}

type runner struct {
	cfg     Config
	c       *client.Client
	l       *Ledger
	weights int
	started atomic.Int64

	mu  sync.Mutex
	res *Result
}

func (r *runner) work(ctx context.Context, id int, tickets <-chan struct{}) {
	env := &Env{Client: r.c, Ledger: r.l, Prefix: r.cfg.Prefix,
		Rand: rand.New(rand.NewPCG(r.cfg.Seed, uint64(id)))}
	for {
		if tickets != nil {
			select {
			case <-ctx.Done():
				return
			case <-tickets:
			}
		} else if ctx.Err() != nil {
			return
		}
		if limit := r.cfg.MaxRequests; limit > 0 && r.started.Add(1) > limit {
			return
		}
		op := r.pick(env.Rand)
		err := op.Run(ctx, env)
		if err != nil && ctx.Err() != nil {
			return // the run ended under this request: not counted
		}
		r.record(op.Name, err)
	}
}

func (r *runner) pick(rnd *rand.Rand) Op {
	n := rnd.IntN(r.weights)
	for _, op := range r.cfg.Ops {
		if n < op.Weight {
			return op
		}
		n -= op.Weight
	}
	return r.cfg.Ops[len(r.cfg.Ops)-1]
}

func (r *runner) record(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.res.Ops[name]
	switch Classify(err, r.cfg.TransportErrorsExpected) {
	case ClassOK:
		s.OK++
	case ClassExpected:
		s.Expected++
	default:
		s.Unexpected++
		if len(r.res.Unexpected) < 20 {
			r.res.Unexpected = append(r.res.Unexpected, fmt.Errorf("%s: %w", name, err))
		}
	}
}

// pace returns a channel that yields rate tickets per second until ctx
// ends, or nil when rate is 0 (no pacing). Tickets not taken are not
// banked beyond a small burst, so a stalled server is not hit by a flood
// when it comes back.
func pace(ctx context.Context, rate float64) <-chan struct{} {
	if rate <= 0 {
		return nil
	}
	burst := max(int(rate/50), 1)
	ch := make(chan struct{}, burst)
	go func() {
		const tick = 5 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		last, owed := time.Now(), 0.0
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				owed += rate * now.Sub(last).Seconds()
				last = now
				for ; owed >= 1; owed-- {
					select {
					case ch <- struct{}{}:
					default:
						owed = 0 // full: drop, do not bank
					}
				}
			}
		}
	}()
	return ch
}
