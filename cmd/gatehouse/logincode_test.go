package main

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// served is a `gatehouse serve` running through run in this process.
type served struct {
	url    string
	log    *e2etest.SyncBuffer
	cancel context.CancelFunc
	done   chan int
}

// mustServe starts serve with env and args and waits for its listening
// line.
func mustServe(t *testing.T, env map[string]string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{log: &e2etest.SyncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...),
			func(k string) string { return env[k] }, strings.NewReader(""), s.log, s.log)
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if addr, ok := e2etest.ListenAddr(s.log.String()); ok {
			s.url = "http://" + addr
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		select {
		case code := <-s.done:
			cancel()
			t.Fatalf("serve exited with %d before listening: %s", code, s.log.String())
		default:
		}
	}
	cancel()
	t.Fatalf("no listening line in log: %s", s.log.String())
	return nil
}

// stop cancels serve and waits for a clean exit; it may run twice.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code, ok := <-s.done:
		if !ok {
			return // stopped before
		}
		if code != 0 {
			t.Errorf("serve exit: got %d, want 0; log %s", code, s.log.String())
		}
		close(s.done)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// deadPort returns a loopback port nothing listens on (it was just freed).
func deadPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestLoginCodeSurvivesRestart: a code request accepted while the mail
// server is down is not lost when serve stops; serve started again on the
// same database sends it to the mail server that is now up, and its code
// signs the customer in.
func TestLoginCodeSurvivesRestart(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "restart.db")
	env := map[string]string{"GATEHOUSE_DB": db}
	code, out, errOut := mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme")
	if code != 0 {
		t.Fatalf("org create: exit %d, stderr %s", code, errOut)
	}
	var org apitype.Organization
	if err := json.Unmarshal([]byte(out), &org); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = mustRun(t, env, "token", "create", "--org", "acme", "--scopes", "customers:write")
	if code != 0 {
		t.Fatalf("token create: exit %d, stderr %s", code, errOut)
	}
	var tok apitype.AccessToken
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatal(err)
	}
	const from = "Acme <billing@acme.test>"
	const addr = "jane@example.com"
	ctx := context.Background()

	down := mustServe(t, env, "--smtp-url", "smtp://"+deadPort(t), "--mail-from", from)
	cu, err := client.New(down.url, client.WithToken(tok.Token)).CreateCustomer(ctx, apitype.CustomerCreate{Email: addr})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.New(down.url).RequestLoginCode(ctx, addr, org.ID); err != nil {
		t.Fatalf("request code while the mail server is down: got %v, want 202", err)
	}
	// Its first attempt fails (connection refused) and is left to retry.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(down.log.String(), "login code mail failed, will retry"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no failed attempt logged while the mail server is down:\n%s", down.log.String())
		}
	}
	down.stop(t)

	smtp := mailtest.Start(t)
	up := mustServe(t, env, "--smtp-url", smtp.URL(), "--mail-from", from)
	msg := smtp.WaitFor(t, func(m mailtest.Received) bool { return len(m.To) == 1 && m.To[0] == addr }, 15*time.Second)
	m := regexp.MustCompile(`(?m)^\s+([A-Z0-9]{6})\s*$`).FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no code in the mail after the restart:\n%s", msg.Text)
	}
	anon := client.New(up.url)
	st, err := anon.AuthenticateLoginCode(ctx, m[1])
	if err != nil {
		t.Fatalf("redeem the code mailed after the restart: %v", err)
	}
	me, err := anon.As(st).PortalMe(ctx)
	if err != nil || me.ID != cu.ID {
		t.Errorf("customers/me with the code's session: got %+v, %v; want customer %s", me, err, cu.ID)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("mails after the restart: got %d, want 1", n)
	}
	up.stop(t)
	for _, s := range []*served{down, up} {
		if strings.Contains(s.log.String(), addr) {
			t.Errorf("serve log holds the full address %s:\n%s", addr, s.log.String())
		}
	}
}
