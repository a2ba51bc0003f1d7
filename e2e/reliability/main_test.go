package reliability

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

// binPath is the gatehouse binary under test, built once by TestMain.
var binPath string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	if p := os.Getenv("GATEHOUSE_BIN"); p != "" {
		binPath = p
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "gatehouse-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "gatehouse")
	cmd := exec.Command("go", "build", "-o", binPath, "../../cmd/gatehouse")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: build gatehouse:", err)
		return 1
	}
	code := m.Run()
	if leaks := secrets.scan(); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "reliability: raw tokens found in server logs:\n%s\n", strings.Join(leaks, "\n"))
		return 1
	}
	fmt.Fprintf(os.Stderr, "reliability: leak scan: %d secrets checked against %d process logs (%d bytes): none found\n",
		secrets.count(), secrets.logCount(), secrets.logBytes())
	return code
}

// backend is a database the server runs on.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", storetest.SQLiteDSN},
	{"postgres", storetest.PostgresDSN},
}

// forEachBackend runs fn as a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}

const testSecret = "reliability-test-secret-0123456789abcdef"

// deployment is one database with the flags every process on it gets.
type deployment struct {
	dsn string
}

func newDeployment(t *testing.T, be backend) *deployment {
	t.Helper()
	secrets.add(testSecret)
	d := &deployment{dsn: be.dsn(t)}
	if !d.sqlite() {
		d.mustCLI(t, "migrate")
	}
	return d
}

func (d *deployment) sqlite() bool { return strings.HasPrefix(d.dsn, "sqlite:") }

// sqlitePath is the database file of a SQLite deployment.
func (d *deployment) sqlitePath() string { return strings.TrimPrefix(d.dsn, "sqlite:") }

func (d *deployment) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, append(args, "--db", d.dsn, "--secret", testSecret)...)
	var out bytes.Buffer
	errOut := secrets.newLog()
	cmd.Stdout, cmd.Stderr = &out, errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out.String()
}

// org is an organization with a token of every scope.
type org struct {
	apitype.Organization
	Token string
}

func (d *deployment) mustOrg(t *testing.T, slug string) org {
	t.Helper()
	var o org
	if err := json.Unmarshal([]byte(d.mustCLI(t, "org", "create", "--name", "Org "+slug, "--slug", slug)), &o.Organization); err != nil {
		t.Fatalf("org create output: %v", err)
	}
	o.Token = d.mustToken(t, slug, "customers:read,customers:write,customer_sessions:read,customer_sessions:write")
	return o
}

func (d *deployment) mustToken(t *testing.T, slug, scopes string, extra ...string) string {
	t.Helper()
	var tok apitype.AccessToken
	out := d.mustCLI(t, append([]string{"token", "create", "--org", slug, "--scopes", scopes}, extra...)...)
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "gatehouse_oat_") {
		t.Fatalf("token create: got %q (%v), want a gatehouse_oat_ token", tok.Token, err)
	}
	secrets.add(tok.Token)
	return tok.Token
}

// server is one running "gatehouse serve".
type server struct {
	URL  string
	cmd  *exec.Cmd
	log  *logBuffer
	done chan error
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// mustServe starts "gatehouse serve" on d and waits until /readyz answers.
// It is killed when the test ends if still running.
func (d *deployment) mustServe(t testing.TB, args ...string) *server {
	t.Helper()
	base := []string{"serve", "--addr", "127.0.0.1:0", "--db", d.dsn, "--secret", testSecret,
		"--session-ttl", "1h", "--shutdown-timeout", "10s"}
	cmd := exec.Command(binPath, append(base, args...)...)
	s := &server{cmd: cmd, log: secrets.newLog(), done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gatehouse serve: %v", err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !s.exited() {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.After(60 * time.Second)
	for s.URL == "" {
		if m := listenRE.FindStringSubmatch(s.log.String()); m != nil {
			s.URL = "http://" + m[1]
			break
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("gatehouse serve exited before listening (%v):\n%s", err, s.log)
		case <-deadline:
			t.Fatalf("gatehouse serve did not log its address within 60s:\n%s", s.log)
		case <-time.After(10 * time.Millisecond):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for c := client.New(s.URL); c.Ready(ctx) != nil; {
		if ctx.Err() != nil {
			t.Fatalf("gatehouse serve never became ready:\n%s", s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

func (s *server) exited() bool {
	select {
	case err := <-s.done:
		s.done <- err
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t testing.TB) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
		s.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("gatehouse serve survived SIGKILL for 10s")
	}
}

// client returns a client for s with token.
func (s *server) client(token string) *client.Client {
	return client.New(s.URL, client.WithToken(token))
}

// secretRegistry remembers every raw secret and token issued during the
// suite and every process log, so that TestMain can check none leaked.
type secretRegistry struct {
	mu   sync.Mutex
	list map[string]bool
	logs []*logBuffer
}

var secrets = &secretRegistry{list: map[string]bool{}}

func (r *secretRegistry) add(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range s {
		if x != "" {
			r.list[x] = true
		}
	}
}

func (r *secretRegistry) newLog() *logBuffer {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &logBuffer{}
	r.logs = append(r.logs, b)
	return b
}

func (r *secretRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.list)
}

func (r *secretRegistry) logCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.logs)
}

func (r *secretRegistry) logBytes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.logs {
		n += len(l.String())
	}
	return n
}

// scan returns a description of every secret found in a log. A secret is
// matched by its last 24 characters too, so a truncated copy counts.
func (r *secretRegistry) scan() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, l := range r.logs {
		text := l.String()
		for s := range r.list {
			needle := s
			if len(s) > 24 {
				needle = s[len(s)-24:]
			}
			if strings.Contains(text, needle) {
				out = append(out, fmt.Sprintf("log %d contains a secret ending …%s", i, s[len(s)-4:]))
			}
		}
	}
	return out
}

// logBuffer collects a process's output while tests read it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
