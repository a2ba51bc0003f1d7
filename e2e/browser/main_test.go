package browser

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

// testSecret is the server secret of every deployment.
const testSecret = "browser-test-secret-0123456789abcdef"

// newDeployment prepares a SQLite database administered with the gatehouse
// CLI; its logs must show no token when the test ends.
func newDeployment(t *testing.T) *e2etest.Deployment {
	t.Helper()
	return e2etest.NewDeployment(t, binPath, "sqlite:"+filepath.Join(t.TempDir(), "gatehouse.db"),
		e2etest.WithSecret(testSecret), e2etest.ServeArgs("--shutdown-timeout", "5s"))
}

// mustServe starts "gatehouse serve" on d, waits until it is ready and
// checks it serves the portal.
func mustServe(t *testing.T, d *e2etest.Deployment, args ...string) *e2etest.Server {
	t.Helper()
	s := d.MustServe(t, args...)
	if !servesPortal(s.URL) {
		t.Fatalf("gatehouse serve does not serve the portal (GET /any/portal/static/portal.css); mount internal/web outside /v1/")
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
