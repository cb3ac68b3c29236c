package localproxy

import (
	"context"
	"errors"
	"sync"
	"time"
)

// inboxSize bounds the bytes buffered for one local connection on the way
// from the tunnel to the local socket. One message is always accepted into
// an empty inbox.
const inboxSize = 128 << 10

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

// inbox is the bounded buffer between the session reader (producer) and a
// local connection's writer (consumer).
type inbox struct {
	mu    sync.Mutex
	buf   *[]byte       // pending bytes, nil when empty; guarded by mu
	state int           // guarded by mu
	busy  bool          // a goroutine is writing to the socket; guarded by mu
	ready chan struct{} // capacity 1: data or a state change for the writer
	space chan struct{} // capacity 1: the writer took the pending bytes
}

func newInbox() *inbox {
	return &inbox{ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
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
		if in.buf == nil {
			in.buf = inboxPool.Get().(*[]byte)
		}
		if b := *in.buf; len(b) == 0 || len(b)+len(p) <= inboxSize {
			*in.buf = append(b, p...)
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
		case <-in.space:
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
	if in.state != inboxOpen || in.busy || in.buf != nil {
		in.mu.Unlock()
		return 0
	}
	in.busy = true
	in.mu.Unlock()
	n := write(p)
	in.mu.Lock()
	in.busy = false
	// The consumer may have found us busy and gone back to waiting.
	wake := in.buf != nil || in.state != inboxOpen
	in.mu.Unlock()
	if wake {
		signal(in.ready)
	}
	return n
}

// take removes and returns the pending bytes (nil if none) and the state;
// the consumer is then busy writing them until it calls written. It gives
// the buffer back with release.
func (in *inbox) take() (*[]byte, int) {
	in.mu.Lock()
	if in.busy {
		in.mu.Unlock()
		return nil, inboxOpen // a direct write is in progress; wait for ready
	}
	b, st := in.buf, in.state
	in.buf = nil
	if st == inboxAborted && b != nil {
		release(b)
		b = nil
	}
	in.busy = b != nil
	in.mu.Unlock()
	if b != nil {
		signal(in.space)
	}
	return b, st
}

// written ends the consumer's write of what take returned.
func (in *inbox) written() {
	in.mu.Lock()
	in.busy = false
	in.mu.Unlock()
}

// release returns an inbox buffer to the pool.
func release(b *[]byte) {
	*b = (*b)[:0]
	inboxPool.Put(b)
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
	if st == inboxAborted && in.buf != nil {
		release(in.buf)
		in.buf = nil
	}
	in.mu.Unlock()
	signal(in.ready)
	signal(in.space)
}
