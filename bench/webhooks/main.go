// Command webhooks measures Gatehouse's webhook deliveries against a local
// receiver that answers 200 at once (issue 13's performance targets):
//
//   - throughput: customers renamed as fast as `-conns` clients can, for
//     `-duration`; every change is two events (customer.updated, then
//     customer.state_changed) to each of `-endpoints` (two) endpoints per
//     organization, so four deliveries a change. It reports deliveries/s received while the
//     load ran and until the backlog drained.
//   - latency: changes paced at `-rate` a second; for each, the time from
//     the API's answer (the change committed) to the first byte of its
//     customer.updated delivery reaching the receiver, p50/p99/max.
//
// It runs the real binary (`-bin`, built by bench/run or `go build`) on a
// fresh SQLite file or a fresh PostgreSQL schema, creates the
// organizations with the CLI and the endpoints and customers through the
// public client, and prints one JSON line of results. See bench/README.md.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

const secret = "bench-secret-not-for-production"

func main() {
	bin := flag.String("bin", "", "gatehouse binary (required)")
	backend := flag.String("backend", "sqlite", "sqlite or postgres")
	pg := flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL (a fresh schema is made in it)")
	orgs := flag.Int("orgs", 4, "organizations (two endpoints each)")
	customers := flag.Int("customers", 250, "customers per organization")
	duration := flag.Duration("duration", 10*time.Second, "length of each phase")
	conns := flag.Int("conns", 32, "concurrent API clients in the throughput phase")
	rate := flag.Int("rate", 200, "changes per second in the latency phase")
	addr := flag.String("addr", "127.0.0.1:18090", "address the server listens on")
	serverCPU := flag.String("server-cpu", "", "taskset CPU list for the server (bench/run pins it to core 0); empty: not pinned")
	endpoints := flag.Int("endpoints", 2, "endpoints per organization (0: none, to measure the changes alone)")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required")
	}
	res, err := run(*serverCPU, *bin, *backend, *pg, *addr, *orgs, *endpoints, *customers, *conns, *rate, *duration)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

// result is what one run measured.
type result struct {
	Backend            string  `json:"backend"`
	Endpoints          int     `json:"endpoints_per_org"`
	ChangesPerSec      float64 `json:"changes_per_s"`
	Changes            int64   `json:"throughput_changes"`
	DeliveriesDuring   float64 `json:"deliveries_per_s_during_load"`
	DeliveriesDrained  float64 `json:"deliveries_per_s_until_drained"`
	LatencyChanges     int     `json:"latency_changes"`
	LatencyP50Ms       float64 `json:"commit_to_receiver_p50_ms"`
	LatencyP99Ms       float64 `json:"commit_to_receiver_p99_ms"`
	LatencyMaxMs       float64 `json:"commit_to_receiver_max_ms"`
	LatencyMissing     int     `json:"latency_deliveries_missing"`
	ChangesPerSecTried int     `json:"latency_rate"`
}

// receiver records when each delivery arrived, by customer, type and the
// customer's modified_at (which names one change).
type receiver struct {
	n       atomic.Int64
	mu      sync.Mutex
	arrived map[string][]time.Time // key(customer, modified_at) -> customer.updated arrivals
}

