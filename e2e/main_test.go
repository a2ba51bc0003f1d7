package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// binPath is the gatehouse binary under test, built by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if p := os.Getenv("GATEHOUSE_BIN"); p != "" {
		binPath = p
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "gatehouse-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "gatehouse")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "../cmd/gatehouse")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build gatehouse:", err)
		return 1
	}
	return m.Run()
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
	be     backend
	dsn    string
	mu     sync.Mutex
	hidden []string // secrets and raw tokens
	logs   []*syncBuffer
	// exempt are whole log lines checkLogs skips: only the deliberate
	// log-mailer line of TestLoginCodeLogMailer, which must show a code.
	exempt map[string]bool
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

func (d *deployment) hide(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hidden = append(d.hidden, s)
}

// exemptLine excludes exactly this log line (without its newline) from the
// leak check. Use it only for a line that must show a secret by design.
func (d *deployment) exemptLine(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.exempt == nil {
		d.exempt = map[string]bool{}
	}
	d.exempt[line] = true
}

func (d *deployment) checkLogs(t *testing.T) {
	if strings.HasPrefix(d.dsn, "sqlite:") {
		if b, err := os.ReadFile(strings.TrimPrefix(d.dsn, "sqlite:") + ".secret"); err == nil {
			d.hide(strings.TrimSpace(string(b)))
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.logs {
		text := l.String()
		if len(d.exempt) > 0 {
			var kept []string
			for _, line := range strings.Split(text, "\n") {
				if !d.exempt[line] {
					kept = append(kept, line)
				}
			}
			text = strings.Join(kept, "\n")
		}
		for _, h := range d.hidden {
			if h != "" && strings.Contains(text, h) {
				t.Errorf("a log contains a secret or token (…%s):\n%s", h[len(h)-4:], text)
			}
		}
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = d.env()
	var out bytes.Buffer
	errOut := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = &out, errOut
	err = cmd.Run()
	d.mu.Lock()
	d.logs = append(d.logs, errOut)
	d.mu.Unlock()
	return out.String(), errOut.String(), err
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
		scopes = []string{"customers:read", "customers:write", "customer_sessions:read", "customer_sessions:write"}
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
	URL  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan error
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

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
	cmd := exec.Command(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "10s"}, args...)...)
	cmd.Env = d.env()
	s := &server{cmd: cmd, log: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr, cmd.Stdout = s.log, s.log
	d.mu.Lock()
	d.logs = append(d.logs, s.log)
	d.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gatehouse serve: %w", err)
	}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(s.log.String()); m != nil {
			s.URL = "http://" + m[1]
			break
		}
		select {
		case err := <-s.done:
			s.done <- err
			return s, fmt.Errorf("gatehouse serve exited before listening (%v):\n%s", err, s.log)
		case <-deadline:
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("gatehouse serve did not log its address within 60s:\n%s", s.log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for c := client.New(s.URL); ; {
		if err := c.Ready(ctx); err == nil {
			return s, nil
		} else if ctx.Err() != nil {
			return s, fmt.Errorf("gatehouse serve never became ready: %v\n%s", err, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and requires a clean exit within the shutdown timeout.
func (s *server) stop(t *testing.T) {
	t.Helper()
	select {
	case err := <-s.done: // already exited
		s.done <- err
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Errorf("gatehouse serve exited with %v after SIGTERM:\n%s", err, s.log)
		} else if !strings.Contains(s.log.String(), "msg=stopped") {
			t.Errorf("gatehouse serve did not log a clean stop:\n%s", s.log)
		}
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("gatehouse serve did not stop within 20s of SIGTERM:\n%s", s.log)
	}
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
