package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse/client"
)

// maxAPIBody bounds what the portal reads back from an in-process API call.
const maxAPIBody = 1 << 20

// apiBase is the base URL of the portal's client. Nothing dials it: the
// transport serves every request with the API handler.
const apiBase = "http://gatehouse.invalid"

// browserKey is the context key of the browser request an API call is made
// for; ServeHTTP sets it, inProcess reads it.
type browserKey struct{}

// withBrowser returns ctx carrying r, the browser request on whose behalf
// the portal calls the API.
func withBrowser(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, browserKey{}, r)
}

// newAPIClient returns the portal's client of the API handler api. It never
// follows a redirect: a 3xx is an answer the portal did not expect.
func newAPIClient(api http.Handler) *client.Client {
	hc := &http.Client{
		Transport:     inProcess{api: api},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return client.New(apiBase, client.WithHTTPClient(hc))
}

// inProcess is an http.RoundTripper that serves each request with the API
// handler in this process. The request carries the address, Host, TLS state,
// forwarding headers and user agent of the browser request in its context
// (see withBrowser), so the API's rate limits and usage records see the real
// customer, not the portal.
type inProcess struct{ api http.Handler }

// forwarded are the browser headers the API reads to know its client.
var forwarded = []string{"X-Forwarded-For", "X-Real-Ip", "User-Agent"}

// RoundTrip implements http.RoundTripper.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	orig, ok := req.Context().Value(browserKey{}).(*http.Request)
	if !ok {
		return nil, errors.New("web: api request without its browser request")
	}
	in := req.Clone(req.Context())
	// A server reads only the path and query off the wire; the client's
	// placeholder scheme and host stay out of the API's view.
	in.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	in.RemoteAddr, in.Host, in.TLS = orig.RemoteAddr, orig.Host, orig.TLS
	// The API refuses a POST, PUT or PATCH without a Content-Length header.
	if req.Body != nil || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		in.Header.Set("Content-Length", strconv.FormatInt(max(req.ContentLength, 0), 10))
	}
	for _, k := range forwarded {
		in.Header.Del(k)
		if v := orig.Header.Values(k); len(v) > 0 {
			in.Header[k] = v
		}
	}
	w := &capture{header: http.Header{}}
	t.api.ServeHTTP(w, in)
	if w.tooLarge {
		return nil, fmt.Errorf("api answer larger than %d bytes", maxAPIBody)
	}
	return w.response(req), nil
}

// capture is the http.ResponseWriter of one in-process call: it keeps the
// status, the headers as they were when the status was written, and up to
// maxAPIBody bytes of body.
type capture struct {
	header   http.Header
	sent     http.Header // header at WriteHeader time
	status   int
	body     bytes.Buffer
	tooLarge bool
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(code int) {
	if c.sent != nil {
		return
	}
	c.status, c.sent = code, c.header.Clone()
}

func (c *capture) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	if c.body.Len()+len(b) > maxAPIBody {
		c.tooLarge = true
		return 0, fmt.Errorf("api answer larger than %d bytes", maxAPIBody)
	}
	return c.body.Write(b)
}

// response is the captured answer to req.
func (c *capture) response(req *http.Request) *http.Response {
	c.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
	return &http.Response{
		Status:        strconv.Itoa(c.status) + " " + http.StatusText(c.status),
		StatusCode:    c.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        c.sent,
		Body:          io.NopCloser(bytes.NewReader(c.body.Bytes())),
		ContentLength: int64(c.body.Len()),
		Request:       req,
	}
}
