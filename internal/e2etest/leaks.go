package e2etest

import (
	"strings"
	"sync"
	"testing"
)

// LeakCheck remembers secrets (database secrets, raw tokens, codes) and the
// process logs that must not contain any of them. It is safe for
// concurrent use; the zero value is ready to use.
type LeakCheck struct {
	// SuffixLen, when positive, makes a secret longer than it match by its
	// last SuffixLen characters too, so that a truncated copy counts.
	SuffixLen int

	mu      sync.Mutex
	secrets []string
	seen    map[string]bool
	logs    []*SyncBuffer
	exempt  map[string]bool
}

// Leak is a secret found in a log.
type Leak struct {
	Log    int    // index of the log, in the order they were added
	Secret string // the secret
	Text   string // the log's text, without exempt lines
}

// Tail is the secret's last four characters: enough to tell which one
// leaked without printing it whole.
func (l Leak) Tail() string { return l.Secret[max(0, len(l.Secret)-4):] }

// Hide adds secrets that no log may contain; empty strings are ignored.
func (c *LeakCheck) Hide(secrets ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	for _, s := range secrets {
		if s != "" && !c.seen[s] {
			c.seen[s] = true
			c.secrets = append(c.secrets, s)
		}
	}
}

// NewLog returns a new buffer whose content is checked.
func (c *LeakCheck) NewLog() *SyncBuffer {
	b := &SyncBuffer{}
	c.Track(b)
	return b
}

// Track adds a log to check.
func (c *LeakCheck) Track(b *SyncBuffer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs = append(c.logs, b)
}

// Logs returns the logs added so far.
func (c *LeakCheck) Logs() []*SyncBuffer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*SyncBuffer(nil), c.logs...)
}

// ExemptLine excludes exactly this log line (without its newline) from the
// check. Use it only for a line that must show a secret by design.
func (c *LeakCheck) ExemptLine(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exempt == nil {
		c.exempt = map[string]bool{}
	}
	c.exempt[line] = true
}

// Stats returns how many secrets and logs are checked and the logs' total size.
func (c *LeakCheck) Stats() (secrets, logs, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.logs {
		bytes += l.Len()
	}
	return len(c.secrets), len(c.logs), bytes
}

// Leaks returns every secret found in a log, log by log.
func (c *LeakCheck) Leaks() []Leak {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Leak
	for i, l := range c.logs {
		text := l.String()
		if len(c.exempt) > 0 {
			var kept []string
			for _, line := range strings.Split(text, "\n") {
				if !c.exempt[line] {
					kept = append(kept, line)
				}
			}
			text = strings.Join(kept, "\n")
		}
		for _, s := range c.secrets {
			needle := s
			if c.SuffixLen > 0 && len(s) > c.SuffixLen {
				needle = s[len(s)-c.SuffixLen:]
			}
			if strings.Contains(text, needle) {
				out = append(out, Leak{Log: i, Secret: s, Text: text})
			}
		}
	}
	return out
}

// Check fails tb for every secret found in a log, printing that log.
func (c *LeakCheck) Check(tb testing.TB) {
	tb.Helper()
	for _, l := range c.Leaks() {
		tb.Errorf("a log contains a secret or token (…%s):\n%s", l.Tail(), l.Text)
	}
}
