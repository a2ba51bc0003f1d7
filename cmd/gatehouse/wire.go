package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/web"
)

// wired is the server's handler and the background work behind it.
type wired struct {
	handler http.Handler
	// closers stop the background work, in order: the API first (it
	// flushes session usage), then the login service (it finishes queued
	// code requests), then the mail queue (it delivers what they queued).
	closers []func(context.Context) error
}

// close runs every closer, even after one fails, within ctx.
func (w *wired) close(ctx context.Context) error {
	var errs []error
	for _, c := range w.closers {
		if err := c(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wire assembles the JSON API, the login-code service with its mail queue
// (when --smtp-url is set) and the customer portal pages.
func (c *serveCmd) wire(store gatehouse.Store, hasher *token.Hasher, publicURL string, log *slog.Logger) (*wired, error) {
	w := &wired{}
	var (
		svc      *login.Service
		mailDown []func(context.Context) error // closed after the API
	)
	if c.smtpURL != "" {
		m, err := mail.NewSMTP(c.smtpURL, c.mailFrom)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		q := mail.NewQueue(m, mail.QueueOptions{Logger: log})
		svc = login.New(login.Config{
			Store:      store,
			Hasher:     hasher,
			Mail:       q,
			Logger:     log,
			Now:        time.Now,
			PublicURL:  publicURL,
			SessionTTL: c.sessionTTL,
		})
		mailDown = append(mailDown, svc.Close, q.Close)
		log.Info("login codes are sent by e-mail", "smtp", m.String(), "from", c.mailFrom)
	} else {
		log.Warn("no --smtp-url: portal login codes are not delivered (customers can still use sessions minted by the API)")
	}
	api := httpapi.New(httpapi.Config{
		Store:      store,
		Hasher:     hasher,
		PublicURL:  publicURL,
		SessionTTL: c.sessionTTL,
		Now:        time.Now,
		Logger:     log,
		Login:      svc,
	})
	w.closers = append(append(w.closers, api.Close), mailDown...)
	portal, err := web.New(web.Config{API: api, Logger: log, Now: time.Now})
	if err != nil {
		_ = w.close(context.Background())
		return nil, fmt.Errorf("customer portal: %w", err)
	}
	w.handler = newHandler(api, portal)
	return w, nil
}
