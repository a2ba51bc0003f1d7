package cluster

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// binPath is the gatehouse binary under test, built by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(e2etest.Main(m, "cluster", e2etest.RaceEnabled, &binPath))
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

	leaks e2etest.LeakCheck // secrets and raw tokens no log may contain
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

func (d *deployment) hide(s string) { d.leaks.Hide(s) }

// checkLogs fails t when a process log holds a secret or raw token, a
// panic, or a data race report.
func (d *deployment) checkLogs(t *testing.T) {
	t.Helper()
	d.leaks.Check(t)
	for _, l := range d.leaks.Logs() {
		text := l.String()
		for _, bad := range []string{"DATA RACE", "panic:"} {
			if strings.Contains(text, bad) {
				t.Errorf("a log contains %q:\n%s", bad, text)
			}
		}
	}
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
	errOut := d.leaks.NewLog()
	stdout, err = e2etest.RunCLI(binPath, append(args, "--db", d.dsn), d.processEnv(withSecret), errOut)
	return stdout, errOut.String(), err
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
	*e2etest.Process
	URL  string
	name string
	log  *e2etest.SyncBuffer
}

// serve starts "gatehouse serve" on d and waits for its listening log line,
// or for it to exit (then the returned instance has exited and err says so).
func (d *deployment) serve(name string, withSecret bool, args ...string) (*instance, error) {
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", d.dsn, "--shutdown-timeout", "10s"}, args...)
	p, err := e2etest.Start(binPath, full, d.processEnv(withSecret), d.leaks.NewLog())
	if err != nil {
		return nil, err
	}
	in := &instance{Process: p, name: name, log: p.Log()}
	if err := p.WaitListening(60 * time.Second); err != nil {
		return in, err
	}
	in.URL = p.URL()
	return in, nil
}

// mustServe starts a ready instance that is stopped when the test ends.
func (d *deployment) mustServe(t *testing.T, name string, args ...string) *instance {
	t.Helper()
	in, err := d.serve(name, true, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.stop(t) })
	if err := e2etest.WaitReady(in.URL, 30*time.Second); err != nil {
		t.Fatalf("instance %s never became ready: %v\n%s", name, err, in.log)
	}
	return in
}

// client returns a client of in authenticated with token.
func (in *instance) client(token string) *client.Client {
	return client.New(in.URL, client.WithToken(token),
		client.WithHTTPClient(&http.Client{Timeout: clientTimeout}))
}

// stop sends SIGTERM and requires a clean exit.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	if in.Exited() {
		return
	}
	exited, err := in.Terminate(20 * time.Second)
	switch {
	case !exited:
		t.Errorf("instance %s did not stop within 20s of SIGTERM:\n%s", in.name, in.log)
	case err != nil:
		t.Errorf("instance %s exited with %v after SIGTERM:\n%s", in.name, err, in.log)
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
