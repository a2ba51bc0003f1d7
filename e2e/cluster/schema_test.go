package cluster

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// TestSchemaBehindRefused covers deploying on PostgreSQL: serve refuses a
// schema that is behind (unless --migrate), concurrent "gatehouse migrate"
// runs all succeed under the advisory lock, and serve refuses to start
// without a secret.
func TestSchemaBehindRefused(t *testing.T) {
	t.Run("serve refuses a schema that is behind", func(t *testing.T) {
		d := newPostgres(t)
		in, err := d.Serve()
		wantRefused(t, in, err, "serve on an unmigrated schema", "gatehouse migrate", "behind")
		_, stderr, err := d.CLI("org", "create", "--name", "Early", "--slug", "early")
		if exitCode(err) != 1 || !strings.Contains(stderr, "gatehouse migrate") {
			t.Errorf("org create on an unmigrated schema: got exit %d, stderr %q; want exit 1 telling to run `gatehouse migrate`", exitCode(err), stderr)
		}

		// --migrate brings it up to date and serves; an instance started
		// after it needs nothing more.
		d.MustServe(t, "--migrate")
		o := d.MustOrg(t, "Org after-migrate", "after-migrate")
		plain := d.MustServe(t)
		if _, err := plain.Client(o.Token, bounded).ListCustomers(t.Context(), listAll); err != nil {
			t.Errorf("list on an instance started after --migrate: %s", describe(err))
		}
	})

	t.Run("concurrent migrate runs all succeed", func(t *testing.T) {
		d := newPostgres(t)
		const n = 5
		type result struct {
			stdout, stderr string
			err            error
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				out, errOut, err := d.CLI("migrate")
				results[i] = result{out, errOut, err}
			})
		}
		close(start)
		wg.Wait()
		versionRE := regexp.MustCompile(`^schema version (\d+) \(was (\d+)\)\n$`)
		var versions []string
		for i, r := range results {
			m := versionRE.FindStringSubmatch(r.stdout)
			if r.err != nil || m == nil {
				t.Errorf("migrate %d of %d at once: got %v, stdout %q\nstderr: %s", i, n, r.err, r.stdout, r.stderr)
				continue
			}
			versions = append(versions, m[1])
		}
		for _, v := range versions {
			if v != versions[0] || v == "0" {
				t.Errorf("migrate runs report schema versions %v, want one version above 0", versions)
				break
			}
		}
		t.Logf("%d concurrent migrate runs: %d succeeded, schema versions %v", n, len(versions), versions)
		// The schema is complete: serve starts without --migrate and the
		// CLI works.
		o := d.MustOrg(t, "Org migrated", "migrated")
		in := d.MustServe(t)
		if _, err := in.Client(o.Token, bounded).ListCustomers(t.Context(), listAll); err != nil {
			t.Errorf("list after concurrent migrations: %s", describe(err))
		}
		// Migrating again is a no-op.
		if out := d.MustCLI(t, "migrate"); !strings.HasPrefix(out, "schema version "+versions[0]+" (was "+versions[0]+")") {
			t.Errorf("migrate on a current schema: got %q, want version %s unchanged", out, versions[0])
		}
	})

	t.Run("instances started with --migrate at once all serve", func(t *testing.T) {
		d := newPostgres(t)
		const n = 3
		ins := make([]*e2etest.Server, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { ins[i] = d.MustServe(t, "--migrate") })
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		o := d.MustOrg(t, "Org deployed", "deployed")
		for i, in := range ins {
			if _, err := in.Client(o.Token, bounded).ListCustomers(t.Context(), listAll); err != nil {
				t.Errorf("instance %d of %d started with --migrate at once: %s", i, n, describe(err))
			}
		}
		migrated := 0
		for _, in := range ins {
			if strings.Contains(in.Log().String(), "msg=\"migrated database\"") {
				migrated++
			}
		}
		// Each instance saw the old version before taking the lock, so
		// more than one may log that it migrated; one at least did.
		if migrated == 0 {
			t.Errorf("no instance logged that it migrated the fresh schema")
		}
		t.Logf("%d instances started with --migrate at once: all serve, %d logged \"migrated database\"", n, migrated)
	})

	t.Run("serve without a secret refuses to start", func(t *testing.T) {
		d := newPostgres(t)
		d.MustCLI(t, "migrate")
		bare := e2etest.NewDeployment(t, binPath, d.DSN) // no secret
		in, err := bare.Serve()
		wantRefused(t, in, err, "serve on PostgreSQL without --secret", "secret is required", "GATEHOUSE_SECRET")
		_, stderr, err := bare.CLI("token", "create", "--org", "x", "--scopes", "customers:read")
		if exitCode(err) != 1 || !strings.Contains(stderr, "secret is required") {
			t.Errorf("token create on PostgreSQL without a secret: got exit %d, stderr %q; want exit 1 saying a secret is required", exitCode(err), stderr)
		}
	})
}

// wantRefused requires that a serve attempt exited with status 1 before
// listening, within a few seconds, and that its output contains every hint.
func wantRefused(t *testing.T, in *e2etest.Server, err error, what string, hints ...string) {
	t.Helper()
	if err == nil {
		t.Cleanup(func() { in.Stop(t) })
		t.Fatalf("%s: it started and listens at %s, want a refusal", what, in.URL)
	}
	if in == nil {
		t.Fatalf("%s: %v", what, err)
	}
	if exited, exitErr := in.Wait(10 * time.Second); !exited || exitCode(exitErr) != 1 {
		t.Errorf("%s: got exited %v with %v, want exit status 1", what, exited, exitErr)
	}
	out := in.Log().String()
	for _, h := range hints {
		if !strings.Contains(out, h) {
			t.Errorf("%s: output lacks %q:\n%s", what, h, out)
		}
	}
	t.Logf("%s: %s", what, strings.TrimSpace(out))
}

// exitCode returns the exit status of a finished process's error (0 for nil,
// -1 when it did not exit normally).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
