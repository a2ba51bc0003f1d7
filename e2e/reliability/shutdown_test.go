package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdown sends SIGTERM while the server is under load and
// while one slow request (a body trickling in over two seconds) is in
// flight, and checks: the listener is closed at once (a new connection is
// refused while that request still runs); the slow request completes with
// 201; no request fully sent at least 50 ms before the signal fails
// without an answer; the process exits 0, logs "stopped", within
// --shutdown-timeout.
func TestGracefulShutdown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		d := newDeployment(t, be)
		o := d.MustOrg(t, "Org term", "term")
		const shutdownTimeout = 5 * time.Second
		srv := d.MustServe(t, "--shutdown-timeout", shutdownTimeout.String())
		addr := strings.TrimPrefix(srv.URL, "http://")

		slowDone := make(chan error, 1)
		slowStarted := make(chan struct{})
		go func() { slowDone <- slowCreate(srv.URL, o.Token, slowStarted) }()
		<-slowStarted

		var sigAt atomic.Int64 // unix nanos of the SIGTERM
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var answered, lost, late atomic.Int64
		var lostErrs sync.Map
		for w := range 6 {
			wg.Go(func() { hammer(srv.URL, o.Token, w, stop, &sigAt, &answered, &lost, &late, &lostErrs) })
		}
		time.Sleep(500 * time.Millisecond)
		sigAt.Store(time.Now().UnixNano())
		if err := srv.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()

		// A new connection is refused while the slow request still runs.
		refused := false
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && !refused; {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				time.Sleep(10 * time.Millisecond)
				continue
			}
			// A connect that reached the kernel's accept queue just as
			// the listener closed is reset instead of refused: it was not
			// served either way.
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("dial after SIGTERM: got %v, want connection refused", err)
			}
			refused = true
		}
		select {
		case err := <-slowDone:
			t.Fatalf("the slow request finished (%v) before the listener was seen closed; make it slower", err)
		default:
		}
		if !refused {
			t.Error("new connections were still accepted 1s after SIGTERM")
		}
		if err := <-slowDone; err != nil {
			t.Errorf("request in flight at SIGTERM: %v", err)
		}
		select {
		case <-srv.Done():
			if err := srv.Err(); err != nil {
				t.Errorf("exit after SIGTERM: got %v, want status 0\n%s", err, srv.Log())
			}
		case <-time.After(shutdownTimeout + 2*time.Second):
			t.Fatalf("still running %s after SIGTERM (--shutdown-timeout %s)", time.Since(sent), shutdownTimeout)
		}
		took := time.Since(sent)
		close(stop)
		wg.Wait()
		if took > shutdownTimeout {
			t.Errorf("exit took %s, want within --shutdown-timeout %s", took, shutdownTimeout)
		}
		if !strings.Contains(srv.Log().String(), "msg=stopped") {
			t.Errorf("no clean-stop log line:\n%s", srv.Log())
		}
		if n := lost.Load(); n > 0 {
			lostErrs.Range(func(k, v any) bool { t.Errorf("request sent before SIGTERM lost: %v", v); return true })
			t.Errorf("%d requests fully sent >=50ms before SIGTERM got no answer", n)
		}
		if answered.Load() == 0 {
			t.Fatal("no request was answered: the load never ran")
		}
		t.Logf("%s: exit 0 in %s (timeout %s); %d requests answered, %d refused or cut after SIGTERM, 0 lost",
			be.name, took.Round(time.Millisecond), shutdownTimeout, answered.Load(), late.Load())
	})
}

// hammer sends merchant list requests until stop, on keep-alive
// connections, and sorts every failure: a request whose last byte was
// written at least 50 ms before the signal must get an answer.
func hammer(url, tok string, w int, stop <-chan struct{}, sigAt *atomic.Int64, answered, lost, late *atomic.Int64, errs *sync.Map) {
	hc := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		var wrote atomic.Int64
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(time.Now().UnixNano()) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			"GET", url+"/v1/customers/?limit=5", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answered.Add(1)
			continue
		}
		sig, wr := sigAt.Load(), wrote.Load()
		if sig != 0 && wr != 0 && wr < sig-int64(50*time.Millisecond) {
			lost.Add(1)
			errs.Store(fmt.Sprintf("%d-%d", w, i), err)
		} else {
			late.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// slowCreate sends POST /v1/customers/ with a 200 KB body (JSON padded with
// spaces) written over about two seconds, and requires 201.
func slowCreate(url, tok string, started chan<- struct{}) error {
	head := `{"email":"slow-shutdown@example.com",`
	tail := `"name":"slow"}`
	const pad = 200 << 10
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		pw.Write([]byte(head))
		close(started)
		chunk := []byte(strings.Repeat(" ", pad/40))
		for range 40 {
			time.Sleep(50 * time.Millisecond)
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Write([]byte(tail))
	}()
	req, _ := http.NewRequest("POST", url+"/v1/customers/", pr)
	req.ContentLength = int64(len(head) + pad/40*40 + len(tail))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("slow create: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("slow create: got %d %s, want 201", resp.StatusCode, body)
	}
	return nil
}
