package sqlstore_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// seed bulk-loads customers and sessions in one transaction and returns
// the token hashes of the sessions.
func seed(b *testing.B, s *sqlstore.Store, customers, sessions int) []string {
	b.Helper()
	org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
	if err := s.CreateOrganization(ctx, org); err != nil {
		b.Fatal(err)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	q := func(sql string) string {
		if s.Dialect() == "postgres" {
			n := 0
			out := []byte{}
			for i := 0; i < len(sql); i++ {
				if sql[i] == '?' {
					n++
					out = append(out, fmt.Sprintf("$%d", n)...)
					continue
				}
				out = append(out, sql[i])
			}
			return string(out)
		}
		return sql
	}
	for i := range customers {
		email := fmt.Sprintf("c%d@example.com", i)
		_, err := tx.ExecContext(ctx, q(`INSERT INTO customers (id, organization_id, created_at, email, email_lower, type, metadata)
			VALUES (?, 'org', ?, ?, ?, 'individual', '{"plan":"pro"}')`), fmt.Sprintf("cus-%d", i), storetest.T0.UnixMicro(), email, email)
		if err != nil {
			b.Fatal(err)
		}
	}
	hashes := make([]string, sessions)
	exp := storetest.T0.Add(time.Hour).UnixMicro()
	for i := range sessions {
		hashes[i] = fmt.Sprintf("%064x", i*7919+1)
		_, err := tx.ExecContext(ctx, q(`INSERT INTO customer_sessions (id, organization_id, customer_id, token_hash, created_at, expires_at)
			VALUES (?, 'org', ?, ?, ?, ?)`), fmt.Sprintf("ses-%d", i), fmt.Sprintf("cus-%d", i%customers), hashes[i], storetest.T0.UnixMicro(), exp)
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == "sqlite" {
		if _, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
	return hashes
}

// BenchmarkSessionByHash is the token check on SQLite with 100k sessions
// over 10k customers, serial and parallel.
func BenchmarkSessionByHash(b *testing.B) {
	benchSessionByHash(b, sqlstoretest.Open(b, storetest.SQLiteDSN(b)+os.Getenv("BENCH_DSN_SUFFIX"), sqlstore.Options{}))
}

// BenchmarkSessionByHashPostgres is the same lookup on PostgreSQL: no
// cache, one round trip per check.
func BenchmarkSessionByHashPostgres(b *testing.B) {
	benchSessionByHash(b, sqlstoretest.Open(b, storetest.PostgresDSN(b), sqlstore.Options{}))
}

// BenchmarkSessionByHashPostgresParallel is the PostgreSQL lookup under
// 16 goroutines per P (the load of many concurrent requests), one statement
// per check ("unbatched") against the read batcher with 1, 2 and the
// default pool/4 batches in flight.
func BenchmarkSessionByHashPostgresParallel(b *testing.B) {
	s := sqlstoretest.Open(b, storetest.PostgresDSN(b), sqlstore.Options{})
	hashes := seed(b, s, 10_000, 100_000)
	s.DB().ExecContext(ctx, `ANALYZE`)
	for _, bc := range []struct {
		name  string
		slots int
	}{{"unbatched", 0}, {"batched-1", 1}, {"batched-2", 2}, {"batched-5", 5}} {
		b.Run(bc.name, func(b *testing.B) {
			sqlstore.SetSessionBatching(s, bc.slots)
			b.ReportAllocs()
			b.SetParallelism(16)
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)) * 7919
				for pb.Next() {
					if _, _, err := s.SessionByHash(ctx, []string{hashes[i%len(hashes)]}); err != nil {
						b.Fatal(err)
					}
					i += 13
				}
			})
		})
	}
}

func benchSessionByHash(b *testing.B, s *sqlstore.Store) {
	hashes := seed(b, s, 10_000, 100_000)
	if s.Dialect() == "postgres" {
		s.DB().ExecContext(ctx, `ANALYZE`)
	}
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, _, err := s.SessionByHash(ctx, []string{hashes[i%len(hashes)]}); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
	})
	b.Run("two-secrets", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, _, err := s.SessionByHash(ctx, []string{"unknown-digest", hashes[i%len(hashes)]}); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, _, err := s.SessionByHash(ctx, []string{hashes[i%len(hashes)]}); err != nil {
					b.Fatal(err)
				}
				i += 13
			}
		})
	})
}

// BenchmarkCreateSessionSync measures a durable write (one session insert,
// one commit) on SQLite under synchronous=NORMAL (the default) and FULL.
func BenchmarkCreateSessionSync(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run(mode, func(b *testing.B) {
			s := sqlstoretest.Open(b, storetest.SQLiteDSN(b)+"?_synchronous="+mode, sqlstore.Options{})
			seed(b, s, 10, 0)
			i := 0
			for b.Loop() {
				i++
				ss := &gatehouse.Session{OrganizationID: "org", CustomerID: fmt.Sprintf("cus-%d", i%10),
					TokenHash: fmt.Sprintf("h-%d", i), CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour)}
				if err := s.CreateSession(ctx, ss); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
