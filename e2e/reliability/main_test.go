package reliability

import (
	"fmt"
	"os"
	"strings"
	"testing"

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

// newDeployment prepares a database on be (migrated on PostgreSQL) whose
// processes log into secrets. Servers still running at the end of a test are
// killed: many tests leave hostile or loaded connections behind.
func newDeployment(t *testing.T, be backend) *e2etest.Deployment {
	t.Helper()
	return e2etest.NewDeployment(t, binPath, be.dsn(t), e2etest.WithSecret(testSecret), e2etest.SharedLeaks(secrets),
		e2etest.ServeArgs("--session-ttl", "1h"), e2etest.KillAtEnd(), e2etest.Migrated())
}
