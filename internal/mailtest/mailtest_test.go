package mailtest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// raw is a hand-written message with an RFC 2047 subject, a quoted-printable
// text part and a base64 HTML part, independent of any mail library.
const raw = "From: Shop <shop@example.com>\r\n" +
	"To: jane@example.com\r\n" +
	"Subject: =?UTF-8?Q?Caf=C3=A9_order?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"BOUNDARY\"\r\n" +
	"\r\n" +
	"--BOUNDARY\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=C3=A9 code: ABC123, a soft =\r\nbreak\r\n" +
	"--BOUNDARY\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+Q2Fmw6kgY29kZTogPGI+\r\nQUJDMTIzPC9iPjwvcD4=\r\n" +
	"--BOUNDARY--\r\n"

func TestServerParsesMIME(t *testing.T) {
	srv := mailtest.Start(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Fatalf("URL: got %q, want smtp://127.0.0.1:PORT", srv.URL())
	}
	if err := smtp.SendMail(srv.Addr(), nil, "shop@example.com", []string{"jane@example.com"}, []byte(raw)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	got := srv.WaitFor(t, func(r mailtest.Received) bool { return r.From == "shop@example.com" }, 5*time.Second)
	if got.Subject != "Café order" {
		t.Errorf("Subject: got %q, want %q", got.Subject, "Café order")
	}
	if want := "Café code: ABC123, a soft break"; got.Text != want {
		t.Errorf("Text: got %q, want %q", got.Text, want)
	}
	if want := "<p>Café code: <b>ABC123</b></p>"; got.HTML != want {
		t.Errorf("HTML: got %q, want %q", got.HTML, want)
	}
	if len(got.To) != 1 || got.To[0] != "jane@example.com" || got.TLS || got.User != "" {
		t.Errorf("got To %v TLS %v User %q, want [jane@example.com], plain, anonymous", got.To, got.TLS, got.User)
	}
}

func TestServerRequiresAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("u", "p"))
	err := smtp.SendMail(srv.Addr(), nil, "shop@example.com", []string{"jane@example.com"}, []byte(raw))
	if err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("SendMail without AUTH: got %v, want an authentication error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server accepted %d messages, want 0", n)
	}
}

func TestServerFailFirst(t *testing.T) {
	srv := mailtest.Start(t, mailtest.FailFirst(1))
	send := func() error {
		return smtp.SendMail(srv.Addr(), nil, "shop@example.com", []string{"jane@example.com"}, []byte(raw))
	}
	if err := send(); err == nil || !strings.HasPrefix(strings.TrimSpace(err.Error()), "451") {
		t.Errorf("first delivery: got %v, want a 451 reply", err)
	}
	if err := send(); err != nil {
		t.Errorf("second delivery: got %v, want success", err)
	}
	if n, a := len(srv.Messages()), srv.Attempts(); n != 1 || a != 2 {
		t.Errorf("got %d messages after %d attempts, want 1 after 2", n, a)
	}
}
