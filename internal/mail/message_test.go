package mail_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
)

func TestLoginCodeMessage(t *testing.T) {
	const link = "https://portal.example/acme/login?x=1&y=2"
	m := mail.LoginCodeMessage("jane@example.com", "Acme", "AB12CD", 30*time.Minute, link)
	if m.To != "jane@example.com" || m.Subject != "Access your Acme purchases" {
		t.Errorf("got To %q Subject %q, want jane@example.com, Access your Acme purchases", m.To, m.Subject)
	}
	for _, want := range []string{"Acme", "AB12CD", "30 minutes", link} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{"Acme", "AB12CD", "30 minutes", `href="https://portal.example/acme/login?x=1&amp;y=2"`} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("html part lacks %q:\n%s", want, m.HTML)
		}
	}
}

func TestLoginCodeMessageMinutes(t *testing.T) {
	tests := []struct {
		ttl  time.Duration
		want string
	}{
		{time.Minute, "1 minute "},
		{90 * time.Second, "2 minutes"},
		{10 * time.Second, "1 minute "},
		{2 * time.Hour, "120 minutes"},
	}
	for _, tt := range tests {
		m := mail.LoginCodeMessage("a@example.com", "Acme", "AB12CD", tt.ttl, "https://p.example/login")
		if !strings.Contains(m.Text, "expires in "+tt.want) || !strings.Contains(m.HTML, "expires in "+tt.want) {
			t.Errorf("ttl %v: want %q in both parts, got text:\n%s", tt.ttl, tt.want, m.Text)
		}
	}
}

func TestLoginCodeMessageEscapesHTML(t *testing.T) {
	const org = `Evil <script>alert("x")</script> & Co`
	m := mail.LoginCodeMessage("a@example.com", org, "AB12CD", 30*time.Minute, `javascript:alert(1)`)
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("html part carries unescaped input:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, `href="#ZgotmplZ"`) {
		t.Errorf("html part did not neutralize the javascript: link:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("html part lacks the escaped org name:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, org) || m.Subject != "Access your "+org+" purchases" {
		t.Errorf("text part or subject altered the org name: subject %q\n%s", m.Subject, m.Text)
	}
	m = mail.LoginCodeMessage("a@example.com", "Acme\r\nBcc: victim@example.com", "AB12CD", time.Minute, "https://p.example/login")
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject %q carries a line break", m.Subject)
	}
}

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
