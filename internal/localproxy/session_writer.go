package localproxy

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wsframe"
)

// wsWriter is the single writer of a session's WebSocket. Whichever
// goroutine holds mu writes: a local connection's reader that just queued a
// frame writes it (and whatever else is queued) itself, saving a handoff;
// otherwise the session's writer goroutine does. The WebSocket reader
// never writes: it only queues and wakes the writer goroutine, so it keeps
// reading even when the service is slow to read (no read/write deadlock
// through the relay).
type wsWriter struct {
	mu     sync.Mutex // held while writing; guards fw and err
	fw     *frameWriter
	err    error      // first write error: nothing more is written
	failed chan error // capacity 1: reports err to the session
}

// flush writes one batch of queued frames from the calling goroutine,
// unless another goroutine is writing; whatever remains is left to the
// writer goroutine, so a connection's reader spends at most one batch
// writing for others. The WebSocket reader must not call it.
func (s *session) flush() {
	if s.w.mu.TryLock() {
		s.drainLocked(1)
		s.w.mu.Unlock()
	}
	if s.sched.pending() {
		s.wake()
	}
}

// wake asks the writer goroutine to write the queued frames.
func (s *session) wake() { signal(s.sched.wake) }

// drainLocked writes up to batches batches (all if batches < 0) of the
// queued frames; the caller holds s.w.mu. After a write error it writes
// nothing: the session is ending and frees the frames.
func (s *session) drainLocked(batches int) {
	w := &s.w
	for ; w.err == nil && batches != 0; batches-- {
		batch := s.sched.pop(w.fw.batch[:0], maxBatchFrames, maxBatchBytes)
		if len(batch) == 0 {
			return
		}
		err := w.fw.write(batch)
		for i := range batch {
			batch[i].free()
		}
		clear(batch)
		w.fw.batch = batch
		if err != nil {
			w.err = fmt.Errorf("write to service: %w", err)
			w.failed <- w.err
		}
	}
}

// writeLoop writes what other goroutines queued without writing it, and
// sends a ping every PingPeriod, until ctx ends or a write fails.
func (s *session) writeLoop(ctx context.Context) error {
	tick := time.NewTicker(s.cfg.PingPeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-s.w.failed:
			return err
		case <-tick.C:
			ms := strconv.AppendInt(nil, time.Now().UnixMilli(), 10)
			s.sched.push(s.ctrl, wsControlFrame(wsframe.OpPing, ms))
		case <-s.sched.wake:
		}
		s.w.mu.Lock()
		s.drainLocked(-1)
		s.w.mu.Unlock()
	}
}
