package e2etest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Deployment is one database that every gatehouse process of a test shares
// (CLI runs and servers, any number of them), and the secrets none of their
// logs may contain. Every process gets the test's environment without any
// GATEHOUSE_* variable, plus GATEHOUSE_DB=DSN and, when Secret is set,
// GATEHOUSE_SECRET=Secret.
type Deployment struct {
	// DSN is the database; a test may point it elsewhere (through a proxy)
	// before it starts the processes that should use the new one.
	DSN string
	// Secret is the server secret; empty gives none (SQLite then generates
	// a file beside the database, PostgreSQL refuses to run).
	Secret string
	// Leaks receives every process log and every secret and token the
	// helpers see.
	Leaks *LeakCheck

	bin       string
	serveArgs []string
	kill      bool // kill, not stop, the servers still running at the end
	migrate   bool
	ownLeaks  bool
}

// An Option changes what NewDeployment prepares.
type Option func(*Deployment)

// WithSecret gives every process secret (and hides it from the logs).
func WithSecret(secret string) Option { return func(d *Deployment) { d.Secret = secret } }

// Migrated runs "gatehouse migrate" on a PostgreSQL database before the
// test uses it, as an operator would; SQLite migrates itself.
func Migrated() Option { return func(d *Deployment) { d.migrate = true } }

// ServeArgs adds args to every "gatehouse serve", after the defaults
// (--addr 127.0.0.1:0 --shutdown-timeout 10s) and before the call's own.
func ServeArgs(args ...string) Option {
	return func(d *Deployment) { d.serveArgs = append(d.serveArgs, args...) }
}

// SharedLeaks sends the logs and secrets to c, which the caller checks (for
// example once in TestMain), instead of to a check of the deployment's own
// that fails the test when it ends.
func SharedLeaks(c *LeakCheck) Option { return func(d *Deployment) { d.Leaks = c } }

// KillAtEnd makes MustServe kill (SIGKILL) a server still running when the
// test ends, instead of requiring a clean stop: for tests that leave hostile
// or loaded connections behind.
func KillAtEnd() Option { return func(d *Deployment) { d.kill = true } }

// NewDeployment prepares a deployment of the gatehouse binary bin on the
// database dsn. Unless SharedLeaks is given, its logs are checked by
// CheckLogs when the test ends.
func NewDeployment(t testing.TB, bin, dsn string, opts ...Option) *Deployment {
	t.Helper()
	d := &Deployment{DSN: dsn, bin: bin}
	for _, o := range opts {
		o(d)
	}
	if d.Leaks == nil {
		d.Leaks, d.ownLeaks = &LeakCheck{}, true
	}
	d.Hide(d.Secret)
	if d.ownLeaks {
		t.Cleanup(func() { d.CheckLogs(t) })
	}
	if d.migrate && d.SQLiteFile() == "" {
		d.MustCLI(t, "migrate")
	}
	return d
}

// SQLiteFile is the database file of a SQLite deployment, "" on PostgreSQL.
func (d *Deployment) SQLiteFile() string {
	if f, ok := strings.CutPrefix(d.DSN, "sqlite:"); ok {
		return f
	}
	return ""
}

// Hide adds secrets that no log may contain.
func (d *Deployment) Hide(secrets ...string) { d.Leaks.Hide(secrets...) }

// CheckLogs fails t when a process log holds a secret or raw token (the
// secret SQLite generated included), a panic or a data race report.
func (d *Deployment) CheckLogs(t testing.TB) {
	t.Helper()
	if f := d.SQLiteFile(); f != "" {
		if b, err := os.ReadFile(f + ".secret"); err == nil {
			d.Hide(strings.TrimSpace(string(b)))
		}
	}
	d.Leaks.Check(t)
	for _, l := range d.Leaks.Logs() {
		text := l.String()
		for _, bad := range []string{"DATA RACE", "panic:"} {
			if strings.Contains(text, bad) {
				t.Errorf("a log contains %q:\n%s", bad, text)
			}
		}
	}
}

