package webhooks_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// BenchmarkDrain measures the sender alone: b.N events (customers, one
// event each, to one of two endpoints) are queued while the engine is
// stopped, then the engine delivers them to a receiver that answers 200 at
// once. It reports deliveries/s (bench/README.md has the figures; the
// end-to-end figures with the API writing at the same time come from
// bench/webhooks).
func BenchmarkDrain(b *testing.B) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": storetest.SQLiteDSN, "postgres": storetest.PostgresDSN} {
		b.Run(name, func(b *testing.B) {
			st := sqlstoretest.Open(b, dsn(b), sqlstore.Options{})
			ctx := context.Background()
			if err := webhooks.Migrate(ctx, st.DB(), st.Dialect()); err != nil {
				b.Fatal(err)
			}
			var got atomic.Int64
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				got.Add(1)
			}))
			defer rcv.Close()
			eng, err := webhooks.New(webhooks.Config{DB: st.DB(), Dialect: st.Dialect(), Store: st,
				Logger: slog.New(slog.DiscardHandler), AllowPrivate: true})
			if err != nil {
				b.Fatal(err)
			}
			st.SetWebhookQueue(eng)
			org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Bench", Slug: "bench", CreatedAt: time.Now()}
			if err := st.CreateOrganization(ctx, org); err != nil {
				b.Fatal(err)
			}
			for range 2 {
				if err := st.CreateWebhookEndpoint(ctx, &gatehouse.WebhookEndpoint{OrganizationID: org.ID, CreatedAt: time.Now(),
					URL: rcv.URL, Format: gatehouse.WebhookFormatRaw, Secret: testSecret, Enabled: true,
					Events: []string{gatehouse.EventCustomerCreated}}); err != nil {
					b.Fatal(err)
				}
			}
			for i := range b.N / 2 {
				email := fmt.Sprintf("c%d@example.com", i)
				c := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, CreatedAt: time.Now(), Email: &email, Type: gatehouse.CustomerIndividual}
				ev := gatehouse.Event{Type: gatehouse.EventCustomerCreated, OrganizationID: org.ID, CustomerID: c.ID, Timestamp: time.Now(),
					Payload: fmt.Appendf(nil, `{"type":"customer.created","timestamp":"2026-10-01T12:00:00Z","data":{"id":%q}}`, c.ID)}
				if err := st.CreateCustomer(ctx, c, ev); err != nil {
					b.Fatal(err)
				}
			}
			want := int64(b.N / 2 * 2)
			b.ResetTimer()
			t0 := time.Now()
			if err := eng.Start(ctx); err != nil {
				b.Fatal(err)
			}
			for got.Load() < want {
				if time.Since(t0) > 5*time.Minute {
					b.Fatalf("%d of %d delivered in 5 minutes", got.Load(), want)
				}
				time.Sleep(time.Millisecond)
			}
			el := time.Since(t0)
			b.StopTimer()
			b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			eng.Stop(sctx)
		})
	}
}
