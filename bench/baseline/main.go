// Command baseline is the benchmark's yardstick: a bare net/http server that
// answers every request with the same fixed body and headers, the bytes of
// one real Gatehouse response captured by bench/run. Gatehouse's throughput
// is reported as a ratio to this server's, measured in the same run on the
// same core, so machine speed and run-to-run drift cancel out.
//
// Usage:
//
//	baseline -addr 127.0.0.1:8081 -body me.json [-headers me.headers]
//
// The headers file is curl -D output; its status line and the headers
// net/http writes itself (Date, Content-Length, Connection) are skipped.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "address to listen on")
	bodyFile := fs.String("body", "", "file holding the response body (required)")
	headerFile := fs.String("headers", "", "file of response headers, as written by curl -D")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bodyFile == "" {
		return errors.New("-body is required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	header := http.Header{"Content-Type": {"application/json"}}
	if *headerFile != "" {
		if header, err = readHeaders(*headerFile); err != nil {
			return err
		}
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))

	srv := &http.Server{Addr: *addr, Handler: fixed(header, body)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(stderr, "baseline: listening on %s, %d-byte body, %d headers\n", *addr, len(body), len(header))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return srv.Shutdown(context.Background())
	}
}

// fixed answers every request with header and body. The header values are
// shared read-only between requests, as a real handler's constants would be.
func fixed(header http.Header, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}

// readHeaders parses curl -D output, keeping the headers a handler sets.
func readHeaders(path string) (http.Header, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	if _, err := r.ReadLine(); err != nil { // status line
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	mh, err := r.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	h := http.Header(mh)
	for _, k := range []string{"Date", "Content-Length", "Connection", "Transfer-Encoding", "Keep-Alive"} {
		h.Del(k)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	for k := range h {
		if strings.TrimSpace(k) == "" {
			delete(h, k)
		}
	}
	return h, nil
}
