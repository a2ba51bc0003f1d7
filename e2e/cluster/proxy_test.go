package cluster

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Modes of a pgProxy.
const (
	proxyPass      = iota // forward everything
	proxyRefuse           // drop every connection, refuse new ones (a stopped server)
	proxyBlackhole        // accept, forward nothing (a network partition)
)

// pgProxy is a TCP proxy between the instances of one test and PostgreSQL,
// so a test can take the database away from its own instances only: other
// tests keep using the shared server.
type pgProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	mode  int
	open  chan struct{} // closed while bytes may flow
	conns map[net.Conn]bool
}

// newProxy starts a proxy to the host of dsn and returns the DSN that goes
// through it. It stops when the test ends.
func newProxy(t *testing.T, dsn string) (*pgProxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &pgProxy{ln: ln, target: u.Host, open: make(chan struct{}), conns: map[net.Conn]bool{}}
	close(p.open)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.setMode(proxyRefuse)
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

// setMode switches the proxy. Refusing closes every connection; leaving the
// blackhole lets the held bytes flow again, as a healed partition would.
func (p *pgProxy) setMode(mode int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mode == p.mode {
		return
	}
	if p.mode != proxyBlackhole {
		p.open = make(chan struct{}) // was open: hold bytes from now on
	}
	p.mode = mode
	switch mode {
	case proxyPass:
		close(p.open)
	case proxyRefuse:
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
		close(p.open) // let blocked pipes notice their closed ends
	}
}

func (p *pgProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		if mode != proxyRefuse {
			p.conns[c] = true
		}
		p.mu.Unlock()
		switch mode {
		case proxyRefuse:
			c.Close()
		case proxyBlackhole:
			// Accepted but never connected upstream: like a SYN that
			// reached a host which never answers.
		default:
			go p.pipe(c)
		}
	}
}

// pipe connects c to PostgreSQL and copies both ways through the gate.
func (p *pgProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.mode == proxyRefuse {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	go p.copy(up, c)
	p.copy(c, up)
}

func (p *pgProxy) copy(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.open
			p.mu.Unlock()
			<-gate
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
