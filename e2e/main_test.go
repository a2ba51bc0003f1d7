package e2e

import (
	"os"
	"path/filepath"
	"testing"

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
	// secret is the server secret; empty lets SQLite generate its file.
	secret string
}

var backends = []backend{
	{name: "sqlite", dsn: func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db") }},
	{name: "postgres", dsn: storetest.PostgresDSN, secret: "e2e-postgres-secret-0123456789"},
}

// newDeployment prepares a fresh database on be (migrated on PostgreSQL, as
// an operator would with "gatehouse migrate"). Its logs are checked for
// secrets when the test ends; the only exempt line is the deliberate
// log-mailer line of TestLoginCodeLogMailer, which must show a code.
func newDeployment(t *testing.T, be backend) *e2etest.Deployment {
	t.Helper()
	return e2etest.NewDeployment(t, binPath, be.dsn(t), e2etest.WithSecret(be.secret), e2etest.Migrated())
}
