package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// batchFixture is a PostgreSQL schema with customers and sessions, and the
// store (pool) that checks them through the batcher.
type batchFixture struct {
	dsn      string
	s        *Store
	org      *gatehouse.Organization
	sessions []*gatehouse.Session // sessions[i] belongs to customer i%customers
}

func newBatchFixture(t *testing.T, customers, sessions int, opts Options) *batchFixture {
	t.Helper()
	ctx := context.Background()
	f := &batchFixture{dsn: storetest.PostgresDSN(t)}
	f.s = openMigrated(t, f.dsn, opts)
	if f.s.batch == nil {
		t.Fatal("PostgreSQL store without a session batcher")
	}
	f.org = &gatehouse.Organization{Name: "Acme", Slug: "acme", CreatedAt: storetest.T0}
	if err := f.s.CreateOrganization(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	var cs []*gatehouse.Customer
	for i := range customers {
		email := fmt.Sprintf("c%d@example.com", i)
		c := &gatehouse.Customer{OrganizationID: f.org.ID, Email: &email, Type: gatehouse.CustomerIndividual,
			CreatedAt: storetest.T0, Metadata: gatehouse.Metadata{"n": fmt.Sprint(i)}}
		if err := f.s.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for i := range sessions {
		ss := &gatehouse.Session{OrganizationID: f.org.ID, CustomerID: cs[i%customers].ID,
			TokenHash: fmt.Sprintf("%064x", i+1), CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour)}
		if err := f.s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		f.sessions = append(f.sessions, ss)
	}
	return f
}

// TestSessionBatchRouting hammers the batcher from many goroutines with a
// mix of known, rotated (two secrets), unknown, duplicate and unstorable
// hashes: each caller gets exactly its own session and customer, and the
// calls really share statements.
func TestSessionBatchRouting(t *testing.T) {
	f := newBatchFixture(t, 10, 200, Options{})
	ctx := context.Background()
	const workers, rounds = 64, 60
	var wg sync.WaitGroup
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
	}
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				i := (w*rounds + r*7) % len(f.sessions)
				want := f.sessions[i]
				var hashes []string
				switch r % 5 {
				case 0:
					hashes = []string{want.TokenHash}
				case 1: // rotated secret: the old digest first
					hashes = []string{fmt.Sprintf("old-%d-%d", w, r), want.TokenHash}
				case 2: // the same digest twice, and one PostgreSQL text cannot hold
					hashes = []string{"bad\x00digest", want.TokenHash, want.TokenHash, "\xff\xfe"}
				case 3:
					hashes = []string{fmt.Sprintf("unknown-%d-%d", w, r)}
				case 4: // another caller's hash in the same batch, asked twice
					hashes = []string{f.sessions[0].TokenHash}
					want = f.sessions[0]
				}
				sess, cust, err := f.s.SessionByHash(ctx, hashes)
				if r%5 == 3 {
					if gatehouse.ErrorCodeOf(err) != gatehouse.ENotFound || sess != nil || cust != nil {
						fail("unknown hash: got %v, %v, %v; want ENotFound", sess, cust, err)
					}
					continue
				}
				if err != nil {
					fail("session %s: %v", want.ID, err)
					return
				}
				if sess.ID != want.ID || sess.TokenHash != want.TokenHash || cust.ID != want.CustomerID || sess.CustomerID != cust.ID {
					fail("hashes %q: got session %s (customer %s), want %s (customer %s)", hashes, sess.ID, cust.ID, want.ID, want.CustomerID)
				}
				sess.Metadata["mutated"] = true // a caller owns its values
				cust.Metadata["mutated"] = true
			}
		})
	}
	wg.Wait()
	calls, stmts := f.s.batch.calls.Load(), f.s.batch.statements.Load()
	t.Logf("%d calls in %d statements", calls, stmts)
	if calls != workers*rounds || stmts >= calls {
		t.Fatalf("batching: %d calls in %d statements; want %d calls in fewer statements", calls, stmts, workers*rounds)
	}
}

