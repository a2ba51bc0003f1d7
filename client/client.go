// Package client is Gatehouse's public Go client: typed methods for every
// endpoint of the merchant API (customers, customer sessions) and of the
// customer-portal API, speaking the same wire types (package apitype) as the
// server. It imports only the standard library and apitype.
//
// A Client authenticates with one bearer token: an organization access token
// for the merchant API, or a customer session token for the portal API. Use
// As to get a copy that uses another token:
//
//	c := client.New("http://127.0.0.1:8080", client.WithToken(orgToken))
//	s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: id})
//	me, err := c.As(s.Token).PortalMe(ctx)
//
// Every failed call returns a *Error carrying the HTTP status and body.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls one Gatehouse server. It is safe for concurrent use.
type Client struct {
	baseURL    string
	token      string
	hc         *http.Client
	userAgent  string
	apiVersion string
}

// Option configures a Client.
type Option func(*Client)

// WithToken sets the bearer token sent with every request: an organization
// access token or a customer session token.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sets the http.Client used for requests (default: one with a
// 30-second timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithAPIVersion sets the Polar-Version header (for example "2026-10"). By
// default no header is sent and the server uses its default version.
func WithAPIVersion(v string) Option { return func(c *Client) { c.apiVersion = v } }

// DefaultUserAgent is the User-Agent sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "gatehouse-go-client/1"

// New returns a Client for the server at baseURL (scheme, host and optional
// path prefix, such as "http://127.0.0.1:8080"; a trailing slash is ignored).
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		hc:        &http.Client{Timeout: defaultTimeout},
		userAgent: DefaultUserAgent,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// As returns a copy of c that authenticates with token instead. It is how a
// merchant client becomes a portal client for a freshly minted session.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// BaseURL returns the server address the client was created with.
func (c *Client) BaseURL() string { return c.baseURL }

// Ready reports whether the server answers GET /readyz with 200.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// Health reports whether the server answers GET /healthz with 200.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil, nil)
}

// Do sends one request and decodes a successful JSON answer into out (unless
// out is nil). path is the escaped path, such as "/v1/customers/"; query may
// be nil; in, when not nil, is sent as the JSON body. It is the escape hatch
// for requests the typed methods do not cover. A non-2xx answer is a *Error.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.do(ctx, method, path, query, in, out)
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	resp, err := c.send(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if s, ok := out.(*string); ok {
		*s = string(body)
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}

// send performs the request and returns the response of a 2xx answer; any
// other status is read and returned as a *Error.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in any) (*http.Response, error) {
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if c.apiVersion != "" {
		req.Header.Set("Polar-Version", c.apiVersion)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// The *url.Error names the URL, never the token.
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return nil, newError(method, path, resp, b)
}

// escape escapes one path segment (a "/" in an external ID becomes %2F).
func escape(s string) string { return url.PathEscape(s) }
