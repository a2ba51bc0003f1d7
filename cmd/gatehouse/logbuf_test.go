package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int // writes
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return l.b.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.n
}

func TestLogBufferBatchesAndFlushes(t *testing.T) {
	var out lockedBuffer
	b := newLogBuffer(&out)
	for i := range 100 {
		b.Write([]byte("line " + string(rune('a'+i%26)) + "\n"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := out.snapshot()
		if strings.Count(s, "\n") == 100 {
			if n >= 100 {
				t.Errorf("100 lines took %d writes, want them batched", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines not flushed within 5s: got %q", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Write([]byte("last\n"))
	b.Close()
	if s, _ := out.snapshot(); !strings.HasSuffix(s, "last\n") {
		t.Errorf("Close did not flush the last line: %q", s)
	}
	b.Write([]byte("after\n"))
	if s, _ := out.snapshot(); !strings.HasSuffix(s, "after\n") {
		t.Errorf("a write after Close was not written through: %q", s)
	}
}