func key(customer, modified string) string { return customer + "|" + modified }

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now() // headers read: the request's first byte is in
	b, _ := io.ReadAll(r.Body)
	rc.n.Add(1)
	var ev struct {
		Type string `json:"type"`
		Data struct {
			ID         string `json:"id"`
			ModifiedAt string `json:"modified_at"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &ev) == nil && ev.Type == "customer.updated" {
		rc.mu.Lock()
		k := key(ev.Data.ID, ev.Data.ModifiedAt)
		rc.arrived[k] = append(rc.arrived[k], at)
		rc.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func run(serverCPU, bin, backend, pgURL, addr string, norgs, nend, ncust, conns, rate int, d time.Duration) (*result, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gatehouse-webhooks-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dsn := "sqlite:" + filepath.Join(dir, "bench.db")
	if backend == "postgres" {
		var drop func()
		if dsn, drop, err = freshSchema(pgURL); err != nil {
			return nil, err
		}
		defer drop()
	}
	rc := &receiver{arrived: map[string][]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go http.Serve(ln, rc)
	logf, _ := os.Create(filepath.Join(dir, "serve.log"))
	args := []string{bin, "serve", "--db", dsn, "--secret", secret, "--addr", addr, "--migrate",
		"--webhooks-allow-private-urls", "--log-level", "warn"}
	if serverCPU != "" {
		args = append([]string{"taskset", "-c", serverCPU}, args...)
	}
	srv := exec.Command(args[0], args[1:]...)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return nil, err
	}
	var targets []target
	hook := "http://" + ln.Addr().String() + "/hook"
	for i := range norgs {
		slug := fmt.Sprintf("bench-%d", i)
		if out, err := exec.Command(bin, "org", "create", "--db", dsn, "--secret", secret, "--name", slug, "--slug", slug).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("org create: %v: %s", err, out)
		}
		out, err := exec.Command(bin, "token", "create", "--db", dsn, "--secret", secret, "--org", slug,
			"--scopes", "customers:read,customers:write,webhooks:write").Output()
		if err != nil {
			return nil, fmt.Errorf("token create: %v", err)
		}
		var tok struct{ Token string }
		if err := json.Unmarshal(out, &tok); err != nil || tok.Token == "" {
			return nil, fmt.Errorf("token create printed %q", out)
		}
		c := client.New(base, client.WithToken(tok.Token))
		for range nend {
			if _, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: hook, Format: "raw",
				Events: []string{"customer.updated", "customer.state_changed"}}); err != nil {
				return nil, fmt.Errorf("create endpoint: %w", err)
			}
		}
		for j := range ncust {
			cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: fmt.Sprintf("c%d-%d@example.com", i, j)})
			if err != nil {
				return nil, fmt.Errorf("create customer: %w", err)
			}
			targets = append(targets, target{c, cu.ID})
		}
	}
	res := &result{Backend: backend, ChangesPerSecTried: rate, Endpoints: nend}
	if err := throughput(ctx, rc, targets, 2*nend, conns, d, res); err != nil {
		return nil, err
	}
	if nend == 0 {
		return res, nil
	}
	return res, latency(ctx, rc, targets, nend, rate, d, res)
}

type target struct {
	c  *client.Client
	id string
}

// rename changes t's name and returns the modified_at that names the
// change.
func rename(ctx context.Context, t target, n int64) (string, error) {
	cu, err := t.c.UpdateCustomer(ctx, t.id, apitype.CustomerUpdate{Name: new(fmt.Sprintf("name %d", n))})
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(cu.ModifiedAt)
	return strings.Trim(string(b), `"`), nil
}

func throughput(ctx context.Context, rc *receiver, ts []target, perChange, conns int, d time.Duration, res *result) error {
	start := rc.n.Load()
	var changes atomic.Int64
	var failed atomic.Value
	t0 := time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i += conns {
				if _, err := rename(ctx, ts[i%len(ts)], changes.Add(1)); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return fmt.Errorf("throughput load: %w", err)
	}
	during := rc.n.Load() - start
	res.Changes = changes.Load()
	res.ChangesPerSec = float64(res.Changes) / time.Since(t0).Seconds()
	res.DeliveriesDuring = float64(during) / time.Since(t0).Seconds()
	want := start + int64(perChange)*res.Changes
	for rc.n.Load() < want && time.Since(deadline) < 2*time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	res.DeliveriesDrained = float64(rc.n.Load()-start) / time.Since(t0).Seconds()
	if got := rc.n.Load(); got < want {
		return fmt.Errorf("only %d of %d deliveries arrived within 2 minutes of the load's end", got-start, want-start)
	}
	return nil
}

func latency(ctx context.Context, rc *receiver, ts []target, nend, rate int, d time.Duration, res *result) error {
	type sent struct {
		key string
		at  time.Time
	}
	var mu sync.Mutex
	var all []sent
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	var n int64
	for now := range tick.C {
		if now.After(end) {
			break
		}
		n++
		t := ts[int(n)%len(ts)]
		wg.Go(func() {
			m, err := rename(ctx, t, 1_000_000+n)
			at := time.Now()
			if err == nil {
				mu.Lock()
				all = append(all, sent{key(t.id, m), at})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var lat []time.Duration
	for _, s := range all {
		arr := rc.arrived[s.key]
		if len(arr) < nend { // one delivery per endpoint
			res.LatencyMissing += nend - len(arr)
		}
		for _, a := range arr {
			lat = append(lat, max(a.Sub(s.at), 0))
		}
	}
	if len(lat) == 0 {
		return fmt.Errorf("no delivery of the latency phase arrived")
	}
	slices.SortFunc(lat, func(a, b time.Duration) int { return cmp.Compare(a, b) })
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	res.LatencyChanges, res.LatencyP50Ms, res.LatencyP99Ms, res.LatencyMaxMs = len(all), ms(0.5), ms(0.99), ms(1)
	return nil
}

func waitReady(base string) error {
	for range 300 {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready after 30 s", base)
}

// freshSchema makes a schema in the database of pgURL and returns a DSN
// selecting it and a function dropping it.
func freshSchema(pgURL string) (string, func(), error) {
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "bench_wh_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	}, nil
}
