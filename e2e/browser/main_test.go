package browser

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
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
	// Never a -race build: the browser tests exercise the pages, not races.
	return e2etest.Main(m, "browser", false, &binPath)
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
	leaks  e2etest.LeakCheck // tokens no log may contain
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

func (d *deployment) hide(s string) { d.leaks.Hide(s) }

// checkLogs fails the test when a server or CLI log shows a raw token.
func (d *deployment) checkLogs() {
	for _, l := range d.leaks.Leaks() {
		d.t.Errorf("a log contains a token (…%s)", l.Tail())
	}
}

// mustCLI runs "gatehouse args..." and returns its stdout.
func (d *deployment) mustCLI(args ...string) string {
	d.t.Helper()
	errOut := d.leaks.NewLog()
	out, err := e2etest.RunCLI(binPath, args, d.env(), errOut)
	if err != nil {
		d.t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
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
	if err := json.Unmarshal([]byte(d.mustCLI("token", "create", "--org", slug, "--scopes", e2etest.AllScopes)), &tok); err != nil {
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
	*e2etest.Process
	URL string
	log *e2etest.SyncBuffer
}

// mustServe starts "gatehouse serve" on a free port, waits until it is
// ready and checks it serves the portal. It stops (SIGTERM) at the end.
func (d *deployment) mustServe(args ...string) *server {
	d.t.Helper()
	p, err := e2etest.Start(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "5s"}, args...),
		d.env(), d.leaks.NewLog())
	if err != nil {
		d.t.Fatal(err)
	}
	s := &server{Process: p, log: p.Log()}
	d.t.Cleanup(s.stop)
	if err := p.WaitListening(60 * time.Second); err != nil {
		d.t.Fatalf("%v\n(args: %s)", err, strings.Join(args, " "))
	}
	s.URL = p.URL()
	if err := e2etest.WaitReady(s.URL, 30*time.Second); err != nil {
		d.t.Fatalf("gatehouse serve never became ready:\n%s", s.log)
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

// stop sends SIGTERM and waits for the process (killing it after 15s).
func (s *server) stop() {
	if !s.Exited() {
		s.Terminate(15 * time.Second)
	}
}
