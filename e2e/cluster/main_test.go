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

// deployment is an e2etest.Deployment with a random secret. On PostgreSQL
// each deployment has its own schema and its own application_name, so a
// test can find (and terminate) exactly its instances'
// connections without disturbing other tests.
type deployment struct {
	*e2etest.Deployment
	appName string // empty on SQLite
}

// newPostgres returns a deployment on a fresh PostgreSQL schema (not yet
// migrated). Its logs are checked for secrets when the test ends.
func newPostgres(t *testing.T) *deployment {
	t.Helper()
	app := "ghcluster_" + randHex(6)
	dsn := storetest.PostgresDSN(t) + "&application_name=" + app
	return &deployment{Deployment: e2etest.NewDeployment(t, binPath, dsn, e2etest.WithSecret(newSecret())), appName: app}
}

// newSQLite returns a deployment on a new SQLite file with a given secret.
func newSQLite(t *testing.T) *deployment {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
	return &deployment{Deployment: e2etest.NewDeployment(t, binPath, dsn, e2etest.WithSecret(newSecret()))}
}

func newSecret() string { return "cluster-secret-" + randHex(16) }

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// bounded makes a client count a request still running after clientTimeout
// as a hang.
var bounded = client.WithHTTPClient(&http.Client{Timeout: clientTimeout})

// adminDB connects to d's database as the test itself (another
// application_name than the instances), for watching and disturbing them.
func (d *deployment) adminDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := strings.Replace(d.DSN, "application_name="+d.appName, "application_name="+d.appName+"_admin", 1)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { db.Close() })
	return db
}
