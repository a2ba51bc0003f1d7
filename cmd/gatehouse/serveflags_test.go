package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/login"
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
