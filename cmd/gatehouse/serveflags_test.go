package main

import (
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

func TestParseRateLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    []gatehouse.RateLimit
		wantErr string
	}{
		{"6/1m,12/1h", []gatehouse.RateLimit{{Max: 6, Window: time.Minute}, {Max: 12, Window: time.Hour}}, ""},
		{" 100 / 10s ", []gatehouse.RateLimit{{Max: 100, Window: 10 * time.Second}}, ""},
		{"", nil, "no limit given"},
		{"6", nil, "positive COUNT"},
		{"0/1m", nil, "positive COUNT"},
		{"-1/1m", nil, "positive COUNT"},
		{"6/0s", nil, "positive WINDOW"},
		{"6/m", nil, "positive WINDOW"},
		{"6/1m,x/1h", nil, `"x/1h"`},
	}
	for _, tt := range tests {
		got, err := parseRateLimits(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseRateLimits(%q): got %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRateLimits(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestFormatRateLimits: the login limit flags' default is login's default,
// spelled as a user would type it, and reads back as the same limits.
func TestFormatRateLimits(t *testing.T) {
	if defaultLoginLimits != "6/1m,12/1h" {
		t.Errorf("defaultLoginLimits: got %q, want %q", defaultLoginLimits, "6/1m,12/1h")
	}
	for _, in := range [][]gatehouse.RateLimit{
		login.DefaultLimits,
		{{Max: 3, Window: 90 * time.Minute}, {Max: 100, Window: 10 * time.Second}, {Max: 1, Window: 24 * time.Hour}},
	} {
		s := formatRateLimits(in)
		got, err := parseRateLimits(s)
		if err != nil || !reflect.DeepEqual(got, in) {
			t.Errorf("parseRateLimits(formatRateLimits(%v) = %q): got %v, %v", in, s, got, err)
		}
	}
	if got := formatRateLimits([]gatehouse.RateLimit{{Max: 3, Window: 90 * time.Minute}}); got != "3/1h30m" {
		t.Errorf("formatRateLimits(3 per 90m): got %q, want %q", got, "3/1h30m")
	}
}

// parseServe registers the serve flags on a fresh flag set with env as the
// environment, parses args and validates them.
func parseServe(t *testing.T, env map[string]string, args ...string) (*serveCmd, error) {
	t.Helper()
	c := &serveCmd{}
	v := &envValues{getenv: func(k string) string { return env[k] }}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.register(fs, v)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := v.check(); err != nil {
		return nil, err
	}
	return c, c.validate()
}

// TestSearchIndexMaxFlag: --search-index-max and sqlstore.Options.SearchIndex
// share one convention (-1 is off; the flag's value reaches the store
// unchanged), and 0, which would read as "off" on the command line but is
// the store's default, is refused.
func TestSearchIndexMaxFlag(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    int
		wantErr string
	}{
		{"default", nil, nil, sqlstore.DefaultSearchIndex, ""},
		{"count", nil, []string{"--search-index-max", "5000"}, 5000, ""},
		{"off", nil, []string{"--search-index-max", "-1"}, sqlstore.SearchIndexOff, ""},
		{"off from env", map[string]string{"GATEHOUSE_SEARCH_INDEX_MAX": "-1"}, nil, sqlstore.SearchIndexOff, ""},
		{"zero", nil, []string{"--search-index-max", "0"}, 0, "or -1 (off), got 0"},
		{"zero from env", map[string]string{"GATEHOUSE_SEARCH_INDEX_MAX": "0"}, nil, 0, "got 0"},
		{"below off", nil, []string{"--search-index-max", "-2"}, 0, "got -2"},
	}
	for _, tt := range tests {
		c, err := parseServe(t, tt.env, tt.args...)
		if tt.wantErr != "" {
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) || ue.hint != "--search-index-max -1" {
				t.Errorf("%s: got %v; want a usage error containing %q with hint --search-index-max -1", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.searchIndexMax != tt.want {
			t.Errorf("%s: got %v, %v; want %d", tt.name, c, err, tt.want)
		}
	}
}

// TestWebhookRetryBaseFlag: --webhook-retry-base defaults to the engine's
// own default (Polar's schedule), reads GATEHOUSE_WEBHOOK_RETRY_BASE, and
// refuses a base that would retry at once forever.
func TestWebhookRetryBaseFlag(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    time.Duration
		wantErr string
	}{
		{"default", nil, nil, webhooks.DefaultRetryBase, ""},
		{"flag", nil, []string{"--webhook-retry-base", "10ms"}, 10 * time.Millisecond, ""},
		{"env", map[string]string{"GATEHOUSE_WEBHOOK_RETRY_BASE": "50ms"}, nil, 50 * time.Millisecond, ""},
		{"zero", nil, []string{"--webhook-retry-base", "0s"}, 0, "must be positive, got 0s"},
		{"negative from env", map[string]string{"GATEHOUSE_WEBHOOK_RETRY_BASE": "-1s"}, nil, 0, "got -1s"},
	}
	for _, tt := range tests {
		c, err := parseServe(t, tt.env, tt.args...)
		if tt.wantErr != "" {
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(ue.hint, "--webhook-retry-base ") {
				t.Errorf("%s: got %v; want a usage error containing %q with a --webhook-retry-base hint", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.webhookRetryBase != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.name, c, err, tt.want)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := parsePrefixes("10.0.0.5, 192.168.1.7/16,::1, ::ffff:172.16.0.1 ,")
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.5/32"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("172.16.0.1/32"),
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parsePrefixes: got %v, %v; want %v", got, err, want)
	}
	if got, err := parsePrefixes(""); err != nil || got != nil {
		t.Errorf("parsePrefixes(\"\"): got %v, %v; want nil", got, err)
	}
	for _, bad := range []string{"proxy.local", "10.0.0.0/33", "fe80::1%eth0", "10.0.0.256"} {
		if _, err := parsePrefixes(bad); err == nil {
			t.Errorf("parsePrefixes(%q): got no error", bad)
		}
	}
}

func TestServeRefusesBadKeysFile(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.json")
	if err := os.WriteFile(keys, []byte(`{"public_keys":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := mustRun(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(dir, "k.db"),
		"--secret-scanning-keys", keys)
	if code != 1 || !strings.Contains(errOut, "--secret-scanning-keys") || !strings.Contains(errOut, "no public keys") {
		t.Errorf("serve with an empty keys document: got exit %d, stderr %q; want 1 naming the flag and the problem", code, errOut)
	}
}

// TestWebhookRescueAfterFlag: the default is the engine's own, a few
// seconds are accepted (the kill tests use them), and under a second is a
// usage error.
func TestWebhookRescueAfterFlag(t *testing.T) {
	c, err := parseServe(t, nil)
	if err != nil || c.webhookRescueAfter != webhooks.DefaultRescueAfter {
		t.Errorf("default: got %v, %v; want %s", c, err, webhooks.DefaultRescueAfter)
	}
	c, err = parseServe(t, map[string]string{"GATEHOUSE_WEBHOOK_RESCUE_AFTER": "3s"})
	if err != nil || c.webhookRescueAfter != 3*time.Second {
		t.Errorf("GATEHOUSE_WEBHOOK_RESCUE_AFTER=3s: got %v, %v; want 3s", c, err)
	}
	var ue *usageError
	if _, err := parseServe(t, nil, "--webhook-rescue-after", "500ms"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "at least 1s") {
		t.Errorf("--webhook-rescue-after 500ms: got %v, want a usage error saying at least 1s", err)
	}
}
