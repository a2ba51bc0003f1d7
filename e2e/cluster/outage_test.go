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
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// Outage timing: traffic runs before, during and after the database is
// taken away; trafficWorkers is small enough for a 2-core machine.
const (
	beforeOutage   = time.Second
	outageLength   = 3 * time.Second
	afterRecovery  = 1500 * time.Millisecond
	maxRecovery    = 15 * time.Second
	trafficWorkers = 8
)

// TestDatabaseOutage takes PostgreSQL away under traffic to two instances
// and brings it back: no 500, no hang, 503 with the JSON envelope while it
// is gone, every acknowledged write present afterwards, and service back
// without restarting Gatehouse. The default variant terminates the
// instances' connections (other tests share the server); the restart
// variant stops the whole cluster and needs GATEHOUSE_TEST_PG_RESTART=1.
func TestDatabaseOutage(t *testing.T) {
	t.Run("terminate connections", func(t *testing.T) {
		testOutage(t, false)
	})
	t.Run("restart cluster", func(t *testing.T) {
		if os.Getenv("GATEHOUSE_TEST_PG_RESTART") != "1" {
			t.Skip("set GATEHOUSE_TEST_PG_RESTART=1 to stop and start the PostgreSQL cluster mid-traffic (it disturbs every other test using PostgreSQL)")
		}
		testOutage(t, true)
	})
}

func testOutage(t *testing.T, restart bool) {
	d := newPostgres(t)
	d.mustCLI(t, "migrate")
	o := d.mustOrg(t, "outage")
	ins := []*instance{d.mustServe(t, "A"), d.mustServe(t, "B")}
	clients := []*client.Client{ins[0].client(o.Token), ins[1].client(o.Token)}
	admin := d.adminDB(t)

	tr := newTraffic(d, clients)
	ctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	ready := watchReadiness(ctx, ins)
	var running sync.WaitGroup
	running.Go(func() { tr.run(ctx, trafficWorkers) })

	time.Sleep(beforeOutage)
	tr.setPhase(phaseDuring)
	var down, up time.Time // the window the database was surely unreachable
	if restart {
		down, up = stopCluster(t, outageLength)
	} else {
		killed := terminateBackends(t, admin, d.appName, outageLength)
		t.Logf("terminated %d backend connections of the instances over %s", killed, outageLength)
	}
	outageEnd := time.Now()
	tr.setPhase(phaseAfter)

	// Wait for both instances to answer again, then keep going a little.
	deadline := time.Now().Add(maxRecovery)
	for time.Now().Before(deadline) {
		tr.mu.Lock()
		recovered := !tr.firstOK[0].IsZero() && !tr.firstOK[1].IsZero()
		tr.mu.Unlock()
		if recovered {
			break
		}
		time.Sleep(20 * time.Millisecond)
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
			t.Logf("instance %d: first successful request %s after the outage ended", i, tr.firstOK[i].Sub(outageEnd).Round(time.Millisecond))
		}
		if exited, err := ins[i].wait(0); exited {
			t.Fatalf("instance %d exited during the outage (%v):\n%s", i, err, ins[i].log)
		}
	}
	checkReadiness(t, readiness, restart, down, up)

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

// readyProbe is one GET /readyz answer.
type readyProbe struct {
	instance int
	at       time.Time // when the request was sent
	status   int       // 0: no answer
	err      error
}

// watchReadiness polls every instance's /readyz until ctx ends; the
// returned function waits for the pollers and returns every probe.
func watchReadiness(ctx context.Context, ins []*instance) func() []readyProbe {
	var (
		mu     sync.Mutex
		probes []readyProbe
		wg     sync.WaitGroup
	)
	for i, in := range ins {
		c := in.client("")
		wg.Go(func() {
			for ctx.Err() == nil {
				p := readyProbe{instance: i, at: time.Now()}
				p.err = c.Ready(ctx)
				if ctx.Err() != nil {
					return
				}
				p.status = 200
				if p.err != nil {
					p.status = client.StatusCode(p.err)
				}
				mu.Lock()
				probes = append(probes, p)
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	return func() []readyProbe {
		wg.Wait()
		return probes
	}
}

// checkReadiness requires every /readyz answer to be 200 or a 503 with the
// JSON envelope; with a real stop (restart), every probe sent while the
// database was surely down must be 503, at least one per instance, and the
// last probe of each instance must be 200 again.
func checkReadiness(t *testing.T, probes []readyProbe, restart bool, down, up time.Time) {
	t.Helper()
	var n200, n503 [2]int
	var last [2]readyProbe
	for _, p := range probes {
		last[p.instance] = p
		switch p.status {
		case 200:
			n200[p.instance]++
			if restart && p.at.After(down) && p.at.Before(up) {
				t.Errorf("instance %d /readyz sent %s after the database stopped: 200, want 503", p.instance, p.at.Sub(down).Round(time.Millisecond))
			}
		case 503:
			n503[p.instance]++
			if problem := unavailableBodyProblem(p.err); problem != "" {
				t.Errorf("instance %d /readyz: %s", p.instance, problem)
			}
		default:
			t.Errorf("instance %d /readyz: got %s, want 200 or 503", p.instance, describe(p.err))
		}
	}
	for i := range 2 {
		t.Logf("instance %d /readyz during the run: %d x 200, %d x 503", i, n200[i], n503[i])
		if restart && n503[i] == 0 {
			t.Errorf("instance %d /readyz never answered 503 while the database was stopped", i)
		}
		if last[i].status != 200 {
			t.Errorf("instance %d /readyz at the end of the run: got %s, want 200 without restarting Gatehouse", i, describe(last[i].err))
		}
	}
}
