package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// defaultLoginLimits is login.DefaultLimits as the login limit flags spell
// it: "6/1m,12/1h".
var defaultLoginLimits = formatRateLimits(login.DefaultLimits)

// serveCmd is "gatehouse serve". The string flags that hold lists are
// parsed by validate into the fields below them.
type serveCmd struct {
	db              dbFlags
	addr            string
	publicURL       string
	sessionTTL      time.Duration
	maxSessionTTL   time.Duration
	codeTTL         time.Duration
	dbMaxConns      int
	searchIndexMax  int
	dbStmtTimeout   time.Duration
	migrate         bool
	shutdownTimeout time.Duration
	smtpURL         string
	mailFrom        string
	metricsAddr     string
	scanKeysFile    string
	loginBlock      time.Duration

	webhooksAllowPrivate bool
	webhookRetention     time.Duration
	webhookRetryBase     time.Duration
	webhookRescueAfter   time.Duration

	trustedProxiesList string
	requestLimitsList  string
	authLimitsList     string
	frameAncestorsList string

	trustedProxies []netip.Prefix
	requestLimits  []gatehouse.RateLimit
	authLimits     []gatehouse.RateLimit
	frameAncestors []string
}

// register defines every serve flag on fs, each defaulting to its
// GATEHOUSE_* variable.
func (c *serveCmd) register(fs *flag.FlagSet, v *envValues) {
	c.db.register(fs, v)
	fs.StringVar(&c.addr, "addr", v.str("GATEHOUSE_ADDR", "127.0.0.1:8080"), "listen address; port 0 picks a free port (GATEHOUSE_ADDR)")
	fs.StringVar(&c.publicURL, "public-url", v.str("GATEHOUSE_PUBLIC_URL", ""), "base URL customers reach the portal at (default http://<addr>) (GATEHOUSE_PUBLIC_URL)")
	fs.DurationVar(&c.sessionTTL, "session-ttl", v.duration("GATEHOUSE_SESSION_TTL", login.DefaultSessionTTL), "default lifetime of a customer session (GATEHOUSE_SESSION_TTL)")
	fs.DurationVar(&c.maxSessionTTL, "max-session-ttl", v.duration("GATEHOUSE_MAX_SESSION_TTL", httpapi.DefaultMaxSessionTTL), "largest expires_in a session may ask for (GATEHOUSE_MAX_SESSION_TTL)")
	fs.DurationVar(&c.codeTTL, "code-ttl", v.duration("GATEHOUSE_CODE_TTL", login.DefaultCodeTTL), "lifetime of an e-mailed login code (GATEHOUSE_CODE_TTL)")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", v.int("GATEHOUSE_DB_MAX_CONNS", 0), "database pool size; 0 means 20 on PostgreSQL, 4 readers on SQLite (GATEHOUSE_DB_MAX_CONNS)")
	fs.IntVar(&c.searchIndexMax, "search-index-max", v.int("GATEHOUSE_SEARCH_INDEX_MAX", sqlstore.DefaultSearchIndex),
		"SQLite: customers the customer-list index keeps in memory, over all organizations (about 250 bytes each); "+
			"an organization past it is searched with SQL; -1 turns the index off (GATEHOUSE_SEARCH_INDEX_MAX)")
	fs.DurationVar(&c.dbStmtTimeout, "db-statement-timeout", v.duration("GATEHOUSE_DB_STATEMENT_TIMEOUT", 0), "PostgreSQL statement_timeout; 0 means "+sqlstore.DefaultStatementTimeout.String()+" (GATEHOUSE_DB_STATEMENT_TIMEOUT)")
	fs.BoolVar(&c.migrate, "migrate", v.bool("GATEHOUSE_MIGRATE", false), "PostgreSQL: apply pending migrations at start instead of refusing to start (GATEHOUSE_MIGRATE)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", v.duration("GATEHOUSE_SHUTDOWN_TIMEOUT", 15*time.Second), "how long SIGINT/SIGTERM waits for requests in flight and queued mail (GATEHOUSE_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.smtpURL, "smtp-url", v.str("GATEHOUSE_SMTP_URL", ""), "SMTP server for login codes: smtp://[user:pass@]host:587 (STARTTLS), smtps://...:465, smtp://host:1025 for a local catcher; empty: codes are written to the log (GATEHOUSE_SMTP_URL)")
	fs.StringVar(&c.mailFrom, "mail-from", v.str("GATEHOUSE_MAIL_FROM", ""), `sender of login-code e-mails, e.g. "Acme <billing@acme.example>"; required with --smtp-url (GATEHOUSE_MAIL_FROM)`)
	fs.StringVar(&c.trustedProxiesList, "trusted-proxies", v.str("GATEHOUSE_TRUSTED_PROXIES", ""), "comma-separated `IPs/CIDRs` of the proxies whose X-Forwarded-For is believed; empty: the connection's address is the client IP (GATEHOUSE_TRUSTED_PROXIES)")
	fs.StringVar(&c.scanKeysFile, "secret-scanning-keys", v.str("GATEHOUSE_SECRET_SCANNING_KEYS", ""), "`FILE` of GitHub secret-scanning public keys (JSON); enables POST /v1/integrations/github/secret-scanning (GATEHOUSE_SECRET_SCANNING_KEYS)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", v.str("GATEHOUSE_METRICS_ADDR", ""), "`ADDR` serving Prometheus GET /metrics: empty is off; equal to --addr serves it on the main listener; else its own listen address (GATEHOUSE_METRICS_ADDR)")
	fs.StringVar(&c.requestLimitsList, "login-request-limits", v.str("GATEHOUSE_LOGIN_REQUEST_LIMITS", defaultLoginLimits), "login-code requests allowed per client IP and per email, as `COUNT/WINDOW,...` (GATEHOUSE_LOGIN_REQUEST_LIMITS)")
	fs.StringVar(&c.authLimitsList, "login-authenticate-limits", v.str("GATEHOUSE_LOGIN_AUTHENTICATE_LIMITS", defaultLoginLimits), "login-code redemptions allowed per client IP, as `COUNT/WINDOW,...` (GATEHOUSE_LOGIN_AUTHENTICATE_LIMITS)")
	fs.DurationVar(&c.loginBlock, "login-block", v.duration("GATEHOUSE_LOGIN_BLOCK", login.DefaultBlock), "how long a client over a login limit is refused with 429 (GATEHOUSE_LOGIN_BLOCK)")
	fs.BoolVar(&c.webhooksAllowPrivate, "webhooks-allow-private-urls", v.bool("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE_URLS", false), "let webhook endpoints use http and reach private, loopback and link-local addresses (self-hosted receivers, tests) (GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE_URLS)")
	fs.DurationVar(&c.webhookRetention, "webhook-retention", v.duration("GATEHOUSE_WEBHOOK_RETENTION", webhooks.DefaultRetention), "how long webhook event payloads are kept before the daily archive drops them (GATEHOUSE_WEBHOOK_RETENTION)")
	fs.DurationVar(&c.webhookRetryBase, "webhook-retry-base", v.duration("GATEHOUSE_WEBHOOK_RETRY_BASE", webhooks.DefaultRetryBase),
		"for tests: backoff factor of webhook retries; after failure n an event waits about base·2^n (at most 600·base); the default is Polar's schedule (GATEHOUSE_WEBHOOK_RETRY_BASE)")
	fs.DurationVar(&c.webhookRescueAfter, "webhook-rescue-after", v.duration("GATEHOUSE_WEBHOOK_RESCUE_AFTER", webhooks.DefaultRescueAfter), "for tests: how long a webhook delivery claimed by an instance that died waits before another instance retries it; a live instance's attempt is cancelled after half of it (at most 30s) (GATEHOUSE_WEBHOOK_RESCUE_AFTER)")
	fs.StringVar(&c.frameAncestorsList, "portal-frame-ancestors", v.str("GATEHOUSE_PORTAL_FRAME_ANCESTORS", ""), "comma-separated `ORIGINS` (https://shop.example.com) allowed to embed the portal pages in a frame; empty: none (GATEHOUSE_PORTAL_FRAME_ANCESTORS)")
}

// validate checks the flags and parses the list flags; every problem is a
// usage error saying what to type instead.
func (c *serveCmd) validate() error {
	switch {
	case c.sessionTTL <= 0:
		return usagef("--session-ttl 1h", "--session-ttl must be positive, got %s", c.sessionTTL)
	case c.maxSessionTTL <= 0:
		return usagef("--max-session-ttl 720h", "--max-session-ttl must be positive, got %s", c.maxSessionTTL)
	case c.sessionTTL > c.maxSessionTTL:
		return usagef(fmt.Sprintf("--max-session-ttl %s (or a shorter --session-ttl)", c.sessionTTL),
			"--session-ttl %s is longer than --max-session-ttl %s", c.sessionTTL, c.maxSessionTTL)
	case c.codeTTL <= 0:
		return usagef("--code-ttl 30m", "--code-ttl must be positive, got %s", c.codeTTL)
	case c.shutdownTimeout <= 0:
		return usagef("--shutdown-timeout 15s", "--shutdown-timeout must be positive, got %s", c.shutdownTimeout)
	case c.loginBlock <= 0:
		return usagef("--login-block 15m", "--login-block must be positive, got %s", c.loginBlock)
	case c.dbMaxConns < 0:
		return usagef("--db-max-conns 20", "--db-max-conns must not be negative")
	case c.searchIndexMax <= 0 && c.searchIndexMax != sqlstore.SearchIndexOff:
		return usagef(fmt.Sprintf("--search-index-max %d", sqlstore.SearchIndexOff),
			"--search-index-max must be a positive number of customers or %d (off), got %d", sqlstore.SearchIndexOff, c.searchIndexMax)
	case c.webhookRetention <= 0:
		return usagef("--webhook-retention 2160h", "--webhook-retention must be positive, got %s", c.webhookRetention)
	case c.webhookRetryBase <= 0:
		return usagef("--webhook-retry-base "+webhooks.DefaultRetryBase.String(), "--webhook-retry-base must be positive, got %s", c.webhookRetryBase)
	case c.webhookRescueAfter < time.Second:
		return usagef("--webhook-rescue-after 1m", "--webhook-rescue-after must be at least 1s, got %s", c.webhookRescueAfter)
	case c.dbStmtTimeout < 0:
		return usagef("--db-statement-timeout 5s", "--db-statement-timeout must not be negative")
	case c.smtpURL != "" && c.mailFrom == "":
		return usagef(`gatehouse serve --smtp-url smtp://mail.example:587 --mail-from "Acme <billing@acme.example>"`, "--smtp-url needs --mail-from")
	case c.publicURL != "" && !strings.HasPrefix(c.publicURL, "http://") && !strings.HasPrefix(c.publicURL, "https://"):
		return usagef("--public-url https://billing.example.com", "--public-url must start with http:// or https://, got %q", c.publicURL)
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return usagef("--addr 127.0.0.1:8080", "--addr %q is not host:port", c.addr)
	}
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return usagef("--metrics-addr 127.0.0.1:9090", "--metrics-addr %q is not host:port", c.metricsAddr)
		}
	}
	var err error
	if c.trustedProxies, err = parsePrefixes(c.trustedProxiesList); err != nil {
		return usagef("--trusted-proxies 10.0.0.5,192.168.0.0/16", "--trusted-proxies: %v", err)
	}
	if c.requestLimits, err = parseRateLimits(c.requestLimitsList); err != nil {
		return usagef("--login-request-limits "+defaultLoginLimits, "--login-request-limits: %v", err)
	}
	if c.authLimits, err = parseRateLimits(c.authLimitsList); err != nil {
		return usagef("--login-authenticate-limits "+defaultLoginLimits, "--login-authenticate-limits: %v", err)
	}
	c.frameAncestors = splitList(c.frameAncestorsList)
	return nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parsePrefixes parses "10.0.0.5, 192.168.0.0/16, ::1": an address is a
