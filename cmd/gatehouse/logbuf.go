package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logBuffer batches the server's log writes: one write(2) per request line
// cost several percent of the token check's throughput. Records reach the
// terminal within flushEvery, at once when the buffer fills, and on Close.
// A process killed with SIGKILL may lose the last flushEvery of lines; a
// clean shutdown loses none.
type logBuffer struct {
	mu     sync.Mutex
	out    io.Writer
	w      *bufio.Writer
	closed bool // after Close, writes go straight to out
	stop   chan struct{}
	done   chan struct{}
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 64 << 10
)

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{out: w, w: bufio.NewWriterSize(w, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// Write buffers p (one log record); a record is never split across flushes
// unless it is larger than the buffer.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.out.Write(p)
	}
	if b.w.Available() < len(p) {
		if err := b.w.Flush(); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

func (b *logBuffer) flush() {
	b.mu.Lock()
	b.w.Flush()
	b.mu.Unlock()
}

func (b *logBuffer) loop() {
	defer close(b.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.flush()
		case <-b.stop:
			b.flush()
			return
		}
	}
}

// Close flushes what is buffered and stops the flusher; later writes go
// straight through.
func (b *logBuffer) Close() {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.w.Flush()
	b.closed = true
}
