package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/mailtest"
)

const testFrom = "Acme Store <no-reply@acme.test>"

// withCreds returns srv's URL with user:pass and the query q.
func withCreds(t *testing.T, base, user, pass, q string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %q: %v", base, err)
	}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	u.RawQuery = q
	return u.String()
}

func mustSMTP(t *testing.T, rawURL string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, testFrom)
	if err != nil {
		t.Fatalf("NewSMTP(%q): %v", rawURL, err)
	}
	return s
}

func mustSend(t *testing.T, s *mail.SMTP, m gatehouse.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("Send via %s: %v", s, err)
	}
}

func testMessage(to string) gatehouse.Message {
	return mail.LoginCodeMessage(to, "Acme <Store> & Co", "K7Q2ZX", 30*time.Minute, "https://portal.example/acme/login")
}

func onlyMessage(t *testing.T, srv *mailtest.Server) mailtest.Received {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

func normalize(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// TestSMTPPlain covers the local mail catcher case: no STARTTLS offered, no
// AUTH. go-mail's default (mandatory TLS) would refuse this server.
func TestSMTPPlain(t *testing.T) {
	srv := mailtest.Start(t)
	s := mustSMTP(t, srv.URL())
	want := testMessage("jane.doe@example.com")
	mustSend(t, s, want)

	got := onlyMessage(t, srv)
	if got.From != "no-reply@acme.test" || len(got.To) != 1 || got.To[0] != "jane.doe@example.com" {
		t.Errorf("envelope: got from %q to %v, want no-reply@acme.test to [jane.doe@example.com]", got.From, got.To)
	}
	if got.TLS || got.User != "" {
		t.Errorf("got TLS=%v user=%q, want a plain unauthenticated session", got.TLS, got.User)
	}
	if got.Subject != want.Subject {
		t.Errorf("subject: got %q, want %q", got.Subject, want.Subject)
	}
	if normalize(got.Text) != normalize(want.Text) {
		t.Errorf("text part:\ngot  %q\nwant %q", got.Text, want.Text)
	}
	if normalize(got.HTML) != normalize(want.HTML) {
		t.Errorf("html part:\ngot  %q\nwant %q", got.HTML, want.HTML)
	}
	h := got.Header
	if from := h.Get("From"); !strings.Contains(from, "<no-reply@acme.test>") {
		t.Errorf("From header: got %q, want the configured sender", from)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date header %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@acme.test>") {
		t.Errorf("Message-ID: got %q, want <...@acme.test>", id)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type: got %q, want multipart/alternative", ct)
	}
}

func TestSMTPPlainRefusedWhenTLSMandatory(t *testing.T) {
	srv := mailtest.Start(t)
	s := mustSMTP(t, srv.URL()+"?tls=mandatory")
	if err := s.Send(t.Context(), testMessage("a@example.com")); err == nil {
		t.Fatal("Send with tls=mandatory to a server without STARTTLS: got nil error, want an error")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSMTPStartTLSAuth(t *testing.T) {
	const user, pass = "mailer", "p@ss:w/rd %1"
	srv := mailtest.Start(t, mailtest.WithAuth(user, pass), mailtest.WithStartTLS())
	tests := []struct {
		name, user, pass, query string
		wantErr                 bool
	}{
		{"trusted ca file", user, pass, "ca_file=" + srv.CAFile(), false},
		{"skip verify", user, pass, "insecure_skip_verify=1&auth=plain", false},
		{"untrusted certificate", user, pass, "", true},
		{"wrong password", user, "nope", "ca_file=" + srv.CAFile(), true},
		{"no credentials", "", "", "ca_file=" + srv.CAFile(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Messages())
			s := mustSMTP(t, withCreds(t, srv.URL(), tt.user, tt.pass, tt.query))
			err := s.Send(t.Context(), testMessage("a@example.com"))
			t.Logf("Send: %v", err)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("Send: got error %v, want error: %v", err, tt.wantErr)
			}
			msgs := srv.Messages()
			if tt.wantErr {
				if len(msgs) != before {
					t.Errorf("server received %d new messages, want 0", len(msgs)-before)
				}
				return
			}
			got := msgs[len(msgs)-1]
			if !got.TLS || got.User != user {
				t.Errorf("got TLS=%v user=%q, want TLS and user %q", got.TLS, got.User, user)
			}
		})
	}
}

// TestSMTPCredentialsRequireTLS: credentials are never sent in clear text
// unless the URL says tls=none.
func TestSMTPCredentialsRequireTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("u", "secret"))
	s := mustSMTP(t, withCreds(t, srv.URL(), "u", "secret", ""))
	if err := s.Send(t.Context(), testMessage("a@example.com")); err == nil {
		t.Fatal("Send with credentials to a server without STARTTLS: got nil error, want an error")
	}
	s = mustSMTP(t, withCreds(t, srv.URL(), "u", "secret", "tls=none"))
	mustSend(t, s, testMessage("a@example.com"))
	if got := onlyMessage(t, srv); got.TLS || got.User != "u" {
		t.Errorf("got TLS=%v user=%q, want clear text and user u", got.TLS, got.User)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("u", "secret"))
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL: got %q, want smtps://", srv.URL())
	}
	s := mustSMTP(t, withCreds(t, srv.URL(), "u", "secret", "ca_file="+srv.CAFile()))
	mustSend(t, s, testMessage("a@example.com"))
	if got := onlyMessage(t, srv); !got.TLS || got.User != "u" || !strings.Contains(got.Text, "K7Q2ZX") {
		t.Errorf("got TLS=%v user=%q text %q, want TLS, user u and the code", got.TLS, got.User, got.Text)
	}
}

