package cluster

import (
	"context"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// Outage timing: traffic runs before, during and after the database is
// taken away; trafficWorkers is small enough for a 2-core machine.
const (
	beforeOutage    = time.Second
	outageLength    = 3 * time.Second
	partitionLength = 7 * time.Second // longer than answerBound, so a hang shows
	afterRecovery   = 1500 * time.Millisecond
	maxRecovery     = 15 * time.Second
	trafficWorkers  = 8
	// outageStmtTimeout is the instances' --db-statement-timeout.
	outageStmtTimeout = "1s"
	// answerBound is how long any request may take, outage or not: the
	// statement timeout and the connect timeout of the test DSN (3s) with
	// room for a loaded 2-core machine. Waiting longer is a hang.
	answerBound = 5 * time.Second
)

// How the database goes away.
type outageKind int

const (
	outageTerminate outageKind = iota // pg_terminate_backend, repeatedly
	outageRefuse                      // proxy drops and refuses connections
	outagePartition                   // proxy forwards nothing: packets vanish
	outageRestart                     // pg_ctlcluster stop, then start
)

// TestDatabaseOutage takes PostgreSQL away under traffic to two instances
// and brings it back: no 500, no request slower than answerBound, 503 with
// the JSON envelope while it is gone, /readyz 503 while it is unreachable,
// every acknowledged write present afterwards, and service back without
// restarting Gatehouse. The proxy variants cut only this test's instances
// off; the restart variant stops the shared cluster and needs
// GATEHOUSE_TEST_PG_RESTART=1.
func TestDatabaseOutage(t *testing.T) {
	cases := []struct {
		name      string
		kind      outageKind
		env, skip string // run only when env is "1"; else skip saying why
	}{
		{"terminate connections", outageTerminate, "", ""},
		{"connections refused", outageRefuse, "", ""},
		{"network partition", outagePartition, "", ""},
		{"restart cluster", outageRestart, "GATEHOUSE_TEST_PG_RESTART",
			"set GATEHOUSE_TEST_PG_RESTART=1 to stop and start the PostgreSQL cluster mid-traffic (it disturbs every other test using PostgreSQL)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" && os.Getenv(c.env) != "1" {
				t.Skip(c.skip)
			}
			testOutage(t, c.kind)
		})
	}
}

func testOutage(t *testing.T, kind outageKind) {
	d := newPostgres(t)
	d.MustCLI(t, "migrate")
	o := d.MustOrg(t, "Org outage", "outage")
	admin := d.adminDB(t)
	var proxy *pgProxy
	if kind == outageRefuse || kind == outagePartition {
		proxy, d.DSN = newProxy(t, d.DSN) // the instances connect through it
	}
	ins := []*e2etest.Server{
		d.MustServe(t, "--db-statement-timeout", outageStmtTimeout),
		d.MustServe(t, "--db-statement-timeout", outageStmtTimeout),
	}
	clients := []*client.Client{ins[0].Client(o.Token, bounded), ins[1].Client(o.Token, bounded)}

	tr := newTraffic(d, clients)
	ctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	ready := watchReadiness(ctx, ins)
	var running sync.WaitGroup
	running.Go(func() { tr.run(ctx, trafficWorkers) })

	time.Sleep(beforeOutage)
	tr.setPhase(phaseDuring)
	var down, up time.Time // when the database was surely unreachable
	switch kind {
	case outageTerminate:
		killed := terminateBackends(t, admin, d.appName, outageLength)
		t.Logf("terminated %d backend connections of the instances over %s", killed, outageLength)
	case outageRefuse, outagePartition:
		mode, length := proxyRefuse, outageLength
		if kind == outagePartition {
			mode, length = proxyBlackhole, partitionLength
		}
		proxy.setMode(mode)
		down = time.Now()
		time.Sleep(length)
		up = time.Now()
		proxy.setMode(proxyPass)
	case outageRestart:
		down, up = stopCluster(t, outageLength)
	}
	outageEnd := time.Now()
	tr.setPhase(phaseAfter)

	// Wait for both instances to answer again, then keep going a little.
	for deadline := time.Now().Add(maxRecovery); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		tr.mu.Lock()
		recovered := !tr.firstOK[0].IsZero() && !tr.firstOK[1].IsZero()
		tr.mu.Unlock()
		if recovered {
			break
		}
	}
	time.Sleep(afterRecovery)
	stopTraffic()
	running.Wait()
	readiness := ready()

	tr.report(t)
	for i := range ins {
		if tr.firstOK[i].IsZero() {
			t.Errorf("instance %d: no successful request within %s of the database's return", i, maxRecovery)
		} else {
			t.Logf("instance %d: first successful request %s after the database came back", i, tr.firstOK[i].Sub(outageEnd).Round(time.Millisecond))
		}
		if exited, err := ins[i].Wait(0); exited {
			t.Fatalf("instance %d exited during the outage (%v):\n%s", i, err, ins[i].Log())
		}
	}
	checkReadiness(t, readiness, down, up)

	vctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, c := range clients {
		if err := c.Ready(vctx); err != nil {
			t.Errorf("instance %d /readyz after the outage: %s", i, describe(err))
		}
	}
	tr.verify(t, vctx)
}

// terminateBackends terminates every connection of application app, again
// and again, for length. It returns how many it terminated.
func terminateBackends(t *testing.T, admin *sql.DB, app string, length time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), length+10*time.Second)
	defer cancel()
	killed := 0
	for end := time.Now().Add(length); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		var n int
		err := admin.QueryRowContext(ctx, `SELECT count(*) FROM (
			SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = 'test' AND pid <> pg_backend_pid() AND application_name = $1) k`, app).Scan(&n)
		if err != nil {
			t.Fatalf("terminate backends: %v", err)
		}
		killed += n
	}
	if killed == 0 {
		t.Errorf("no backend of %s was terminated: the instances never held a connection?", app)
	}
	return killed
}

// stopCluster stops the PostgreSQL cluster, keeps it down for length and
// starts it again. It returns when it was surely down: from after the stop
// returned to before the start began.
func stopCluster(t *testing.T, length time.Duration) (down, up time.Time) {
	t.Helper()
	versions, _ := filepath.Glob("/etc/postgresql/*")
	if len(versions) == 0 {
		t.Fatal("no cluster under /etc/postgresql")
	}
	slices.Sort(versions)
	version := filepath.Base(versions[len(versions)-1])
	ctl := func(action string) {
		out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action).CombinedOutput()
		if err != nil {
			t.Fatalf("pg_ctlcluster %s main %s: %v\n%s", version, action, err, out)
		}
	}
	t.Cleanup(func() { // whatever happens, leave PostgreSQL running
		if !postgresUp() {
			_ = exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start").Run()
		}
	})
	ctl("stop")
	down = time.Now()
	if postgresUp() {
		t.Fatal("PostgreSQL still answers after pg_ctlcluster stop")
	}
	time.Sleep(length)
	up = time.Now()
	ctl("start")
	for end := time.Now().Add(30 * time.Second); !postgresUp() && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("PostgreSQL cluster %s stopped for %s, answering again %s after the start began",
		version, up.Sub(down).Round(time.Millisecond), time.Since(up).Round(time.Millisecond))
	return down, up
}

// postgresUp reports whether PostgreSQL accepts TCP connections.
func postgresUp() bool {
	c, err := net.DialTimeout("tcp", storetest.PostgresAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
