package sqlstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// BenchmarkCreateSessionConcurrent is the create scenario's write: 64
// concurrent callers (RunParallel at 32 per P on 2 cores) each inserting
// one session and waiting for it to be committed, on SQLite under
// synchronous=NORMAL (the default) and FULL.
func BenchmarkCreateSessionConcurrent(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run(mode, func(b *testing.B) {
			s := sqlstoretest.Open(b, storetest.SQLiteDSN(b)+"?_synchronous="+mode, sqlstore.Options{})
			seed(b, s, 1000, 0)
			var n atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					ss := &gatehouse.Session{OrganizationID: "org", CustomerID: fmt.Sprintf("cus-%d", i%1000),
						TokenHash: fmt.Sprintf("h-%d", i), CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour)}
					if err := s.CreateSession(ctx, ss); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
