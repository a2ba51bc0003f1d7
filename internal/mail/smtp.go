// Package mail delivers Gatehouse's e-mail: over SMTP (SMTP), to the server
// log when no SMTP server is configured (Log), and in the background with
// bounded retries (Queue). It also renders the login-code message
// (LoginCodeMessage).
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gatehouse/gatehouse"
)

// ErrPermanent marks a delivery failure that retrying cannot fix: the server
// answered with a 5xx reply, or the message itself is invalid. Queue does not
// retry such failures.
var ErrPermanent = errors.New("permanent delivery failure")

// defaultTimeout bounds one SMTP conversation when the context has no
// earlier deadline.
const defaultTimeout = 30 * time.Second

// SMTP is a gatehouse.Mailer that delivers each message over a fresh SMTP
// connection. It is safe for concurrent use.
type SMTP struct {
	from      string
	host      string
	port      int
	implicit  bool // smtps://: TLS from the first byte
	policy    gomail.TLSPolicy
	auth      gomail.SMTPAuthType
	user      string
	pass      string
	tlsConfig *tls.Config
	timeout   time.Duration
	redacted  string
}

var _ gatehouse.Mailer = (*SMTP)(nil)

// NewSMTP returns a Mailer for the SMTP server described by rawURL, sending
// as from (an address, optionally with a display name: "Acme <no-reply@acme.test>").
//
// URL forms:
//
//	smtp://host:1025                  no credentials: STARTTLS if the server offers it, else plain, no AUTH (a local mail catcher)
//	smtp://user:pass@host:587         credentials: STARTTLS is mandatory, then AUTH
//	smtps://user:pass@host:465        implicit TLS (TLS from the first byte), then AUTH
//
// The port defaults to 587 for smtp and 465 for smtps. User and password are
// percent-decoded, so a password may contain any character when escaped.
//
// Query options:
//
//	tls=mandatory|opportunistic|none  smtp only: STARTTLS policy. Default: mandatory with credentials,
//	                                  opportunistic without. "none" never starts TLS and, with
//	                                  credentials, sends them in clear text: only for a trusted network.
//	auth=auto|plain|login|crammd5     AUTH mechanism when credentials are given (default auto: the
//	                                  strongest the server offers; over an unencrypted connection auto
//	                                  means PLAIN, which requires tls=none to be explicit).
//	ca_file=/path/ca.pem              trust the PEM certificates in this file instead of the system roots.
//	insecure_skip_verify=1            do not verify the server certificate (tests and development only).
//	timeout=30s                       upper bound of one SMTP conversation (default 30s).
//
// Unknown options are an error, so a typo does not silently weaken security.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error repeats the URL, password included.
		return nil, errors.New("smtp url: cannot parse")
	}
	s := &SMTP{from: from, timeout: defaultTimeout, redacted: u.Redacted()}
	if err := s.parseURL(u); err != nil {
		return nil, fmt.Errorf("smtp url %s: %w", s.redacted, err)
	}
	return s, nil
}

