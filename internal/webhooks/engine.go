package webhooks

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/riverqueue/river"
)

// Defaults of Config.
const (
	// DefaultRetention is how long event payloads are kept (Polar's 90
	// days); --webhook-retention reads it from here.
	DefaultRetention = 90 * 24 * time.Hour
	// DefaultWorkers is how many deliveries one instance makes at once.
	DefaultWorkers = 32
	// DefaultRescueAfter is how long a delivery claimed by an instance that
	// died stays claimed before the leader's rescuer lets another instance
	// retry it (River's RescueStuckJobsAfter); --webhook-rescue-after
	// reads it from here.
	DefaultRescueAfter = time.Minute
)

// River settings, explained in the package comment.
const (
	queueName = "webhooks"
	// fetchPollInterval is how often an idle instance looks for new jobs:
	// on PostgreSQL (no LISTEN through database/sql) it is the whole
	// commit-to-pickup latency, so it is well under the 250 ms p99 target.
	fetchPollInterval = 50 * time.Millisecond
	fetchCooldown     = 10 * time.Millisecond
	// maxJobTimeout cancels a stuck attempt; a delivery's HTTP exchange is
	// bounded by HTTPTimeout (10 s) before it. With a RescueAfter under
	// twice this, the job timeout is half of RescueAfter (jobTimeout).
	maxJobTimeout = 30 * time.Second
	// riverMaxAttempts is above WebhookMaxAttempts so that our delivery
	// count, not River's attempt count, ends an event; River's count also
	// grows on attempts that never reached the receiver (a store error, a
	// rescue).
	riverMaxAttempts = 2*gatehouse.WebhookMaxAttempts + 5
	// completedRetention: River's completed rows are of no use once done
	// (the deliveries are our own rows), and at 1,000 deliveries/s a day of
	// them would be 86M rows.
	completedRetention = 10 * time.Minute
	// failedRetention keeps discarded and cancelled jobs a day (River's
	// default is 7 days): long enough to look at, short enough that a
	// login-code job's e-mail address does not linger in River's table.
	// A webhook's history is its delivery rows, not River's.
	failedRetention = 24 * time.Hour
)

// Config configures an Engine.
type Config struct {
	// DB is the store's writer pool ((*sqlstore.Store).DB()); River's
	// tables live beside the store's (Migrate). Dialect is "sqlite" or
	// "postgres".
	DB      *sql.DB
	Dialect string
	Store   gatehouse.WebhookStore
	Logger  *slog.Logger
	// Now is the clock of signatures' timestamps and of the archive's
	// cut-off (nil: time.Now). River keeps its own clock for scheduling.
	Now func() time.Time
	// AllowPrivate (--webhooks-allow-private-urls) lets deliveries use
	// http and reach any address.
	AllowPrivate bool
	// Retention is how long payloads are kept (0: DefaultRetention).
	Retention time.Duration
	// Workers is how many deliveries run at once (0: DefaultWorkers).
	Workers int
	// HTTPTimeout bounds one delivery (0: DefaultHTTPTimeout).
	HTTPTimeout time.Duration
	// RetryBase is the backoff factor (0: DefaultRetryBase, Polar's 2 s);
	// tests shrink it to run the schedule's shape in milliseconds.
	RetryBase time.Duration
	// Recorder counts deliveries and disabled endpoints for metrics
	// (nil: nothing is counted); *metrics.Metrics implements it.
	Recorder Recorder
	// RescueAfter is how long a job of a dead instance stays "running"
	// before it is retried (0: DefaultRescueAfter). Tests that kill
	// instances shrink it to a few seconds.
	RescueAfter time.Duration
	// resolver replaces net.DefaultResolver (tests).
	resolver resolver
}

// Recorder is told what the sender does, for operators' metrics. It keeps
// this package free of the metrics library: cmd hands it *metrics.Metrics.
// Implementations must be cheap and safe for concurrent use.
type Recorder interface {
	// WebhookDelivered counts one recorded delivery: succeeded (2xx),
	// answered (the receiver gave any HTTP status) and the event's
	// delivery number, 1 for its first.
	WebhookDelivered(succeeded, answered bool, attempt int)
	// WebhookEndpointDisabled counts one endpoint disabled automatically.
	WebhookEndpointDisabled()
}

// noRecorder is the Recorder of a Config without one.
type noRecorder struct{}

func (noRecorder) WebhookDelivered(bool, bool, int) {}
func (noRecorder) WebhookEndpointDisabled()         {}

// Engine runs Gatehouse's durable jobs on River: it sends webhooks (it
// queues deliveries in the store's transactions, EnqueueTx, works them,
// worker.go, and archives old payloads daily) and the login-code mail
// (logincode.go).
type Engine struct {
	river        *river.Client[*sql.Tx]
	db           *sql.DB
	store        gatehouse.WebhookStore
	log          *slog.Logger
	now          func() time.Time
	http         *http.Client
	allowPrivate bool
	retention    time.Duration
	rescueAfter  time.Duration // how long River holds a dead instance's job: a delivery's claim lasts as long
	rec          Recorder

	issuer                               atomic.Pointer[issuerBox]
	loginSent, loginFailed, loginDropped atomic.Int64
}

