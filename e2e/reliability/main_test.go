package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// binPath is the gatehouse binary under test, built once by TestMain.
var binPath string

// secrets holds every raw secret and token issued during the suite and every
// process log, so that TestMain can check none leaked. A secret is matched by
// its last 24 characters too, so a truncated copy counts.
var secrets = &e2etest.LeakCheck{SuffixLen: 24}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	// Never a -race build: the soak and slow-loris budgets are measured on
	// the binary as shipped.
	bin, cleanup, err := e2etest.Binary(false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	defer cleanup()
	binPath = bin
	code := m.Run()
	if leaks := secrets.Leaks(); len(leaks) > 0 {
		var lines []string
		for _, l := range leaks {
			lines = append(lines, fmt.Sprintf("log %d contains a secret ending …%s", l.Log, l.Tail()))
		}
		fmt.Fprintf(os.Stderr, "reliability: raw tokens found in server logs:\n%s\n", strings.Join(lines, "\n"))
		return 1
	}
	nSecrets, nLogs, nBytes := secrets.Stats()
	fmt.Fprintf(os.Stderr, "reliability: leak scan: %d secrets checked against %d process logs (%d bytes): none found\n",
		nSecrets, nLogs, nBytes)
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
	secrets.Hide(testSecret)
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
	errOut := secrets.NewLog()
	out, err := e2etest.RunCLI(binPath, append(args, "--db", d.dsn, "--secret", testSecret), nil, errOut)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
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
	o.Token = d.mustToken(t, slug, e2etest.AllScopes)
	return o
}

func (d *deployment) mustToken(t *testing.T, slug, scopes string, extra ...string) string {
	t.Helper()
	var tok apitype.AccessToken
	out := d.mustCLI(t, append([]string{"token", "create", "--org", slug, "--scopes", scopes}, extra...)...)
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "gatehouse_oat_") {
		t.Fatalf("token create: got %q (%v), want a gatehouse_oat_ token", tok.Token, err)
	}
	secrets.Hide(tok.Token)
	return tok.Token
}

// server is one running "gatehouse serve".
type server struct {
	*e2etest.Process
	URL string
	log *e2etest.SyncBuffer
}

// mustServe starts "gatehouse serve" on d and waits until /readyz answers.
// It is killed when the test ends if still running.
func (d *deployment) mustServe(t testing.TB, args ...string) *server {
	t.Helper()
	base := []string{"serve", "--addr", "127.0.0.1:0", "--db", d.dsn, "--secret", testSecret,
		"--session-ttl", "1h", "--shutdown-timeout", "10s"}
	p, err := e2etest.Start(binPath, append(base, args...), nil, secrets.NewLog())
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Process: p, log: p.Log()}
	t.Cleanup(func() {
		if !s.Exited() {
			s.Kill()
		}
	})
	if err := p.WaitListening(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	s.URL = p.URL()
	if err := e2etest.WaitReady(s.URL, 30*time.Second); err != nil {
		t.Fatalf("gatehouse serve never became ready:\n%s", s.log)
	}
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t testing.TB) {
	t.Helper()
	_ = s.Signal(syscall.SIGKILL)
	if exited, _ := s.Wait(10 * time.Second); !exited {
		t.Fatal("gatehouse serve survived SIGKILL for 10s")
	}
}

// client returns a client for s with token.
func (s *server) client(token string) *client.Client {
	return client.New(s.URL, client.WithToken(token))
}
