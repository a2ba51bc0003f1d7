package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// startWebhooks builds the job engine (webhook deliveries and login-code
// mail) on the store's writer pool, hands it to the store as its webhook
// queue and starts it; wire then gives it to the login service, whose
// queued requests wait for SetLoginCodeIssuer. The returned stop must run
// after the HTTP servers stopped (requests in flight still enqueue) and
// before the store closes (River works on the store's pool). Deliveries
// are counted into m (nil: no --metrics-addr).
func (c *serveCmd) startWebhooks(ctx context.Context, st *sqlstore.Store, log *slog.Logger, m *metrics.Metrics) (eng *webhooks.Engine, stop func(), err error) {
	cfg := webhooks.Config{
		DB: st.DB(), Dialect: st.Dialect(), Store: st, Logger: log,
		AllowPrivate: c.webhooksAllowPrivate, Retention: c.webhookRetention,
		RetryBase:   c.webhookRetryBase,
		RescueAfter: c.webhookRescueAfter,
	}
	if m != nil { // keep a nil *Metrics out of the interface
		cfg.Recorder = m
	}
	eng, err = webhooks.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	st.SetWebhookQueue(eng)
	// Not ctx: the engine stops when stop says so, after the HTTP servers,
	// so requests in flight still enqueue their events and code requests.
	if err := eng.Start(context.WithoutCancel(ctx)); err != nil {
		st.SetWebhookQueue(nil)
		return nil, nil, err
	}
	return eng, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.shutdownTimeout)
		defer cancel()
		if err := eng.Stop(sctx); err != nil {
			log.Error("stop job engine", "err", fmt.Sprint(err))
		}
		st.SetWebhookQueue(nil)
	}, nil
}
