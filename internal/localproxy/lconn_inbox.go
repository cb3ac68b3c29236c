package localproxy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Inbound buffering limits (tunnel → local). A connection may hold up to
// inboxMax bytes (buffered plus being written) and a session up to
// sessionInbound bytes over all its connections; one message is always
// accepted into an empty inbox, so a connection that has caught up is
// never held back by the others.
const (
	inboxSize      = 128 << 10 // pooled chunk capacity
	inboxMax       = 1 << 20
	sessionInbound = 4 << 20
)

// inboxPool holds *[]byte with capacity inboxSize.
var inboxPool = sync.Pool{New: func() any {
	b := make([]byte, 0, inboxSize)
	return &b
}}

// Inbox states.
const (
	inboxOpen      = iota
	inboxFinishing // deliver what is buffered, then the writer closes
	inboxAborted   // discard everything
)

var (
	errInboxClosed = errors.New("connection closed")
	errStalled     = errors.New("local application is not reading")
)

// budget is a session's account of inbound bytes held by its inboxes. The
// session's only producer (the WebSocket reader) waits on space when a
// message does not fit; every consumer signals it when it frees bytes.
type budget struct {
	used  atomic.Int64
	space chan struct{} // capacity 1
}

func newBudget() *budget { return &budget{space: make(chan struct{}, 1)} }

// free returns n bytes to the budget and wakes the producer.
func (b *budget) free(n int) {
	if n > 0 {
		b.used.Add(-int64(n))
		signal(b.space)
	}
}

// inbox is the bounded buffer between the session reader (producer) and a
// local connection's writer (consumer).
type inbox struct {
	mu      sync.Mutex
	bud     *budget
	chunks  []*[]byte     // pending bytes in pooled chunks, only the last one partly filled; guarded by mu
	pending int           // bytes in chunks; guarded by mu
	writing int           // bytes taken by the consumer, not yet written; guarded by mu
	state   int           // guarded by mu
	busy    bool          // a goroutine is writing to the socket; guarded by mu
	ready   chan struct{} // capacity 1: data or a state change for the writer
}

func newInbox(bud *budget) *inbox {
	return &inbox{bud: bud, ready: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put copies p into the inbox, waiting up to timeout for room. It returns
// errStalled if no room appeared in time, errInboxClosed if the connection
// ended, or ctx's error.
func (in *inbox) put(ctx context.Context, p []byte, timeout time.Duration) error {
	var timer *time.Timer
	for {
		in.mu.Lock()
		if in.state != inboxOpen {
			in.mu.Unlock()
			return errInboxClosed
		}
		if in.pending == 0 || (in.pending+in.writing+len(p) <= inboxMax &&
			in.bud.used.Load()+int64(len(p)) <= sessionInbound) {
			in.pending += len(p)
			in.bud.used.Add(int64(len(p)))
			for len(p) > 0 {
				n := len(in.chunks)
				if n == 0 || len(*in.chunks[n-1]) == inboxSize {
					in.chunks = append(in.chunks, inboxPool.Get().(*[]byte))
					n++
				}
				c := in.chunks[n-1]
				k := min(len(p), inboxSize-len(*c))
				*c = append(*c, p[:k]...)
				p = p[k:]
			}
			in.mu.Unlock()
			signal(in.ready)
			return nil
		}
		in.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		select {
		case <-in.bud.space:
		case <-timer.C:
			return errStalled
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// direct writes p with write, from the producer's goroutine, when nothing
// is buffered and nobody else is writing; it returns how much was written
// (the caller puts the rest). write must not block.
func (in *inbox) direct(p []byte, write func([]byte) int) int {
	in.mu.Lock()
	if in.state != inboxOpen || in.busy || in.pending != 0 {
		in.mu.Unlock()
		return 0
	}
	in.busy = true
	in.mu.Unlock()
	n := write(p)
	in.mu.Lock()
	in.busy = false
	// The consumer may have found us busy and gone back to waiting.
	wake := in.pending != 0 || in.state != inboxOpen
	in.mu.Unlock()
	if wake {
		signal(in.ready)
	}
	return n
}

// take moves the pending chunks to dst (nothing if none) and returns it
// with the state; the consumer is then busy writing them until it calls
// written. It gives the chunks back with release.
func (in *inbox) take(dst []*[]byte) ([]*[]byte, int) {
	in.mu.Lock()
	if in.busy {
		in.mu.Unlock()
		return dst, inboxOpen // a direct write is in progress; wait for ready
	}
	st, n := in.state, in.pending
	if st == inboxAborted {
		in.dropLocked()
		in.mu.Unlock()
		in.bud.free(n)
		return dst, st
	}
	dst = append(dst, in.chunks...)
	clear(in.chunks)
	in.chunks, in.pending = in.chunks[:0], 0
	in.busy = n != 0
	in.writing = n
	in.mu.Unlock()
	return dst, st
}

// dropLocked discards the pending chunks; the caller holds mu and frees
// the budget.
func (in *inbox) dropLocked() {
	release(in.chunks)
	clear(in.chunks)
	in.chunks, in.pending = in.chunks[:0], 0
}

// written ends the consumer's write of what take returned.
func (in *inbox) written() {
	in.mu.Lock()
	in.busy = false
	n := in.writing
	in.writing = 0
	in.mu.Unlock()
	in.bud.free(n)
}

// release returns inbox chunks to the pool.
func release(chunks []*[]byte) {
	for _, c := range chunks {
		*c = (*c)[:0]
		inboxPool.Put(c)
	}
}

// finish lets the writer deliver what is buffered and then close.
func (in *inbox) finish() { in.setState(inboxFinishing) }

// abort makes the writer stop at once and drops buffered bytes.
func (in *inbox) abort() { in.setState(inboxAborted) }

func (in *inbox) setState(st int) {
	in.mu.Lock()
	if in.state < st {
		in.state = st
	}
	dropped := 0
	if st == inboxAborted {
		dropped = in.pending
		in.dropLocked()
	}
	in.mu.Unlock()
	signal(in.ready)
	in.bud.free(dropped)
	signal(in.bud.space) // the producer may be waiting for this inbox
}
