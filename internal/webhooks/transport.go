package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// DefaultHTTPTimeout bounds one delivery, from dial to the end of the
// answer's body we keep (Polar's 10 s).
const DefaultHTTPTimeout = 10 * time.Second

// Errors a delivery's response shows when it was refused before any byte
// was sent.
var (
	errNonPublic = errors.New("webhook URL resolves to a non-public address")
	errScheme    = errors.New("webhook URL must use https")
	errBadURL    = errors.New("webhook URL is not a valid http(s) URL")
)

// resolver is what the safe dialer asks for a host's addresses;
// net.DefaultResolver in production.
type resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// safeDialer dials only public unicast addresses (PublicAddr): it
// resolves the host itself and connects to the checked address literally,
// so a second lookup (DNS rebinding: public at the check, loopback at the
// connect) cannot happen between check and connect.
type safeDialer struct {
	dialer   *net.Dialer
	resolver resolver
}

// DialContext resolves addr's host and dials its public addresses in the
// order the resolver gave them; non-public ones are skipped, and when none
// is left the error is errNonPublic.
func (d *safeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = d.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	var firstErr error
	for _, ip := range ips {
		if !PublicAddr(ip) {
			continue
		}
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		return nil, errNonPublic
	}
	return nil, firstErr
}

// newHTTPClient returns the client deliveries are POSTed with: timeout
// for the whole exchange, redirects never followed (a 3xx is the answer,
// and a failure), no proxy (HTTP_PROXY and friends are ignored: a proxy
// would make the connection, and the address check would judge the
// proxy instead of the receiver), and unless allowPrivate the safe
// dialer. r is the resolver (nil: net.DefaultResolver).
func newHTTPClient(timeout time.Duration, allowPrivate bool, r resolver) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if !allowPrivate {
		if r == nil {
			r = net.DefaultResolver
		}
		t.DialContext = (&safeDialer{dialer: dialer, resolver: r}).DialContext
	}
	return &http.Client{
		Transport:     t,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkURL refuses a URL the sender must not POST to: not http(s), no
// host, or (unless allowPrivate) not https.
func checkURL(raw string, allowPrivate bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errBadURL
	}
	if u.Scheme != "https" && !allowPrivate {
		return nil, errScheme
	}
	return u, nil
}

// errorText is what a delivery's response says about err: the cause
// without the "Post \"https://...\":" prefix of *url.Error, so the URL
// (whose query may hold a receiver's token) is not repeated into the
// response or a log line.
func errorText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("timeout: %v", ue.Err)
		}
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" && oe.Addr != nil {
		// "dial tcp 203.0.113.9:443: connect: connection refused" is
		// useful to the merchant and holds no secret; keep it.
		return oe.Error()
	}
	return err.Error()
}