func TestSMTPErrorClassification(t *testing.T) {
	rejecting := mailtest.Start(t, mailtest.RejectAll())
	err := mustSMTP(t, rejecting.URL()).Send(t.Context(), testMessage("a@example.com"))
	if !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("554 reply: got %v, want ErrPermanent", err)
	}
	flaky := mailtest.Start(t, mailtest.FailFirst(1))
	err = mustSMTP(t, flaky.URL()).Send(t.Context(), testMessage("a@example.com"))
	if err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Errorf("451 reply: got %v, want a transient error", err)
	}
	err = mustSMTP(t, flaky.URL()).Send(t.Context(), gatehouse.Message{To: "not an address", Text: "x"})
	if !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("invalid recipient: got %v, want ErrPermanent", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := mustSMTP(t, flaky.URL()).Send(ctx, testMessage("a@example.com")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
}

func TestNewSMTPInvalid(t *testing.T) {
	const secret = "hunter2secret"
	tests := []struct{ url, from string }{
		{"ftp://u:" + secret + "@host", testFrom},
		{"smtp://u:" + secret + "@:25", testFrom},
		{"smtp://u:" + secret + "@host:99999", testFrom},
		{"smtp://u:" + secret + "@host/path", testFrom},
		{"smtp://u:" + secret + "@host?tls=sometimes", testFrom},
		{"smtp://u:" + secret + "@host?insecure_skip_verify=yes%20please", testFrom},
		{"smtp://u:" + secret + "@host?unknown=1", testFrom},
		{"smtp://u:" + secret + "@host?auth=xoauth", testFrom},
		{"smtp://u:" + secret + "@host?ca_file=/nonexistent/ca.pem", testFrom},
		{"smtp://u:" + secret + "@host?timeout=-1s", testFrom},
		{"smtps://u:" + secret + "@host?tls=none", testFrom},
		{"smtp://host?auth=plain", testFrom},
		{"smtp://u:" + secret + "@host\x7f", testFrom},
		{"smtp://u:" + secret + "@host", "not an address"},
	}
	for _, tt := range tests {
		_, err := mail.NewSMTP(tt.url, tt.from)
		if err == nil {
			t.Errorf("NewSMTP(%q, %q): got nil error, want an error", tt.url, tt.from)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("NewSMTP(%q): error %q reveals the password", tt.url, err)
		}
	}
}

func TestSMTPStringRedactsPassword(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	s := mustSMTP(t, "smtp://mailer:"+secret+"@smtp.example.com:587?auth=login")
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%v %s %+v", s, s, s)} {
		if strings.Contains(out, secret) {
			t.Errorf("got %q, want the password redacted", out)
		}
		if !strings.Contains(out, "smtp.example.com:587") || !strings.Contains(out, "mailer") {
			t.Errorf("got %q, want host, port and user", out)
		}
	}
}
