package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// startWebhooks builds the webhook sender on the store's writer pool,
// hands it to the store as its queue and starts it. The returned stop
// must run before the store closes (River works on the store's pool).
// Deliveries are counted into m (nil: no --metrics-addr).
func (c *serveCmd) startWebhooks(ctx context.Context, st *sqlstore.Store, log *slog.Logger, m *metrics.Metrics) (stop func(), err error) {
	cfg := webhooks.Config{
		DB: st.DB(), Dialect: st.Dialect(), Store: st, Logger: log,
		AllowPrivate: c.webhooksAllowPrivate, Retention: c.webhookRetention,
		RetryBase:   c.webhookRetryBase,
		RescueAfter: c.webhookRescueAfter,
	}
	if m != nil { // keep a nil *Metrics out of the interface
		cfg.Recorder = m
	}
	eng, err := webhooks.New(cfg)
	if err != nil {
		return nil, err
	}
	st.SetWebhookQueue(eng)
	// Not ctx: the engine stops when stop says so, after the HTTP servers,
	// so requests in flight still enqueue their events.
	if err := eng.Start(context.WithoutCancel(ctx)); err != nil {
		st.SetWebhookQueue(nil)
		return nil, err
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.shutdownTimeout)
		defer cancel()
		if err := eng.Stop(sctx); err != nil {
			log.Error("stop webhook sender", "err", fmt.Sprint(err))
		}
		st.SetWebhookQueue(nil)
	}, nil
}