// Env is the environment of every gatehouse process on d.
func (d *Deployment) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			env = append(env, kv)
		}
	}
	env = append(env, "GATEHOUSE_DB="+d.DSN)
	if d.Secret != "" {
		env = append(env, "GATEHOUSE_SECRET="+d.Secret)
	}
	return env
}

// CLI runs "gatehouse args..." on d.
func (d *Deployment) CLI(args ...string) (stdout, stderr string, err error) {
	errOut := d.Leaks.NewLog()
	stdout, err = RunCLI(d.bin, args, d.Env(), errOut)
	return stdout, errOut.String(), err
}

// MustCLI runs "gatehouse args..." on d, which must succeed, and returns its
// stdout.
func (d *Deployment) MustCLI(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, err := d.CLI(args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// Org is an organization created through the CLI, with a token of every
// scope.
type Org struct {
	apitype.Organization
	Token string
}

// MustOrg creates an organization and a token of AllScopes through the CLI.
func (d *Deployment) MustOrg(t testing.TB, name, slug string) Org {
	t.Helper()
	var o Org
	if err := json.Unmarshal([]byte(d.MustCLI(t, "org", "create", "--name", name, "--slug", slug)), &o.Organization); err != nil {
		t.Fatalf("org create output: %v", err)
	}
	o.Token = d.MustToken(t, slug, AllScopes)
	return o
}

// MustToken creates an access token of org slug with scopes (as
// --scopes takes them) and the extra "token create" flags, and hides it.
func (d *Deployment) MustToken(t testing.TB, slug, scopes string, extra ...string) string {
	t.Helper()
	var tok apitype.AccessToken
	out := d.MustCLI(t, append([]string{"token", "create", "--org", slug, "--scopes", scopes}, extra...)...)
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "gatehouse_oat_") {
		t.Fatalf("token create: got %q (%v), want a gatehouse_oat_ token", tok.Token, err)
	}
	d.Hide(tok.Token)
	return tok.Token
}

// Server is a running "gatehouse serve". URL is the base URL it listens at
// (the Process's own URL method, as a field).
type Server struct {
	*Process
	URL string
}

// Serve starts "gatehouse serve" on d and waits up to a minute for its
// listening line. When it exits or does not listen in time, the error says
// so with its log; the returned Server (nil only when it did not start) has
// then exited. Nobody stops it: see MustServe.
func (d *Deployment) Serve(args ...string) (*Server, error) {
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "10s"}, d.serveArgs...)
	p, err := Start(d.bin, append(full, args...), d.Env(), d.Leaks.NewLog())
	if err != nil {
		return nil, err
	}
	s := &Server{Process: p}
	if err := p.WaitListening(time.Minute); err != nil {
		return s, err
	}
	s.URL = p.URL()
	return s, nil
}

// MustServe starts "gatehouse serve" on d and waits until /readyz answers
// ready. When the test ends, a server still running is stopped with Stop
// (or killed, with KillAtEnd).
func (d *Deployment) MustServe(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := d.Serve(args...)
	if s != nil {
		t.Cleanup(func() {
			if d.kill && !s.Exited() {
				s.Kill()
			}
			s.Stop(t)
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := WaitReady(s.URL, 30*time.Second); err != nil {
		t.Fatalf("gatehouse serve never became ready: %v\n%s", err, s.Log())
	}
	return s
}

// Stop sends SIGTERM to a server still running and requires it to exit 0
// within 20 s, logging a clean stop.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.Exited() {
		return
	}
	exited, err := s.Terminate(20 * time.Second)
	switch {
	case !exited:
		t.Errorf("gatehouse serve did not stop within 20s of SIGTERM:\n%s", s.Log())
	case err != nil:
		t.Errorf("gatehouse serve exited with %v after SIGTERM:\n%s", err, s.Log())
	case !strings.Contains(s.Log().String(), "msg=stopped"):
		t.Errorf("gatehouse serve did not log a clean stop:\n%s", s.Log())
	}
}

// Client returns a client of s authenticated with token ("" for none).
func (s *Server) Client(token string, opts ...client.Option) *client.Client {
	return client.New(s.URL, append([]client.Option{client.WithToken(token)}, opts...)...)
}