// prefix of its full length. Empty is nil.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range splitList(s) {
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// formatRateLimits spells limits the way parseRateLimits reads them, with
// whole-unit windows shortened ("1m", not "1m0s").
func formatRateLimits(limits []gatehouse.RateLimit) string {
	items := make([]string, len(limits))
	for i, l := range limits {
		w := l.Window.String()
		if strings.HasSuffix(w, "m0s") {
			w = strings.TrimSuffix(w, "0s")
		}
		if strings.HasSuffix(w, "h0m") {
			w = strings.TrimSuffix(w, "0m")
		}
		items[i] = strconv.Itoa(l.Max) + "/" + w
	}
	return strings.Join(items, ",")
}

// parseRateLimits parses "6/1m,12/1h": COUNT events per WINDOW, each a
// positive integer and a positive Go duration. At least one is required.
func parseRateLimits(s string) ([]gatehouse.RateLimit, error) {
	items := splitList(s)
	if len(items) == 0 {
		return nil, fmt.Errorf("no limit given (want COUNT/WINDOW such as 6/1m)")
	}
	out := make([]gatehouse.RateLimit, 0, len(items))
	for _, item := range items {
		n, w, ok := strings.Cut(item, "/")
		max, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || max <= 0 {
			return nil, fmt.Errorf("%q is not COUNT/WINDOW with a positive COUNT, such as 6/1m", item)
		}
		window, err := time.ParseDuration(strings.TrimSpace(w))
		if err != nil || window <= 0 {
			return nil, fmt.Errorf("%q is not COUNT/WINDOW with a positive WINDOW such as 1m or 1h", item)
		}
		out = append(out, gatehouse.RateLimit{Max: max, Window: window})
	}
	return out, nil
}
