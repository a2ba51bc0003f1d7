package mail

import (
	"context"
	"log/slog"

	"github.com/gatehouse/gatehouse"
)

// Log is the first-run gatehouse.Mailer: with no SMTP server configured it
// writes each message, login code included, to the server log at WARN level
// so that whoever runs the server can still sign in. This is deliberate and
// only acceptable because the log belongs to the operator; configure SMTP
// before real customers use the portal.
type Log struct {
	logger *slog.Logger
}

var _ gatehouse.Mailer = (*Log)(nil)

// NewLog returns a Log mailer writing to logger.
func NewLog(logger *slog.Logger) *Log {
	return &Log{logger: logger}
}

// Send writes m's recipient, subject and plain-text body to the log. It never
// fails.
func (l *Log) Send(ctx context.Context, m gatehouse.Message) error {
	l.logger.LogAttrs(ctx, slog.LevelWarn,
		"SMTP is not configured (set --smtp-url or GATEHOUSE_SMTP_URL): mail is written to this log instead of being sent",
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
	)
	return nil
}
