package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// binPath is the gatehouse binary under test, built by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(e2etest.Main(m, "e2e", e2etest.RaceEnabled, &binPath))
}

// backend is a database Gatehouse can run on.
type backend struct {
	name string
	// dsn returns a fresh, empty database for t.
	dsn func(t testing.TB) string
	// secret is passed with --secret; empty lets SQLite generate its file.
	secret string
}

var backends = []backend{
	{name: "sqlite", dsn: func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db") }},
	{name: "postgres", dsn: storetest.PostgresDSN, secret: "e2e-postgres-secret-0123456789"},
}

// deployment is one database plus the secrets the tests must never find in
// a log: every server and CLI run on it is checked at the end.
type deployment struct {
	be  backend
	dsn string
	// leaks holds the secrets, raw tokens and logs; its only exempt line
	// is the deliberate log-mailer line of TestLoginCodeLogMailer, which
	// must show a code.
	leaks e2etest.LeakCheck
}

// newDeployment prepares a fresh database on be (migrated on PostgreSQL, as
// an operator would with "gatehouse migrate").
func newDeployment(t *testing.T, be backend) *deployment {
	t.Helper()
	d := &deployment{be: be, dsn: be.dsn(t)}
	if be.secret != "" {
		d.hide(be.secret)
	}
	t.Cleanup(func() { d.checkLogs(t) })
	if !strings.HasPrefix(d.dsn, "sqlite:") {
		d.mustCLI(t, "migrate")
	}
	return d
}

func (d *deployment) hide(s string) { d.leaks.Hide(s) }

// exemptLine excludes exactly this log line (without its newline) from the
// leak check. Use it only for a line that must show a secret by design.
func (d *deployment) exemptLine(line string) { d.leaks.ExemptLine(line) }

// checkLogs fails t when a log holds a secret or raw token, the generated
// SQLite secret included.
func (d *deployment) checkLogs(t *testing.T) {
	t.Helper()
	if strings.HasPrefix(d.dsn, "sqlite:") {
		if b, err := os.ReadFile(strings.TrimPrefix(d.dsn, "sqlite:") + ".secret"); err == nil {
			d.hide(strings.TrimSpace(string(b)))
		}
	}
	d.leaks.Check(t)
}

// env returns the process environment for a gatehouse run on d.
func (d *deployment) env() []string {
	env := append(os.Environ(), "GATEHOUSE_DB="+d.dsn, "GATEHOUSE_SECRET="+d.be.secret)
	return env
}

// mustCLI runs "gatehouse args..." on d and returns its stdout.
func (d *deployment) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := d.cli(args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func (d *deployment) cli(args ...string) (stdout, stderr string, err error) {
	errOut := d.leaks.NewLog()
	stdout, err = e2etest.RunCLI(binPath, args, d.env(), errOut)
	return stdout, errOut.String(), err
}

// org is an organization created through the CLI with a token of every scope.
type org struct {
	apitype.Organization
	Token string
}

func (d *deployment) mustOrg(t *testing.T, name, slug string) org {
	t.Helper()
	var o org
	if err := json.Unmarshal([]byte(d.mustCLI(t, "org", "create", "--name", name, "--slug", slug)), &o.Organization); err != nil {
		t.Fatalf("org create output: %v", err)
	}
	o.Token = d.mustToken(t, slug)
	return o
}

func (d *deployment) mustToken(t *testing.T, slug string, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{e2etest.AllScopes}
	}
	var tok apitype.AccessToken
	if err := json.Unmarshal([]byte(d.mustCLI(t, "token", "create", "--org", slug, "--scopes", strings.Join(scopes, ","))), &tok); err != nil {
		t.Fatalf("token create output: %v", err)
	}
	if !strings.HasPrefix(tok.Token, "gatehouse_oat_") {
		t.Fatalf("token create: got token %q, want a gatehouse_oat_ token", tok.Token)
	}
	d.hide(tok.Token)
	return tok.Token
}

// server is a running "gatehouse serve" process.
type server struct {
	*e2etest.Process
	URL string
	log *e2etest.SyncBuffer
}

// mustServe starts "gatehouse serve" on d and waits until it is ready. It is
// stopped (SIGTERM, graceful) when the test ends, unless stopped before.
func (d *deployment) mustServe(t *testing.T, args ...string) *server {
	t.Helper()
	s, err := d.serve(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (d *deployment) serve(args ...string) (*server, error) {
	p, err := e2etest.Start(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "10s"}, args...),
		d.env(), d.leaks.NewLog())
	if err != nil {
		return nil, err
	}
	s := &server{Process: p, log: p.Log()}
	if err := p.WaitListening(60 * time.Second); err != nil {
		return s, err
	}
	s.URL = p.URL()
	if err := e2etest.WaitReady(s.URL, 30*time.Second); err != nil {
		return s, fmt.Errorf("gatehouse serve never became ready: %v\n%s", err, s.log)
	}
	return s, nil
}

// stop sends SIGTERM and requires a clean exit within the shutdown timeout.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.Exited() {
		return
	}
	exited, err := s.Terminate(20 * time.Second)
	switch {
	case !exited:
		t.Errorf("gatehouse serve did not stop within 20s of SIGTERM:\n%s", s.log)
	case err != nil:
		t.Errorf("gatehouse serve exited with %v after SIGTERM:\n%s", err, s.log)
	case !strings.Contains(s.log.String(), "msg=stopped"):
		t.Errorf("gatehouse serve did not log a clean stop:\n%s", s.log)
	}
}
