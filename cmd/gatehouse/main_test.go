package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// mustRun runs the program with env (a map standing in for the process
// environment) and returns its exit code, stdout and stderr.
func mustRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut e2etest.SyncBuffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	env := map[string]string{"GATEHOUSE_DB": "sqlite:" + filepath.Join(t.TempDir(), "u.db")}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"no args", env, nil, 2, "", "Commands:"},
		{"help", env, []string{"help"}, 0, "token create --org", ""},
		{"help serve", env, []string{"help", "serve"}, 0, "-session-ttl", ""},
		{"help org create", env, []string{"help", "org", "create"}, 0, "-slug", ""},
		{"serve -h", env, []string{"serve", "-h"}, 0, "", "GATEHOUSE_ADDR"},
		{"unknown command", env, []string{"bogus"}, 2, "", "try: gatehouse help"},
		{"org without subcommand", env, []string{"org"}, 2, "", "try: gatehouse org create --name"},
		{"org unknown subcommand", env, []string{"org", "delete"}, 2, "", "unknown subcommand"},
		{"org create no slug", env, []string{"org", "create", "--name", "Acme"}, 2, "", "--name and --slug are required"},
		{"org create bad slug", env, []string{"org", "create", "--name", "Acme", "--slug", "Acme Inc"}, 2, "", "try: gatehouse org create"},
		{"org create positional", env, []string{"org", "create", "--name", "A", "--slug", "a", "extra"}, 2, "", "unexpected argument"},
		{"token create no scopes", env, []string{"token", "create", "--org", "acme"}, 2, "", "try: gatehouse token create --org acme --scopes"},
		{"token create bad scope", env, []string{"token", "create", "--org", "acme", "--scopes", "root"}, 2, "", "unknown scope"},
		{"unknown flag", env, []string{"serve", "--nope"}, 2, "", "flag provided but not defined"},
		{"bad ttl", env, []string{"serve", "--session-ttl", "-1s"}, 2, "", "--session-ttl must be positive"},
		{"bad env duration", map[string]string{"GATEHOUSE_SESSION_TTL": "soon"}, []string{"serve"}, 2, "", "GATEHOUSE_SESSION_TTL"},
		{"smtp without sender", env, []string{"serve", "--smtp-url", "smtp://127.0.0.1:1025"}, 2, "", "--smtp-url needs --mail-from"},
		{"bad addr", env, []string{"serve", "--addr", "8080"}, 2, "", "not host:port"},
		{"bad log format", env, []string{"migrate", "--log-format", "xml"}, 2, "", "unknown log format"},
		{"bad log level", env, []string{"serve", "--log-level", "loud"}, 2, "", "try: --log-level info"},
		{"serve -h lists every flag", env, []string{"serve", "-h"}, 0, "", "GATEHOUSE_LOGIN_AUTHENTICATE_LIMITS"},
		{"bad code ttl", env, []string{"serve", "--code-ttl", "0s"}, 2, "", "--code-ttl must be positive"},
		{"ttl above max", env, []string{"serve", "--session-ttl", "2h", "--max-session-ttl", "1h"}, 2, "", "try: --max-session-ttl 2h0m0s"},
		{"bad proxies", env, []string{"serve", "--trusted-proxies", "10.0.0.1,proxy.local"}, 2, "", `"proxy.local" is not an IP address or CIDR`},
		{"bad proxies env", map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"serve"}, 2, "", "--trusted-proxies"},
		{"bad request limits", env, []string{"serve", "--login-request-limits", "6/minute"}, 2, "", "try: --login-request-limits 6/1m,12/1h"},
		{"empty authenticate limits", env, []string{"serve", "--login-authenticate-limits", " , "}, 2, "", "no limit given"},
		{"bad block", env, []string{"serve", "--login-block", "-1m"}, 2, "", "--login-block must be positive"},
		{"bad metrics addr", env, []string{"serve", "--metrics-addr", "9090"}, 2, "", "try: --metrics-addr 127.0.0.1:9090"},
		{"missing keys file", env, []string{"serve", "--addr", "127.0.0.1:0", "--secret-scanning-keys", "/nonexistent/keys.json"}, 1, "", "--secret-scanning-keys: read secret scanning keys"},
		{"dev without subcommand", env, []string{"dev"}, 2, "", "try: gatehouse dev seed --org"},
		{"dev seed no org", env, []string{"dev", "seed", "--customers", "1"}, 2, "", "--org is required"},
		{"dev seed tokens without file", env, []string{"dev", "seed", "--org", "a", "--sessions", "3", "--tokens", "2"}, 2, "", "--tokens needs --tokens-out"},
		{"dev seed too many tokens", env, []string{"dev", "seed", "--org", "a", "--sessions", "3", "--tokens", "5", "--tokens-out", "x"}, 2, "", "--tokens 5 exceeds --sessions 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := mustRun(t, tt.env, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("gatehouse %q: got exit %d, stdout %q, stderr %q; want exit %d, stdout containing %q, stderr containing %q",
					tt.args, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestOrgAndTokenOnNewSQLiteFile(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "new.db")
	env := map[string]string{"GATEHOUSE_DB": "sqlite:" + dbPath}

	code, out, errOut := mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme")
	if code != 0 {
		t.Fatalf("org create: exit %d, stderr %s", code, errOut)
	}
	var org apitype.Organization
	if err := json.Unmarshal([]byte(out), &org); err != nil || org.Name != "Acme Inc" || org.Slug != "acme" {
		t.Fatalf("org create printed %q (%v), want the organization as JSON", out, err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(org.ID) {
		t.Errorf("org id %q is not a UUID v4", org.ID)
	}
	fi, err := os.Stat(dbPath + ".secret")
	if err != nil {
		t.Fatalf("secret file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode: got %v, want 0600", fi.Mode().Perm())
	}
	secret, _ := os.ReadFile(dbPath + ".secret")
	if n := len(strings.TrimSpace(string(secret))); n != 64 {
		t.Errorf("secret: got %d hex chars, want 64", n)
	}
	if !strings.Contains(errOut, "generated a new secret") || strings.Contains(errOut, strings.TrimSpace(string(secret))) {
		t.Errorf("first run log: want a 'generated' line without the secret, got %q", errOut)
	}

	code, out, errOut = mustRun(t, env, "token", "create", "--org", "acme", "--scopes", "customers:read customers:write", "--expires-in", "24h")
	if code != 0 {
		t.Fatalf("token create: exit %d, stderr %s", code, errOut)
	}
	var tok apitype.AccessToken
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatalf("token create printed %q: %v", out, err)
	}
	if !strings.HasPrefix(tok.Token, "gatehouse_oat_") || tok.OrganizationID != org.ID || strings.Join(tok.Scopes, ",") != "customers:read,customers:write" || tok.ExpiresAt == nil {
		t.Errorf("token create: got %+v", tok)
	}
	if d := time.Until(tok.ExpiresAt.Time); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("expires_at %v is not ~24h away", tok.ExpiresAt)
	}
	if strings.Contains(errOut, "generated") || strings.Contains(errOut, tok.Token) {
		t.Errorf("second run must reuse the secret silently and never log the token, got %q", errOut)
	}

	if code, _, errOut = mustRun(t, env, "org", "create", "--name", "Again", "--slug", "acme"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate slug: got exit %d %q, want 1 and 'already exists'", code, errOut)
	}
	if code, _, errOut = mustRun(t, env, "token", "create", "--org", "nope", "--scopes", "customers:read"); code != 1 || !strings.Contains(errOut, "no organization") {
		t.Errorf("unknown org: got exit %d %q, want 1 and 'no organization'", code, errOut)
	}
}

func TestPostgresNeedsSecret(t *testing.T) {
	env := map[string]string{"GATEHOUSE_DB": "postgres://nobody@127.0.0.1:1/none"}
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"token", "create", "--org", "a", "--scopes", "customers:read"}} {
		code, _, errOut := mustRun(t, env, args...)
		if code != 1 || !strings.Contains(errOut, "secret is required on PostgreSQL") {
			t.Errorf("%v without secret: got exit %d, stderr %q; want 1 and the reason", args, code, errOut)
		}
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut e2etest.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(dir, "s.db"), "--secret", "s3cret-value"},
			func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	}()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		addr, _ = e2etest.ListenAddr(errOut.String())
	}
	if addr == "" {
		t.Fatalf("no listening line in log: %s", errOut.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: got %d, want 200", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit: got %d, want 0; log %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if strings.Contains(errOut.String(), "s3cret-value") {
		t.Errorf("log contains the secret: %s", errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db.secret")); err == nil {
		t.Errorf("a secret file was created although --secret was given")
	}
}
