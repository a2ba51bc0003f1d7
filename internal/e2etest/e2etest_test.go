package e2etest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/e2etest"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b e2etest.SyncBuffer
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(&b, "w%d-%d\n", w, i)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("got %d lines, want 800", len(lines))
	}
	if b.Len() != len(b.String()) {
		t.Errorf("Len %d, want %d", b.Len(), len(b.String()))
	}
	if !slices.Contains(lines, "w7-99") {
		t.Errorf("line w7-99 missing")
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct {
		log, want string
		ok        bool
	}{
		{"time=2026-01-01T00:00:00Z level=INFO msg=listening addr=127.0.0.1:41234 db=sqlite\n", "127.0.0.1:41234", true},
		{"level=INFO msg=starting\nlevel=INFO msg=listening addr=[::1]:8080\n", "[::1]:8080", true},
		{"level=INFO msg=starting\n", "", false},
		{"msg=\"listening soon\" addr=127.0.0.1:1\n", "", false},
	}
	for _, tt := range tests {
		got, ok := e2etest.ListenAddr(tt.log)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q, %v", tt.log, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLeakCheck(t *testing.T) {
	var c e2etest.LeakCheck
	c.Hide("gatehouse_oat_SECRETONE", "", "gatehouse_oat_SECRETONE", "code-K7Q2ZX")
	clean := c.NewLog()
	leaky := c.NewLog()
	fmt.Fprintln(clean, "level=INFO msg=started token=gatehouse_oat_…ONE")
	fmt.Fprintln(leaky, "level=INFO msg=oops token=gatehouse_oat_SECRETONE")
	fmt.Fprintln(leaky, "level=INFO msg=\"login code\" code=code-K7Q2ZX")

	leaks := c.Leaks()
	if len(leaks) != 2 || leaks[0].Log != 1 || leaks[0].Tail() != "TONE" || leaks[1].Tail() != "Q2ZX" {
		t.Fatalf("got %+v, want both secrets found in log 1", leaks)
	}
	if secrets, logs, n := c.Stats(); secrets != 2 || logs != 2 || n != clean.Len()+leaky.Len() {
		t.Errorf("Stats = %d, %d, %d; want 2 secrets (duplicates and empty ignored), 2 logs, %d bytes", secrets, logs, n, clean.Len()+leaky.Len())
	}

	c.ExemptLine(`level=INFO msg="login code" code=code-K7Q2ZX`)
	leaks = c.Leaks()
	if len(leaks) != 1 || leaks[0].Secret != "gatehouse_oat_SECRETONE" || strings.Contains(leaks[0].Text, "K7Q2ZX") {
		t.Fatalf("after ExemptLine got %+v, want only the token, the exempt line left out", leaks)
	}
}

func TestLeakCheckSuffix(t *testing.T) {
	secret := "gatehouse_oat_0123456789abcdefghijklmnopqrstuvwxyz"
	truncated := secret[len(secret)-24:]
	for _, tt := range []struct {
		suffixLen int
		want      int
	}{{0, 0}, {24, 1}} {
		c := e2etest.LeakCheck{SuffixLen: tt.suffixLen}
		c.Hide(secret)
		fmt.Fprintf(c.NewLog(), "token=…%s\n", truncated)
		if got := len(c.Leaks()); got != tt.want {
			t.Errorf("SuffixLen %d: a log with the last 24 characters gave %d leaks, want %d", tt.suffixLen, got, tt.want)
		}
	}
}

func TestRunCLI(t *testing.T) {
	var errOut e2etest.SyncBuffer
	out, err := e2etest.RunCLI("/bin/sh", []string{"-c", `echo out; echo "err $E2E_X" >&2; exit 0`}, []string{"E2E_X=x"}, &errOut)
	if err != nil || out != "out\n" || errOut.String() != "err x\n" {
		t.Errorf("got stdout %q, stderr %q, err %v; want \"out\\n\", \"err x\\n\", nil", out, errOut.String(), err)
	}
	if _, err := e2etest.RunCLI("/bin/sh", []string{"-c", "exit 3"}, nil, &errOut); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("exit 3: got %v, want exit status 3", err)
	}
}

// fakeServe is a shell stand-in for "gatehouse serve": it logs a listening
// line, and on SIGTERM logs "stopped" and exits 0.
const fakeServe = `trap 'echo "level=INFO msg=stopped"; exit 0' TERM
echo "level=INFO msg=listening addr=127.0.0.1:$PORT"
while :; do sleep 0.05; done`