// lockSessions takes an exclusive lock on customer_sessions from another
// pool, which stalls every batch until release is called.
func lockSessions(t *testing.T, dsn string) (release func()) {
	t.Helper()
	admin := openMigrated(t, dsn, Options{MaxConns: 1})
	tx, err := admin.w.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`LOCK TABLE customer_sessions IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// TestSessionBatchCancel: a caller whose context ends stops waiting and
// gets its context's error; the batch it was in goes on and answers the
// others.
func TestSessionBatchCancel(t *testing.T) {
	f := newBatchFixture(t, 2, 4, Options{MaxConns: 4}) // one batch in flight
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := f.s.SessionByHash(canceled, []string{f.sessions[0].TokenHash}); err == nil {
		t.Fatal("canceled context: got nil error")
	}
	release := lockSessions(t, f.dsn)
	patient := make(chan error, 1)
	go func() {
		sess, _, err := f.s.SessionByHash(ctx, []string{f.sessions[1].TokenHash})
		if err == nil && sess.ID != f.sessions[1].ID {
			err = fmt.Errorf("got session %s, want %s", sess.ID, f.sessions[1].ID)
		}
		patient <- err
	}()
	short, cancelShort := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	_, _, err := f.s.SessionByHash(short, []string{f.sessions[2].TokenHash})
	if gatehouse.ErrorCodeOf(err) != gatehouse.EUnavailable || time.Since(start) > 2*time.Second {
		t.Fatalf("deadline while the batch is stalled: got %v after %v; want EUnavailable at once", err, time.Since(start))
	}
	select {
	case err := <-patient:
		t.Fatalf("a stalled batch answered before the lock was released: %v", err)
	default:
	}
	release()
	if err := <-patient; err != nil {
		t.Fatalf("caller of the stalled batch: %v", err)
	}
}

// TestSessionBatchError: an error of a batch reaches every caller in it.
func TestSessionBatchError(t *testing.T) {
	f := newBatchFixture(t, 2, 8, Options{MaxConns: 4, StatementTimeout: 300 * time.Millisecond})
	release := lockSessions(t, f.dsn)
	defer release()
	errs := make([]error, len(f.sessions))
	var wg sync.WaitGroup
	for i, ss := range f.sessions {
		wg.Go(func() { _, _, errs[i] = f.s.SessionByHash(context.Background(), []string{ss.TokenHash}) })
	}
	wg.Wait()
	for i, err := range errs {
		if gatehouse.ErrorCodeOf(err) != gatehouse.EUnavailable {
			t.Fatalf("caller %d of a timed-out batch: got %v, want EUnavailable", i, err)
		}
	}
}

// TestSessionBatchFreshness is the multi-instance guarantee under load: a
// revocation or customer deletion committed through one pool is seen by
// the very next check through another pool, while that pool's checks are
// being batched with many concurrent others. Repeated many times.
func TestSessionBatchFreshness(t *testing.T) {
	const rounds = 150
	f := newBatchFixture(t, rounds+8, rounds+8, Options{})
	other := openMigrated(t, f.dsn, Options{MaxConns: 4}) // the instance that revokes
	ctx := context.Background()

	// Background load on the checking pool, on sessions never revoked.
	stop := make(chan struct{})
	var load sync.WaitGroup
	var loadErr atomic.Value
	for w := range 32 {
		load.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ss := f.sessions[rounds+(w+i)%8]
				if got, _, err := f.s.SessionByHash(ctx, []string{ss.TokenHash}); err != nil || got.ID != ss.ID {
					loadErr.CompareAndSwap(nil, fmt.Errorf("load check of %s: %v", ss.ID, err))
				}
			}
		})
	}
	before := f.s.batch.statements.Load()
	beforeCalls := f.s.batch.calls.Load()
	for i := range rounds {
		ss := f.sessions[i]
		now := storetest.T0.Add(time.Minute)
		// Seen live through the checking pool first, so that anything
		// remembered from this check would show as a stale answer below.
		if got, _, err := f.s.SessionByHash(ctx, []string{ss.TokenHash}); err != nil || got.RevokedAt != nil {
			t.Fatalf("round %d: check before the change: got %+v, %v; want it live", i, got, err)
		}
		if i%2 == 0 {
			if err := other.RevokeSession(ctx, f.org.ID, ss.ID, "test", now); err != nil {
				t.Fatal(err)
			}
			got, _, err := f.s.SessionByHash(ctx, []string{"rotated-out", ss.TokenHash})
			if err != nil || got.RevokedAt == nil {
				t.Fatalf("round %d: check right after revocation through another pool: got %+v, %v; want it revoked", i, got, err)
			}
			continue
		}
		c, err := other.Customer(ctx, f.org.ID, ss.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		c.DeletedAt = &now
		if err := other.UpdateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SessionByHash(ctx, []string{ss.TokenHash}); gatehouse.ErrorCodeOf(err) != gatehouse.ENotFound {
			t.Fatalf("round %d: check right after customer deletion through another pool: got %v, want ENotFound", i, err)
		}
	}
	close(stop)
	load.Wait()
	if err, _ := loadErr.Load().(error); err != nil {
		t.Fatal(err)
	}
	calls, stmts := f.s.batch.calls.Load()-beforeCalls, f.s.batch.statements.Load()-before
	t.Logf("under load: %d calls in %d statements", calls, stmts)
	if stmts >= calls {
		t.Fatalf("the checks were not batched: %d calls in %d statements", calls, stmts)
	}
}
