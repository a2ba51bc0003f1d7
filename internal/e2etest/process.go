package e2etest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// listenRE matches the log line "gatehouse serve" writes once it listens.
var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// ListenAddr returns the address of the first "msg=listening addr=..." line
// in log, or ok false when there is none yet.
func ListenAddr(log string) (addr string, ok bool) {
	m := listenRE.FindStringSubmatch(log)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// pollInterval is how often the Wait* helpers look again.
const pollInterval = 10 * time.Millisecond

// Process is a running gatehouse process (usually "gatehouse serve") whose
// stdout and stderr both go to one SyncBuffer.
type Process struct {
	name string // "gatehouse serve", for messages
	cmd  *exec.Cmd
	log  *SyncBuffer
	done chan struct{} // closed once the process has exited
	err  error         // its exit error, valid after done
	addr string        // set by WaitListening
}

// Start starts bin with args and env (nil: the test's own environment),
// writing its output to log (nil: a new buffer).
func Start(bin string, args, env []string, log *SyncBuffer) (*Process, error) {
	if log == nil {
		log = &SyncBuffer{}
	}
	name := filepath.Base(bin)
	if len(args) > 0 {
		name += " " + args[0]
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	p := &Process{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Log is the process's output (stdout and stderr).
func (p *Process) Log() *SyncBuffer { return p.log }

// Pid is the process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Addr is the address of the process's listening line; empty before
// WaitListening succeeded.
func (p *Process) Addr() string { return p.addr }

// URL is "http://" + Addr().
func (p *Process) URL() string { return "http://" + p.addr }

// WaitListening waits up to timeout for the process's listening log line
// and records its address. It fails when the process exits first, or
// (after killing it) when the line does not come in time; both errors
// carry the log.
func (p *Process) WaitListening(timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		if addr, ok := ListenAddr(p.log.String()); ok {
			p.addr = addr
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before listening (%v):\n%s", p.name, p.err, p.log)
		case <-deadline:
			p.Kill()
			return fmt.Errorf("%s did not log its address within %v:\n%s", p.name, timeout, p.log)
		case <-time.After(pollInterval):
		}
	}
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the process's exit error (nil for status 0); valid once Done is
// closed.
func (p *Process) Err() error { return p.err }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the process to exit by itself and returns
// its exit error when it did.
func (p *Process) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Terminate sends SIGTERM and waits up to timeout for the process to exit.
// When it does not, Terminate kills it, waits for it, and reports exited
// false. err is the exit error of a process that exited in time.
func (p *Process) Terminate(timeout time.Duration) (exited bool, err error) {
	_ = p.Signal(syscall.SIGTERM)
	if exited, err := p.Wait(timeout); exited {
		return true, err
	}
	p.Kill()
	return false, nil
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
}

// WaitReady polls GET /readyz of the server at baseURL until it answers
// ready or timeout passes, then returns the last error.
func WaitReady(baseURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for c := client.New(baseURL); ; {
		err := c.Ready(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(2 * pollInterval)
	}
}