func (s *SMTP) parseURL(u *url.URL) error {
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return fmt.Errorf("scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return errors.New("unexpected path")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return errors.New("missing host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("invalid port %q", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	return s.parseQuery(u.Query())
}

func (s *SMTP) parseQuery(q url.Values) error {
	tlsMode := q.Get("tls")
	authMode := q.Get("auth")
	for key := range q {
		var err error
		switch key {
		case "tls", "auth":
		case "ca_file":
			err = s.loadCAFile(q.Get(key))
		case "insecure_skip_verify":
			s.tlsConfig.InsecureSkipVerify, err = strconv.ParseBool(q.Get(key))
		case "timeout":
			s.timeout, err = time.ParseDuration(q.Get(key))
			if err == nil && s.timeout <= 0 {
				err = errors.New("must be positive")
			}
		default:
			return fmt.Errorf("unknown option %q", key)
		}
		if err != nil {
			return fmt.Errorf("option %s: %w", key, err)
		}
	}
	if err := s.parseTLSMode(tlsMode); err != nil {
		return err
	}
	return s.parseAuthMode(authMode)
}

func (s *SMTP) parseTLSMode(mode string) error {
	if s.implicit {
		if mode != "" {
			return errors.New("option tls: not allowed with smtps (always TLS)")
		}
		s.policy = gomail.NoTLS // no STARTTLS on a connection that is already TLS
		return nil
	}
	switch mode {
	case "":
		s.policy = gomail.TLSOpportunistic
		if s.user != "" {
			s.policy = gomail.TLSMandatory
		}
	case "mandatory":
		s.policy = gomail.TLSMandatory
	case "opportunistic":
		s.policy = gomail.TLSOpportunistic
	case "none":
		s.policy = gomail.NoTLS
	default:
		return fmt.Errorf("option tls: %q: want mandatory, opportunistic or none", mode)
	}
	return nil
}

func (s *SMTP) parseAuthMode(mode string) error {
	if s.user == "" {
		if mode != "" {
			return errors.New("option auth: given without credentials")
		}
		s.auth = gomail.SMTPAuthNoAuth
		return nil
	}
	clear := s.policy == gomail.NoTLS && !s.implicit
	switch {
	case mode == "" || mode == "auto":
		s.auth = gomail.SMTPAuthAutoDiscover
		if clear {
			s.auth = gomail.SMTPAuthPlainNoEnc
		}
	case mode == "plain" && clear:
		s.auth = gomail.SMTPAuthPlainNoEnc
	case mode == "plain":
		s.auth = gomail.SMTPAuthPlain
	case mode == "login" && clear:
		s.auth = gomail.SMTPAuthLoginNoEnc
	case mode == "login":
		s.auth = gomail.SMTPAuthLogin
	case mode == "crammd5":
		s.auth = gomail.SMTPAuthCramMD5
	default:
		return fmt.Errorf("option auth: %q: want auto, plain, login or crammd5", mode)
	}
	return nil
}

func (s *SMTP) loadCAFile(path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no PEM certificate in %s", path)
	}
	s.tlsConfig.RootCAs = pool
	return nil
}

// String describes the server with the password redacted, so the value can
// be logged.
func (s *SMTP) String() string { return s.redacted }

// Send delivers m over a new SMTP connection. The conversation ends at ctx's
// deadline or after the URL's timeout, whichever comes first; cancelling ctx
// aborts the connection attempt, while a conversation already under way runs
// to that deadline (go-mail honours the context only while dialling). A
// failure that retrying cannot fix wraps ErrPermanent.
func (s *SMTP) Send(ctx context.Context, m gatehouse.Message) error {
	msg, err := s.message(m)
	if err != nil {
		return fmt.Errorf("build mail: %w: %w", ErrPermanent, err)
	}
	timeout := s.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send mail via %s: %w", s.hostPort(), err)
	}
	if timeout <= 0 {
		return fmt.Errorf("send mail via %s: %w", s.hostPort(), context.DeadlineExceeded)
	}
	c, err := gomail.NewClient(s.host, s.options(timeout)...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			err = fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return fmt.Errorf("send mail via %s: %w", s.hostPort(), err)
	}
	return nil
}

func (s *SMTP) hostPort() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func (s *SMTP) options(timeout time.Duration) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSPolicy(s.policy),
		gomail.WithTLSConfig(s.tlsConfig.Clone()),
	}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(s.auth),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return opts
}

// message builds the MIME message: multipart/alternative with a plain-text
// and an HTML part, a Date and a Message-ID in the sender's domain.
func (s *SMTP) message(m gatehouse.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(strings.Join(strings.Fields(m.Subject), " "))
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(s.from))
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID returns a unique Message-ID local part and the sender's domain,
// so the ID does not leak the server's hostname.
func messageID(from string) string {
	domain := "gatehouse.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
			domain = a.Address[i+1:]
		}
	}
	return rand.Text() + "@" + domain
}

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