var _ gatehouse.WebhookQueue = (*Engine)(nil)

// New builds an engine on cfg.DB. It does not start working: Start does.
// River's tables must exist (Migrate).
func New(cfg Config) (*Engine, error) {
	if cfg.DB == nil || cfg.Store == nil || cfg.Logger == nil {
		return nil, errors.New("webhooks: Config needs DB, Store and Logger")
	}
	if cfg.RescueAfter < 0 {
		return nil, fmt.Errorf("webhooks: RescueAfter must not be negative, got %s", cfg.RescueAfter)
	}
	rescueAfter := cmp.Or(cfg.RescueAfter, DefaultRescueAfter)
	drv, err := driver(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		rescueAfter:  rescueAfter,
		db:           cfg.DB,
		store:        cfg.Store,
		log:          cfg.Logger,
		now:          cfg.Now,
		http:         newHTTPClient(cmp.Or(cfg.HTTPTimeout, DefaultHTTPTimeout), cfg.AllowPrivate, cfg.resolver),
		allowPrivate: cfg.AllowPrivate,
		retention:    cmp.Or(cfg.Retention, DefaultRetention),
		rec:          cfg.Recorder,
	}
	if e.rec == nil {
		e.rec = noRecorder{}
	}
	if cfg.Now == nil {
		e.now = time.Now
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker{e: e}); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &archiveWorker{e: e}); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &loginCodeWorker{e: e}); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	client, err := river.NewClient(drv, &river.Config{
		Logger: cfg.Logger.With("component", "river"),
		Queues: map[string]river.QueueConfig{
			queueName:      {MaxWorkers: cmp.Or(cfg.Workers, DefaultWorkers)},
			loginCodeQueue: {MaxWorkers: loginCodeWorkers},
		},
		Workers:                     workers,
		FetchPollInterval:           fetchPollInterval,
		FetchCooldown:               fetchCooldown,
		JobTimeout:                  jobTimeout(rescueAfter),
		RescueStuckJobsAfter:        rescueAfter,
		MaxAttempts:                 riverMaxAttempts,
		RetryPolicy:                 retryPolicy{base: cmp.Or(cfg.RetryBase, DefaultRetryBase)},
		CompletedJobRetentionPeriod: completedRetention,
		DiscardedJobRetentionPeriod: failedRetention,
		CancelledJobRetentionPeriod: failedRetention,
		PeriodicJobs:                []*river.PeriodicJob{archivePeriodic()},
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: river client: %w", err)
	}
	e.river = client
	return e, nil
}

// jobTimeout is the job timeout that goes with a rescue delay: at most
// half of it, so that a live instance's attempt is cancelled with the
// other half left for recording its outcome before the rescuer may hand
// the job to another instance. River itself only refuses a rescue delay
// below the job timeout.
func jobTimeout(rescueAfter time.Duration) time.Duration {
	return min(maxJobTimeout, rescueAfter/2)
}

// Start starts working the queues, webhooks and login codes (and, on the elected leader, River's
// maintenance: scheduling retries, rescuing stuck jobs, the daily
// archive). ctx bounds the engine's life: when it ends, work stops as
// with Stop.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.river.Start(ctx); err != nil {
		return fmt.Errorf("webhooks: start: %w", err)
	}
	return nil
}

// Stop stops fetching and waits, within ctx, for the jobs in flight
// (deliveries, code mails); when ctx ends first it cancels them (they
// are retried later: a delivery interrupted before the receiver answered
// is not recorded, a code mail interrupted before the SMTP server took
// it is made again with a fresh code).
func (e *Engine) Stop(ctx context.Context) error {
	err := e.river.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = e.river.StopAndCancel(hard)
	}
	if err != nil {
		return fmt.Errorf("webhooks: stop: %w", err)
	}
	return nil
}

// EnqueueTx implements gatehouse.WebhookQueue: it inserts one River job
// per job in tx, the store's *sql.Tx, so a job exists if and only if the
// transaction that wrote its event commits.
func (e *Engine) EnqueueTx(ctx context.Context, tx any, jobs []gatehouse.WebhookJob) error {
	sqlTx, ok := tx.(*sql.Tx)
	if !ok {
		return fmt.Errorf("webhooks: EnqueueTx wants a *sql.Tx, got %T", tx)
	}
	if len(jobs) == 0 {
		return nil
	}
	if _, err := e.river.InsertManyTx(ctx, sqlTx, insertParams(jobs)); err != nil {
		return fmt.Errorf("enqueue webhook deliveries: %w", err)
	}
	return nil
}

// Enqueue inserts jobs outside any transaction (for events already
// committed, e.g. a repair tool re-queueing unfinished events).
func (e *Engine) Enqueue(ctx context.Context, jobs []gatehouse.WebhookJob) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, err := e.river.InsertMany(ctx, insertParams(jobs)); err != nil {
		return fmt.Errorf("enqueue webhook deliveries: %w", err)
	}
	return nil
}

func insertParams(jobs []gatehouse.WebhookJob) []river.InsertManyParams {
	p := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		p[i] = river.InsertManyParams{Args: deliverArgs{EventID: j.EventID, Redeliver: j.Redeliver}}
	}
	return p
}