func TestProcessListensAndTerminates(t *testing.T) {
	p, err := e2etest.Start("/bin/sh", []string{"-c", fakeServe}, []string{"PORT=4567"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitListening(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if p.Addr() != "127.0.0.1:4567" || p.URL() != "http://127.0.0.1:4567" || p.Pid() <= 0 {
		t.Errorf("got Addr %q URL %q Pid %d", p.Addr(), p.URL(), p.Pid())
	}
	if exited, _ := p.Wait(50 * time.Millisecond); exited || p.Exited() {
		t.Fatal("the process exited by itself")
	}
	exited, err := p.Terminate(10 * time.Second)
	if !exited || err != nil || !p.Exited() {
		t.Fatalf("Terminate: got exited %v, err %v; want a clean exit", exited, err)
	}
	if !strings.Contains(p.Log().String(), "msg=stopped") {
		t.Errorf("no stop line in %q", p.Log())
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done is not closed after the exit")
	}
}

func TestProcessExitsBeforeListening(t *testing.T) {
	log := &e2etest.SyncBuffer{}
	p, err := e2etest.Start("/bin/sh", []string{"-c", "echo 'secret is required' >&2; exit 1"}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitListening(10 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited before listening") || !strings.Contains(err.Error(), "secret is required") {
		t.Fatalf("got %v, want an error saying it exited, with its log", err)
	}
	if p.Log() != log || p.Err() == nil || p.Addr() != "" {
		t.Errorf("got log %p (want %p), Err %v, Addr %q", p.Log(), log, p.Err(), p.Addr())
	}
}

func TestProcessNeverListensIsKilled(t *testing.T) {
	p, err := e2etest.Start("/bin/sh", []string{"-c", "trap '' TERM; echo starting; while :; do sleep 0.05; done"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitListening(200 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not log its address within 200ms") || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("got %v, want a timeout error with the log", err)
	}
	if !p.Exited() {
		t.Error("the process still runs after the timeout")
	}
}

func TestProcessTerminateKillsAStubbornProcess(t *testing.T) {
	p, err := e2etest.Start("/bin/sh", []string{"-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.Log().String(), "ready") {
		time.Sleep(10 * time.Millisecond)
	}
	if exited, _ := p.Terminate(200 * time.Millisecond); exited {
		t.Error("Terminate reported an exit of a process that ignores SIGTERM")
	}
	if !p.Exited() {
		t.Error("the process still runs after Terminate")
	}
}

func TestStartMissingBinary(t *testing.T) {
	if _, err := e2etest.Start(filepath.Join(t.TempDir(), "gatehouse"), []string{"serve"}, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "start gatehouse serve: ") {
		t.Errorf("got %v, want a start error", err)
	}
}

func TestWaitReady(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || calls.Add(1) < 3 {
			http.Error(w, `{"status":"starting"}`, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	if err := e2etest.WaitReady(srv.URL, 10*time.Second); err != nil || calls.Load() != 3 {
		t.Errorf("got %v after %d calls, want ready on the 3rd", err, calls.Load())
	}
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer never.Close()
	if err := e2etest.WaitReady(never.URL, 200*time.Millisecond); err == nil {
		t.Error("WaitReady succeeded on a server that is never ready")
	}
}

func TestBinaryServes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gatehouse binary")
	}
	t.Setenv("GATEHOUSE_BIN", "")
	bin, cleanup, err := e2etest.Binary(e2etest.RaceEnabled)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	db := "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	p, err := e2etest.Start(bin, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--secret", "e2etest-secret-0123456789"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if !p.Exited() {
			p.Kill()
		}
	}()
	if err := p.WaitListening(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := e2etest.WaitReady(p.URL(), 30*time.Second); err != nil {
		t.Fatalf("never ready: %v\n%s", err, p.Log())
	}
	if exited, err := p.Terminate(20 * time.Second); !exited || err != nil || !strings.Contains(p.Log().String(), "msg=stopped") {
		t.Errorf("Terminate: exited %v, err %v; want a clean stop:\n%s", exited, err, p.Log())
	}
	cleanup()
	if _, err := e2etest.Start(bin, []string{"serve"}, nil, nil); err == nil {
		t.Error("cleanup left the built binary behind")
	}
}

func TestBinaryFromEnvironment(t *testing.T) {
	t.Setenv("GATEHOUSE_BIN", "/opt/prebuilt/gatehouse")
	bin, cleanup, err := e2etest.Binary(true)
	if err != nil || bin != "/opt/prebuilt/gatehouse" {
		t.Fatalf("got %q, %v; want $GATEHOUSE_BIN unchanged", bin, err)
	}
	cleanup()
}

func TestTamper(t *testing.T) {
	for _, tok := range []string{"gatehouse_cst_abcA", "gatehouse_cst_abcB", "gatehouse_cst_abcx", "x"} {
		got := e2etest.Tamper(tok)
		if got == tok || len(got) != len(tok) || got[:len(got)-1] != tok[:len(tok)-1] {
			t.Errorf("Tamper(%q) = %q: want the same token with another last character", tok, got)
		}
	}
}
