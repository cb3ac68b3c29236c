// Package logging batches a server's log lines into few write system
// calls without losing any at exit and without holding any for long.
//
// A Writer passes a write straight on when it wrote nothing during the
// last Delay (a quiet log is written line by line, at once); otherwise it
// keeps the write in memory and writes what waits Delay after its last
// write, at once when Size bytes wait, and on Flush or Close. A Handler
// wraps a slog.Handler writing to a Writer and flushes after every record
// at level warn or above, so warnings and errors leave at once; info and
// debug lines leave within Delay. A process that dies without Close
// (kill -9, a crash) loses at most the lines of the last Delay.
//
// On a busy API node the log line of each call was a write system call of
// its own, about 5% of the node's CPU per OpenTunnel.
package logging

import (
	"io"
	"sync"
	"time"
)

// Defaults of NewWriter.
const (
	DefaultDelay = 100 * time.Millisecond
	DefaultSize  = 64 << 10
)

// Writer is an io.Writer that batches writes to another; see the package
// documentation. Its methods are safe for concurrent use, and each Write
// reaches the underlying writer whole, in order.
type Writer struct {
	w     io.Writer
	delay time.Duration
	size  int

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer // armed while buf holds bytes
	last   time.Time   // of the last write to w
	err    error       // the first error of the underlying writer
	closed bool
}

// NewWriter returns a Writer to w that holds a line at most delay
// (DefaultDelay when delay <= 0) and at most size bytes (DefaultSize when
// size <= 0).
func NewWriter(w io.Writer, delay time.Duration, size int) *Writer {
	if delay <= 0 {
		delay = DefaultDelay
	}
	if size <= 0 {
		size = DefaultSize
	}
	return &Writer{w: w, delay: delay, size: size}
}

// Write keeps p for the underlying writer. It returns the underlying
// writer's first error, if one failed; after Close it writes through.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.closed {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	wait := b.delay - time.Since(b.last)
	if len(b.buf) >= b.size || b.timer == nil && wait <= 0 {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(wait, func() { _ = b.Flush() })
	}
	return len(p), nil
}

// Flush writes what waits now.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Close flushes and makes later writes go straight through; it does not
// close the underlying writer.
func (b *Writer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}

func (b *Writer) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.buf) == 0 || b.err != nil {
		return b.err
	}
	_, err := b.w.Write(b.buf)
	b.last = time.Now()
	b.buf = b.buf[:0]
	if cap(b.buf) > 4*b.size {
		b.buf = nil // a burst's buffer is not kept
	}
	if err != nil {
		b.err = err
	}
	return err
}
