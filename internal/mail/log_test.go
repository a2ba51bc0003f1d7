package mail_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
)

func TestLogMailerWritesTheCode(t *testing.T) {
	var buf bytes.Buffer
	l := mail.NewLog(slog.New(slog.NewTextHandler(&buf, nil)))
	m := mail.LoginCodeMessage("jane@example.com", "Acme", "Q4W8E2", 15*time.Minute, "https://portal.example/acme/login")
	if err := l.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := buf.String()
	for _, want := range []string{"level=WARN", "SMTP is not configured", "--smtp-url", "jane@example.com", "Q4W8E2", "15 minutes", "Access your Acme purchases"} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<html") {
		t.Errorf("log output carries the HTML part, want the text only:\n%s", out)
	}
}
