package browser

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/web"
)

// serveInProcess assembles the server from its packages on d's database,
// for working on the portal before "gatehouse serve" mounts it. Only used
// with GATEHOUSE_BROWSER_INPROCESS=1; it understands --session-ttl only.
func (d *deployment) serveInProcess(args ...string) *server {
	d.t.Helper()
	ttl := time.Hour
	if i := slices.Index(args, "--session-ttl"); i >= 0 && i+1 < len(args) {
		v, err := time.ParseDuration(args[i+1])
		if err != nil {
			d.t.Fatal(err)
		}
		ttl = v
	}
	st, err := sqlstore.Open(context.Background(), d.dsn, sqlstore.Options{})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { st.Close() })
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	d.t.Cleanup(srv.Close)
	api := httpapi.New(httpapi.Config{Store: st, Hasher: token.NewHasher(d.secret), PublicURL: srv.URL, SessionTTL: ttl})
	portal, err := web.New(web.Config{API: api})
	if err != nil {
		d.t.Fatal(err)
	}
	mux.Handle("/v1/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/readyz", api)
	mux.Handle("/", portal)
	d.t.Logf("GATEHOUSE_BROWSER_INPROCESS: serving the portal in-process at %s", srv.URL)
	return &server{URL: srv.URL, log: &syncBuffer{}}
}
