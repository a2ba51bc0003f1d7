package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// The login-code mail runs on the engine's River client, not on a client
// of its own: one process has one poller on SQLite's single writer and
// takes part in one leader election. Its queue is its own, so a backlog
// of webhook deliveries never delays a sign-in mail.
const (
	loginCodeQueue = "login_codes"
	// loginCodeWorkers is how many code mails one instance sends at once.
	loginCodeWorkers = 4
	// loginCodeMaxAttempts bounds the tries of one request. On the
	// client's retry schedule (retry.go) the eight retries span about
	// 8.5-17 minutes: an SMTP outage of that length still delivers, well
	// inside the default 30-minute code TTL (the issuer drops a request
	// that outlived it).
	loginCodeMaxAttempts = 9
	// issuerSnooze is how long a job waits for SetLoginCodeIssuer: jobs
	// queued before a restart can be fetched before serve's wiring is done.
	issuerSnooze = time.Second
)

// loginCodeArgs is the job of one accepted code request. It never holds
// the code (job args are stored in River's table): each attempt makes a
// fresh one. It holds the address, so nothing this job logs or returns
// as an error may carry it unmasked.
type loginCodeArgs struct {
	OrgID       string    `json:"org_id"`
	Email       string    `json:"email"`
	RequestedAt time.Time `json:"requested_at"`
}

// Kind implements river.JobArgs.
func (loginCodeArgs) Kind() string { return "gatehouse_login_code" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (loginCodeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: loginCodeQueue, MaxAttempts: loginCodeMaxAttempts}
}

// LoginCodeIssuer makes and mails the code of one accepted request; the
// login service implements it. IssueCode reports whether a mail was sent
// (false with a nil error: nothing to send, e.g. no customer has that
// address). An error is retried, up to loginCodeMaxAttempts, unless it
// says retrying cannot help: errors.As finds in it a value with a
// Permanent() bool method returning true. Its text must not hold the
// full address (River stores and logs it).
type LoginCodeIssuer interface {
	IssueCode(ctx context.Context, orgID, email string, requestedAt time.Time) (sent bool, err error)
}

// issuerBox lets an atomic.Pointer hold an interface value.
type issuerBox struct{ LoginCodeIssuer }

// SetLoginCodeIssuer hands the engine the service that works login-code
// jobs. Until it is called those jobs wait (snoozed, which uses no
// attempt), so serve may start the engine before it wires the login
// service.
func (e *Engine) SetLoginCodeIssuer(i LoginCodeIssuer) {
	e.issuer.Store(&issuerBox{i})
}

// EnqueueLoginCode queues the mail of an accepted code request for the
// address email in organization orgID, made at at. The request survives
// a restart once this returns nil.
func (e *Engine) EnqueueLoginCode(ctx context.Context, orgID, email string, at time.Time) error {
	args := loginCodeArgs{OrgID: orgID, Email: email, RequestedAt: at.UTC()}
	if _, err := e.river.Insert(ctx, args, nil); err != nil {
		e.loginDropped.Add(1)
		return fmt.Errorf("queue login code: %w", err)
	}
	return nil
}

type loginCodeWorker struct {
	river.WorkerDefaults[loginCodeArgs]
	e *Engine
}

// permanent is what an issuer's error implements to stop the retries.
type permanent interface{ Permanent() bool }

// Work issues one request's code. Counters: a mail sent, or a request
// given up (its last attempt failed, or a failure retrying cannot fix).
func (w *loginCodeWorker) Work(ctx context.Context, job *river.Job[loginCodeArgs]) error {
	box := w.e.issuer.Load()
	if box == nil {
		return river.JobSnooze(issuerSnooze)
	}
	a := job.Args
	sent, err := box.IssueCode(ctx, a.OrgID, a.Email, a.RequestedAt)
	if err == nil {
		if sent {
			w.e.loginSent.Add(1)
		}
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Shutdown or the job timeout: River tries it again.
		return err
	}
	var p permanent
	if errors.As(err, &p) && p.Permanent() {
		w.e.loginFailed.Add(1)
		w.e.log.WarnContext(ctx, "login code mail failed, giving up", "job_id", job.ID, "attempt", job.Attempt, "err", err.Error())
		return river.JobCancel(err)
	}
	if job.Attempt >= job.MaxAttempts {
		w.e.loginFailed.Add(1)
		w.e.log.WarnContext(ctx, "login code mail failed, giving up", "job_id", job.ID, "attempt", job.Attempt, "err", err.Error())
		return err
	}
	w.e.log.WarnContext(ctx, "login code mail failed, will retry", "job_id", job.ID, "attempt", job.Attempt, "err", err.Error())
	return err
}

// LoginCodeStats are the login-code mail's figures for metrics.
type LoginCodeStats struct {
	// Pending is how many accepted requests wait to be worked (queued or
	// retrying, not running), counted up to 10,000.
	Pending int
	// Sent, Failed and Dropped count, since this engine started: mails
	// sent, requests given up (see Work) and requests that could not be
	// queued (the caller got an error).
	Sent, Failed, Dropped int64
}

// pendingLoginCodes counts River's waiting login-code jobs, up to 10,000
// (a scrape stays cheap whatever the backlog). The
// states are literals: River's state is an enum on PostgreSQL and text on
// SQLite, and a literal compares with both; the (state, queue, ...) index
// River fetches with serves the filter.
const pendingLoginCodes = `SELECT count(*) FROM (SELECT 1 FROM river_job
WHERE state IN ('available', 'scheduled', 'retryable') AND queue = '` + loginCodeQueue + `'
LIMIT 10000) AS pending`

// LoginCodeStats reads the pending count (one bounded query on the
// engine's pool) and the counters.
func (e *Engine) LoginCodeStats(ctx context.Context) (LoginCodeStats, error) {
	s := LoginCodeStats{Sent: e.loginSent.Load(), Failed: e.loginFailed.Load(), Dropped: e.loginDropped.Load()}
	if err := e.db.QueryRowContext(ctx, pendingLoginCodes).Scan(&s.Pending); err != nil {
		return s, fmt.Errorf("count pending login codes: %w", err)
	}
	return s, nil
}
