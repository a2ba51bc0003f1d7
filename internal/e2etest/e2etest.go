// Package e2etest is the harness that Gatehouse's end-to-end test packages
// (e2e, e2e/cluster, e2e/reliability, e2e/browser) share: it builds the
// gatehouse binary once per test binary, starts "gatehouse serve" as a real
// process and finds its address in the "listening" log line, runs CLI
// commands, collects process output in a goroutine-safe SyncBuffer, and scans
// every collected log for secrets that must never appear there.
//
// It is an ordinary package so that several test packages can import it, but
// only test code may import it: nothing in the server depends on it.
package e2etest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// MainPackage is the import path of the gatehouse command that Binary builds.
const MainPackage = "github.com/gatehouse/gatehouse/cmd/gatehouse"

// AllScopes is every organization access-token scope, as "gatehouse token
// create --scopes" takes them.
const AllScopes = "customers:read,customers:write,customer_sessions:read,customer_sessions:write,webhooks:read,webhooks:write"

// CLITimeout bounds one RunCLI call.
const CLITimeout = time.Minute

// Binary returns the gatehouse binary to test: $GATEHOUSE_BIN when set,
// otherwise a fresh "go build" of MainPackage (with -race when race is set)
// in a new temporary directory. cleanup removes that directory; call it after
// the tests ran. Build output goes to the process's stderr.
func Binary(race bool) (path string, cleanup func(), err error) {
	if p := os.Getenv("GATEHOUSE_BIN"); p != "" {
		return p, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "gatehouse-e2e-")
	if err != nil {
		return "", nil, fmt.Errorf("build gatehouse: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, "gatehouse")
	args := []string{"build", "-o", path}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, MainPackage)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build gatehouse: %w", err)
	}
	return path, cleanup, nil
}

// Main is the body of a TestMain that needs nothing but the binary: it
// stores Binary(race) in *bin, runs the tests and returns their exit code
// (1 when the build fails, the error printed after name).
func Main(m *testing.M, name string, race bool, bin *string) int {
	path, cleanup, err := Binary(race)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	defer cleanup()
	*bin = path
	return m.Run()
}

// RunCLI runs bin with args and env (nil: the test's own environment) for at
// most CLITimeout, writing its stderr to stderr, and returns its stdout.
func RunCLI(bin string, args, env []string, stderr *SyncBuffer) (stdout string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), CLITimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	err = cmd.Run()
	return out.String(), err
}

// SyncBuffer is a bytes.Buffer that a process (or a server's logger) may
// write while a test reads it. The zero value is ready to use.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Len returns the number of bytes written so far.
func (s *SyncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// Tamper returns tok with its last character changed (so its checksum no
// longer matches): always a different string, whatever that character was.
func Tamper(tok string) string {
	if tok == "" {
		return "A"
	}
	last := byte('A')
	if tok[len(tok)-1] == 'A' {
		last = 'B'
	}
	return tok[:len(tok)-1] + string(last)
}
