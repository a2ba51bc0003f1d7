package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// compatDir holds the official-SDK suite (package.json pins
// @polar-sh/sdk@0.49.0 as sdk049 and @polar-sh/sdk@1.0.1 as sdk101).
const compatDir = "../compat"

var (
	npmOnce sync.Once
	npmErr  error
	npmOut  []byte
)

// mustNode returns the node binary, installing the suite's packages with
// "npm ci" when they are missing. Without node the test is skipped, except
// in CI (CI=true), where that is a failure.
func mustNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed, and CI=true requires the official-SDK suite to run")
		}
		t.Skip("node is not installed: skipping the official-SDK suite (install Node.js 20+ to run it)")
	}
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(compatDir, "node_modules", "sdk101", "package.json")); err == nil {
			if _, err := os.Stat(filepath.Join(compatDir, "node_modules", "sdk049", "package.json")); err == nil {
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = compatDir
		npmOut, npmErr = cmd.CombinedOutput()
	})
	if npmErr != nil {
		t.Fatalf("npm ci in compat/: %v\n%s", npmErr, npmOut)
	}
	return node
}

// TestOfficialSDKs runs compat/*.test.mjs — every operation through both
// official TypeScript SDKs — against a freshly started gatehouse serve on
// each backend.
func TestOfficialSDKs(t *testing.T) {
	node := mustNode(t)
	files, err := filepath.Glob(filepath.Join(compatDir, "*.test.mjs"))
	if err != nil || len(files) < 2 {
		t.Fatalf("compat suite files: got %v, %v; want sdk049 and sdk101 suites", files, err)
	}
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, be)
			srv := d.MustServe(t)
			acme := d.MustOrg(t, "Acme Inc", "acme")

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=tap"}, files...)...)
			cmd.Dir = compatDir
			cmd.Env = append(os.Environ(),
				"GATEHOUSE_URL="+srv.URL,
				"GATEHOUSE_TOKEN="+acme.Token,
				"GATEHOUSE_ORG_SLUG=acme",
				"NODE_NO_WARNINGS=1",
			)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit):
				t.Fatalf("official-SDK suite failed (%v):\n%s\nserver log:\n%s", err, out, srv.Log())
			case err != nil:
				t.Fatalf("run node: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "# fail 0") || strings.Contains(string(out), "# pass 0\n") {
				t.Fatalf("official-SDK suite did not report passing tests:\n%s", out)
			}
			t.Logf("official-SDK suite on %s: %s", be.name, summary(string(out)))
		})
	}
}

// summary returns node's "# tests N" / "# pass N" / "# fail N" lines.
func summary(tap string) string {
	var keep []string
	for _, l := range strings.Split(tap, "\n") {
		if strings.HasPrefix(l, "# tests ") || strings.HasPrefix(l, "# pass ") || strings.HasPrefix(l, "# fail ") {
			keep = append(keep, strings.TrimPrefix(l, "# "))
		}
	}
	return strings.Join(keep, ", ")
}
