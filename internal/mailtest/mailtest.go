// Package mailtest runs a real, in-process SMTP server for tests
// (github.com/emersion/go-smtp on 127.0.0.1), with optional AUTH PLAIN,
// STARTTLS or implicit TLS on a self-signed certificate, and injected
// transient failures. Received messages are parsed (MIME, quoted-printable,
// base64) so tests can assert on the subject and both body parts.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is a running test SMTP server. It is closed by t.Cleanup.
type Server struct {
	cfg    config
	srv    *smtp.Server
	addr   string
	caFile string

	mu       sync.Mutex
	messages []Received
	attempts int // DATA commands seen, failed or not
}

// Option configures Start.
type Option func(*config)

type config struct {
	user, pass string
	startTLS   bool
	implicit   bool
	failFirst  int
	rejectAll  bool
}

// WithAuth requires AUTH PLAIN with this user and password before MAIL FROM.
// Without TLS the server offers AUTH on the clear connection too.
func WithAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// WithStartTLS offers STARTTLS with a self-signed certificate for 127.0.0.1
// and localhost, and refuses MAIL FROM on a connection that has not upgraded.
func WithStartTLS() Option { return func(c *config) { c.startTLS = true } }

// WithImplicitTLS serves TLS from the first byte (smtps) with a self-signed
// certificate.
func WithImplicitTLS() Option { return func(c *config) { c.implicit = true } }

// FailFirst makes the first n deliveries fail at the end of DATA with a
// transient 451 reply.
func FailFirst(n int) Option { return func(c *config) { c.failFirst = n } }

// RejectAll makes every delivery fail at the end of DATA with a permanent
// 554 reply.
func RejectAll() Option { return func(c *config) { c.rejectAll = true } }

// Start runs a server on 127.0.0.1:0 until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{}
	for _, o := range opts {
		o(&s.cfg)
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.AllowInsecureAuth = !s.cfg.startTLS && !s.cfg.implicit

	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	if s.cfg.startTLS || s.cfg.implicit {
		cert, certPEM := selfSigned(t)
		s.caFile = filepath.Join(t.TempDir(), "mailtest-ca.pem")
		if err := os.WriteFile(s.caFile, certPEM, 0o600); err != nil {
			t.Fatalf("mailtest: write ca file: %v", err)
		}
		tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if s.cfg.implicit {
			l = tls.NewListener(l, tlsConfig)
		} else {
			s.srv.TLSConfig = tlsConfig
		}
	}
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("mailtest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		s.srv.Close()
		<-done
	})
	return s
}

// URL returns the server's address as smtp://127.0.0.1:PORT, or
// smtps://127.0.0.1:PORT with WithImplicitTLS. It carries no credentials
// and no options.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.cfg.implicit {
		u.Scheme = "smtps"
	}
	return u.String()
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// CAFile returns the path of a PEM file holding the server's self-signed
// certificate (which is its own CA), or "" when the server has no TLS.
func (s *Server) CAFile() string { return s.caFile }

// Messages returns a copy of the messages accepted so far, in arrival order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.messages))
	copy(out, s.messages)
	return out
}

// Attempts returns how many deliveries reached the end of DATA, including
// the ones failed on purpose.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitFor polls until a received message satisfies match and returns it; it
// fails the test if none does within timeout.
func (s *Server) WaitFor(t testing.TB, match func(Received) bool, timeout time.Duration) Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range s.Messages() {
			if match(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no matching message within %v (%d received)", timeout, len(s.Messages()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deliver records the end of one DATA command and decides its reply.
func (s *Server) deliver(r Received, parseErr error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	switch {
	case s.cfg.rejectAll:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected by mailtest"}
	case s.attempts <= s.cfg.failFirst:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later (mailtest)"}
	case parseErr != nil:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: " + parseErr.Error()}
	}
	s.messages = append(s.messages, r)
	return nil
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session is one SMTP connection's state.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) AuthMechanisms() []string {
	if se.srv.cfg.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if se.srv.cfg.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if identity != "" && identity != user {
			return smtp.ErrAuthFailed
		}
		if user != se.srv.cfg.user || pass != se.srv.cfg.pass {
			return smtp.ErrAuthFailed
		}
		se.user = user
		return nil
	}), nil
}

func (se *session) isTLS() bool {
	_, ok := se.conn.TLSConnectionState()
	return ok
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.srv.cfg.startTLS && !se.isTLS() {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	if se.srv.cfg.user != "" && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec := Received{From: se.from, To: append([]string(nil), se.to...), Data: data, TLS: se.isTLS(), User: se.user}
	parseErr := rec.parse()
	return se.srv.deliver(rec, parseErr)
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// selfSigned generates a P-256 certificate for 127.0.0.1, ::1 and
// localhost that is its own CA, and returns it with its PEM encoding so a
// client can trust exactly this certificate.
func selfSigned(t testing.TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: generate key: %v", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatalf("mailtest: serial: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: create certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
