package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
)

var (
	// binPath is the gatehouse binary under test, built by TestMain.
	binPath string
	// chromiumPath is the browser the tests drive.
	chromiumPath string
	// repoRoot is the module root; screenshots go below it.
	repoRoot string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	var err error
	if repoRoot, err = findRepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	if chromiumPath, err = findChromium(); err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	if p := os.Getenv("GATEHOUSE_BIN"); p != "" {
		binPath = p
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "gatehouse-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "gatehouse")
	cmd := exec.Command("go", "build", "-o", binPath, "./cmd/gatehouse")
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "browser: build gatehouse:", err)
		return 1
	}
	return m.Run()
}

// findRepoRoot walks up from the working directory to go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// findChromium returns $GATEHOUSE_CHROMIUM or /usr/bin/chromium, installing
// the Debian package first when neither exists.
func findChromium() (string, error) {
	candidates := []string{os.Getenv("GATEHOUSE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}
	find := func() string {
		for _, c := range candidates {
			if c == "" {
				continue
			}
			if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
				return c
			}
		}
		return ""
	}
	if p := find(); p != "" {
		return p, nil
	}
	cmd := exec.Command("sh", filepath.Join(repoRoot, "scripts", "install-chromium.sh"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("install chromium: %w", err)
	}
	if p := find(); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("chromium not found after scripts/install-chromium.sh")
}

// deployment is one SQLite database administered with the gatehouse CLI.
type deployment struct {
	t      *testing.T
	dsn    string
	secret string
	mu     sync.Mutex
	logs   []*syncBuffer
	hidden []string // tokens no log may contain
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	d := &deployment{
		t:      t,
		dsn:    "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db"),
		secret: "browser-test-secret-0123456789abcdef",
	}
	t.Cleanup(d.checkLogs)
	return d
}

func (d *deployment) env() []string {
	return append(os.Environ(), "GATEHOUSE_DB="+d.dsn, "GATEHOUSE_SECRET="+d.secret)
}

func (d *deployment) hide(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hidden = append(d.hidden, s)
}

// checkLogs fails the test when a server or CLI log shows a raw token.
func (d *deployment) checkLogs() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.logs {
		text := l.String()
		for _, h := range d.hidden {
			if h != "" && strings.Contains(text, h) {
				d.t.Errorf("a log contains a token (…%s)", h[len(h)-4:])
			}
		}
	}
}

// mustCLI runs "gatehouse args..." and returns its stdout.
func (d *deployment) mustCLI(args ...string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = d.env()
	var out bytes.Buffer
	errOut := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = &out, errOut
	err := cmd.Run()
	d.mu.Lock()
	d.logs = append(d.logs, errOut)
	d.mu.Unlock()
	if err != nil {
		d.t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out.String()
}

// org is an organization created with the CLI, and its access token.
type org struct {
	apitype.Organization
	Token string
}

// mustOrg creates an organization and a token with every scope.
func (d *deployment) mustOrg(name, slug string) *org {
	d.t.Helper()
	var o org
	if err := json.Unmarshal([]byte(d.mustCLI("org", "create", "--name", name, "--slug", slug)), &o.Organization); err != nil {
		d.t.Fatalf("org create output: %v", err)
	}
	var tok apitype.AccessToken
	scopes := "customers:read,customers:write,customer_sessions:read,customer_sessions:write"
	if err := json.Unmarshal([]byte(d.mustCLI("token", "create", "--org", slug, "--scopes", scopes)), &tok); err != nil {
		d.t.Fatalf("token create output: %v", err)
	}
	d.hide(tok.Token)
	o.Token = tok.Token
	return &o
}

// merchant is o's API client on s.
func (o *org) merchant(s *server) *client.Client { return client.New(s.URL, client.WithToken(o.Token)) }

// server is a running "gatehouse serve".
type server struct {
	URL  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan error
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// mustServe starts "gatehouse serve" on a free port, waits until it is
// ready and checks it serves the portal. It stops (SIGTERM) at the end.
func (d *deployment) mustServe(args ...string) *server {
	d.t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "5s"}, args...)...)
	cmd.Env = d.env()
	s := &server{cmd: cmd, log: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr, cmd.Stdout = s.log, s.log
	d.mu.Lock()
	d.logs = append(d.logs, s.log)
	d.mu.Unlock()
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("start gatehouse serve: %v", err)
	}
	go func() { s.done <- cmd.Wait() }()
	d.t.Cleanup(s.stop)
	deadline := time.Now().Add(60 * time.Second)
	for s.URL == "" {
		if m := listenRE.FindStringSubmatch(s.log.String()); m != nil {
			s.URL = "http://" + m[1]
			break
		}
		select {
		case err := <-s.done:
			s.done <- err
			d.t.Fatalf("gatehouse serve %s exited before listening (%v):\n%s", strings.Join(args, " "), err, s.log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("gatehouse serve did not log its address within 60s:\n%s", s.log)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for c := client.New(s.URL); c.Ready(ctx) != nil; time.Sleep(50 * time.Millisecond) {
		if ctx.Err() != nil {
			d.t.Fatalf("gatehouse serve never became ready:\n%s", s.log)
		}
	}
	if !servesPortal(s.URL) {
		d.t.Fatalf("gatehouse serve does not serve the portal (GET /any/portal/static/portal.css); mount internal/web outside /v1/")
	}
	return s
}

// servesPortal reports whether base answers the portal's stylesheet.
func servesPortal(base string) bool {
	resp, err := http.Get(base + "/any/portal/static/portal.css")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css")
}

// stop sends SIGTERM and waits for the process.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
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
