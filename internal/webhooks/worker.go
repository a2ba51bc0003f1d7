package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/riverqueue/river"
)

// userAgent is the user-agent of every delivery.
const userAgent = "gatehouse webhooks"

// deliverArgs is the job of one delivery attempt of an event.
type deliverArgs struct {
	EventID   string `json:"event_id"`
	Redeliver bool   `json:"redeliver,omitempty"`
}

// Kind implements river.JobArgs.
func (deliverArgs) Kind() string { return "gatehouse_webhook_deliver" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: riverMaxAttempts}
}

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	e *Engine
}

// Work makes one delivery attempt; an error asks River to retry.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	claim := gatehouse.WebhookClaim{Owner: "river-job-" + strconv.FormatInt(job.ID, 10), Until: w.e.now().Add(w.e.rescueAfter)}
	return w.e.deliver(ctx, job.Args.EventID, job.Args.Redeliver, claim)
}

// finishTimeout bounds recording an attempt: it runs even when the job's
// context ended (shutdown) after the receiver answered, so the answer is
// not lost and the attempt not repeated for want of a row.
const finishTimeout = 10 * time.Second

// deliver is the worker's rule (the design's internal/webhooks section):
// the store decides whether the event may be attempted now (its
// customer's earlier event on the endpoint is finished), a disabled or
// deleted endpoint skips it, else it is POSTed and the outcome recorded;
// a failure that is not the last attempt returns an error so River
// retries with Polar's backoff.
//
// The claim (the job's ID, for as long as River would consider the job
// running) keeps any other job of the same event from attempting it at the
// same time; the job itself, rescued after its instance died, takes it
// back.
func (e *Engine) deliver(ctx context.Context, id string, redeliver bool, claim gatehouse.WebhookClaim) error {
	att, err := e.store.BeginWebhookAttempt(ctx, id, redeliver, claim)
	if gatehouse.ErrorCodeOf(err) == gatehouse.ENotFound {
		e.log.WarnContext(ctx, "webhook event to deliver does not exist", "event_id", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("begin webhook attempt %s: %w", id, err)
	}
	if att == nil {
		return nil // waits for an earlier event, whose finish re-enqueues it
	}
	ep, ev := att.Endpoint, att.Event
	if ep == nil || ep.DeletedAt != nil || !ep.Enabled {
		if err := e.store.SkipWebhookEvent(ctx, id); err != nil {
			return fmt.Errorf("skip webhook event %s: %w", id, err)
		}
		return nil
	}
	var d *gatehouse.WebhookDelivery
	if ev.Archived() {
		d = e.delivery(ev, nil, "event payload was archived before it was delivered")
	} else {
		d = e.post(ctx, ep, ev)
		if ctx.Err() != nil && d.HTTPCode == nil {
			// Shutdown or the job timeout interrupted the attempt before
			// any answer: not a delivery; River tries it again.
			return fmt.Errorf("webhook delivery %s interrupted: %w", id, ctx.Err())
		}
	}
	final := d.Succeeded || att.Deliveries+1 >= gatehouse.WebhookMaxAttempts || ev.Archived()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	disabled, err := e.store.FinishWebhookAttempt(fctx, d, final)
	if err != nil {
		return fmt.Errorf("finish webhook attempt %s: %w", id, err)
	}
	// Counted once recorded: an attempt whose row did not commit is made
	// again and counted then.
	e.rec.WebhookDelivered(d.Succeeded, d.HTTPCode != nil, att.Deliveries+1)
	if disabled {
		e.rec.WebhookEndpointDisabled()
		// Never the URL (its query may hold a token), the secret or an
		// e-mail address: the ids are enough to find it.
		e.log.WarnContext(ctx, "webhook endpoint disabled: its latest events all failed",
			"endpoint_id", ep.ID, "organization_id", ep.OrganizationID, "failed_events", gatehouse.WebhookFailureThreshold)
	}
	if !final {
		return &attemptError{eventID: id, delivery: att.Deliveries + 1, code: d.HTTPCode}
	}
	return nil
}

// attemptError is a failed, non-final attempt: River records it and
// retries. It carries no response text (River stores its errors in its
// job rows and may log them).
type attemptError struct {
	eventID  string
	delivery int
	code     *int
}

func (e *attemptError) Error() string {
	what := "unreachable"
	if e.code != nil {
		what = "HTTP " + strconv.Itoa(*e.code)
	}
	return fmt.Sprintf("webhook event %s delivery %d/%d failed (%s); retrying", e.eventID, e.delivery, gatehouse.WebhookMaxAttempts, what)
}

// post POSTs ev to ep and returns the delivery to record.
func (e *Engine) post(ctx context.Context, ep *gatehouse.WebhookEndpoint, ev *gatehouse.WebhookEvent) *gatehouse.WebhookDelivery {
	u, err := checkURL(ep.URL, e.allowPrivate)
	if err != nil {
		return e.delivery(ev, nil, err.Error())
	}
	payload, err := body(ep.Format, []byte(*ev.Payload))
	if err != nil {
		return e.delivery(ev, nil, "cannot format payload: "+err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return e.delivery(ev, nil, errBadURL.Error())
	}
	now := e.now()
	req.Header.Set("user-agent", userAgent)
	req.Header.Set("content-type", "application/json")
	req.Header.Set("webhook-id", ev.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", signatures(ep.SigningSecrets(now), ev.ID, now, payload))
	resp, err := e.http.Do(req)
	if err != nil {
		return e.delivery(ev, nil, errorText(err))
	}
	defer resp.Body.Close()
	text, err := readResponse(resp.Body)
	if err != nil && text == "" {
		text = errorText(err)
	}
	d := e.delivery(ev, &resp.StatusCode, text)
	d.Succeeded = resp.StatusCode >= 200 && resp.StatusCode < 300
	return d
}

func (e *Engine) delivery(ev *gatehouse.WebhookEvent, code *int, response string) *gatehouse.WebhookDelivery {
	return &gatehouse.WebhookDelivery{
		ID:        gatehouse.NewID(),
		EventID:   ev.ID,
		CreatedAt: e.now(),
		HTTPCode:  code,
		Response:  &response,
	}
}

// readResponse returns the first WebhookResponseMax characters of an
// answer, as valid UTF-8 (an invalid byte becomes U+FFFD: PostgreSQL text
// refuses invalid UTF-8) without NUL (refused by PostgreSQL too). It reads
// at most what those characters can take, then a bounded rest so the
// connection can be reused.
func readResponse(r io.Reader) (string, error) {
	const maxBytes = gatehouse.WebhookResponseMax * utf8.UTFMax
	b, err := io.ReadAll(io.LimitReader(r, maxBytes))
	if err == nil {
		io.CopyN(io.Discard, r, 64<<10)
	}
	return truncateResponse(b), err
}

// truncateResponse makes b valid UTF-8 without NUL and keeps its first
// WebhookResponseMax characters.
func truncateResponse(b []byte) string {
	s := strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "")
	n := 0
	for i := range s {
		if n == gatehouse.WebhookResponseMax {
			return s[:i]
		}
		n++
	}
	return s
}
