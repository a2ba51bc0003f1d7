package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
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

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

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
	dir, err := os.MkdirTemp("", "gatehouse-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "gatehouse")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/gatehouse/gatehouse/cmd/gatehouse")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "cluster: build gatehouse:", err)
		return 1
	}
	return m.Run()
}

// clientTimeout bounds every request: a request still running after it
// counts as a hang.
const clientTimeout = 15 * time.Second

// deployment is one database shared by every process a test starts on it.
// On PostgreSQL each deployment has its own schema and its own
// application_name, so a test can find (and terminate) exactly its
// instances' connections without disturbing other tests.
type deployment struct {
	dsn     string // what the processes get, application_name included
	secret  string // empty: none given
	appName string // empty on SQLite

	mu     sync.Mutex
	hidden []string // secrets and raw tokens no log may contain
	logs   []*logBuffer
}

// newPostgres returns a deployment on a fresh PostgreSQL schema (not yet
// migrated). Its logs are checked for secrets when the test ends.
func newPostgres(t *testing.T) *deployment {
	t.Helper()
	app := "ghcluster_" + randHex(6)
	d := &deployment{
		dsn:     storetest.PostgresDSN(t) + "&application_name=" + app,
		secret:  "cluster-secret-" + randHex(16),
		appName: app,
	}
	d.hide(d.secret)
	t.Cleanup(func() { d.checkLogs(t) })
	return d
}

// newSQLite returns a deployment on a new SQLite file with a given secret.
func newSQLite(t *testing.T) *deployment {
	t.Helper()
	d := &deployment{
		dsn:    "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db"),
		secret: "cluster-secret-" + randHex(16),
	}
	d.hide(d.secret)
	t.Cleanup(func() { d.checkLogs(t) })
	return d
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (d *deployment) hide(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hidden = append(d.hidden, s)
}

// checkLogs fails t when a process log holds a secret or raw token, a
// panic, or a data race report.
func (d *deployment) checkLogs(t *testing.T) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.logs {
		text := l.String()
		for _, h := range d.hidden {
			if h != "" && strings.Contains(text, h) {
				t.Errorf("a log contains a secret or token (…%s):\n%s", h[len(h)-4:], text)
			}
		}
		for _, bad := range []string{"DATA RACE", "panic:"} {
			if strings.Contains(text, bad) {
				t.Errorf("a log contains %q:\n%s", bad, text)
			}
		}
	}
}

func (d *deployment) addLog(l *logBuffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.logs = append(d.logs, l)
}

// processEnv is the environment of every gatehouse process: the test's own
// without any GATEHOUSE_* variable, plus the deployment's secret (when it
// has one and withSecret is set).
func (d *deployment) processEnv(withSecret bool) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			env = append(env, kv)
		}
	}
	if withSecret && d.secret != "" {
		env = append(env, "GATEHOUSE_SECRET="+d.secret)
	}
	return env
}

// cli runs "gatehouse args... --db DSN" with the deployment's secret.
func (d *deployment) cli(args ...string) (stdout, stderr string, err error) {
	return d.run(true, args...)
}

// run runs "gatehouse args... --db DSN", with or without the secret.
func (d *deployment) run(withSecret bool, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, append(args, "--db", d.dsn)...)
	cmd.Env = d.processEnv(withSecret)
	var out bytes.Buffer
	errOut := &logBuffer{}
	cmd.Stdout, cmd.Stderr = &out, errOut
	d.addLog(errOut)
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// mustCLI runs a gatehouse command that must succeed and returns its stdout.
func (d *deployment) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := d.cli(args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// instance is a running "gatehouse serve" process.
type instance struct {
	URL  string
	name string
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, valid after done
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// serve starts "gatehouse serve" on d and waits for its listening log line,
// or for it to exit (then the returned instance has exited and err says so).
func (d *deployment) serve(name string, withSecret bool, args ...string) (*instance, error) {
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", d.dsn, "--shutdown-timeout", "10s"}, args...)
	cmd := exec.Command(binPath, full...)
	cmd.Env = d.processEnv(withSecret)
	in := &instance{name: name, cmd: cmd, log: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = in.log, in.log
	d.addLog(in.log)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gatehouse serve: %w", err)
	}
	go func() { in.err = cmd.Wait(); close(in.done) }()
	deadline := time.After(60 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(in.log.String()); m != nil {
			in.URL = "http://" + m[1]
			return in, nil
		}
		select {
		case <-in.done:
			return in, fmt.Errorf("gatehouse serve exited before listening (%v):\n%s", in.err, in.log)
		case <-deadline:
			_ = cmd.Process.Kill()
			<-in.done
			return in, fmt.Errorf("gatehouse serve did not log its address within 60s:\n%s", in.log)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// mustServe starts a ready instance that is stopped when the test ends.
func (d *deployment) mustServe(t *testing.T, name string, args ...string) *instance {
	t.Helper()
	in, err := d.serve(name, true, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.stop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for c := client.New(in.URL); ; {
		err := c.Ready(ctx)
		if err == nil {
			return in
		}
		if ctx.Err() != nil {
			t.Fatalf("instance %s never became ready: %v\n%s", name, err, in.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client returns a client of in authenticated with token.
func (in *instance) client(token string) *client.Client {
	return client.New(in.URL, client.WithToken(token),
		client.WithHTTPClient(&http.Client{Timeout: clientTimeout}))
}

// wait waits up to timeout for the process to exit by itself.
func (in *instance) wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-in.done:
		return true, in.err
	case <-time.After(timeout):
		return false, nil
	}
}

// stop sends SIGTERM and requires a clean exit.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
		if in.err != nil {
			t.Errorf("instance %s exited with %v after SIGTERM:\n%s", in.name, in.err, in.log)
		}
	case <-time.After(20 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
		t.Errorf("instance %s did not stop within 20s of SIGTERM:\n%s", in.name, in.log)
	}
}

// adminDB connects to d's database as the test itself (another
// application_name than the instances), for watching and disturbing them.
func (d *deployment) adminDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := strings.Replace(d.dsn, "application_name="+d.appName, "application_name="+d.appName+"_admin", 1)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { db.Close() })
	return db
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
