package linkmux

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/trywrite"
)

// ErrReset is returned by a stream that the other side abandoned, or
// whose session ended.
var ErrReset = errors.New("linkmux: stream reset")

// Received bytes wait in chunks from a pool, returned as soon as they are
// read: an idle stream holds no buffer at all.
const chunkSize = MaxFrame

var chunks = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

// Stream is one stream of a session. It is a net.Conn; its deadlines
// work as a socket's.
type Stream struct {
	s  *Session
	id uint32

	wmu sync.Mutex // one Write at a time, so writes never interleave
	rmu sync.Mutex // one Read at a time: the waiting one owns rbuf

	mu       sync.Mutex
	queue    []*[]byte // received, unread, from queue[0][off:] on
	off      int
	recvLeft int // bytes the other side may still send
	// A Read waiting with nothing queued: the read loop copies arriving
	// data into rbuf[direct:] instead of queueing it.
	rbuf   []byte
	direct int
	read   int // bytes read since the last CREDIT

	// A WriteTo in progress on a socket: the read loop writes arriving
	// data to sink itself while nothing is queued (sinkDirect).
	sink    *trywrite.Writer
	sinking bool  // a write to the sink is in flight (read loop or WriteTo)
	sinkErr error // the read loop's write to the sink failed
	sunk    atomic.Int64
	credit  int // bytes this side may still send
	rclosed bool
	wclosed bool
	closed  bool
	reset   bool

	readable chan struct{}
	writable chan struct{}
	rdl, wdl *deadline
}

func newStream(s *Session, id uint32) *Stream {
	return &Stream{s: s, id: id, recvLeft: Window, credit: openWindow,
		readable: make(chan struct{}, 1), writable: make(chan struct{}, 1),
		rdl: newDeadline(), wdl: newDeadline()}
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Read implements net.Conn: buffered data first, then EOF after the other
// side's CLOSE, or ErrReset. A Read that finds nothing queued offers b to
// the link's read loop, which copies arriving data straight into it.
func (st *Stream) Read(b []byte) (int, error) {
	st.rmu.Lock()
	defer st.rmu.Unlock()
	select {
	case <-st.rdl.wait():
		return 0, os.ErrDeadlineExceeded
	default:
	}
	for expired := false; ; {
		st.mu.Lock()
		if n := st.direct; n > 0 { // already in b: returned even past the deadline
			st.rbuf, st.direct = nil, 0
			st.consumed(n)
			return n, nil
		}
		st.rbuf = nil
		if len(st.queue) > 0 && !expired {
			n := st.take(b)
			st.consumed(n)
			return n, nil
		}
		closed, rclosed, reset := st.closed, st.rclosed, st.reset
		var err error
		switch {
		case expired:
			err = os.ErrDeadlineExceeded
		case closed:
			err = net.ErrClosed
		case rclosed:
			err = io.EOF
		case reset:
			err = ErrReset
		}
		if err != nil || len(b) == 0 {
			st.mu.Unlock()
			return 0, err
		}
		st.rbuf = b
		st.mu.Unlock()
		select {
		case <-st.readable:
		case <-st.rdl.wait():
			expired = true
		}
	}
}

// WriteTo implements io.WriterTo: it writes what arrives to w (several
// chunks in one writev where w is a socket) until the other side's CLOSE
// (then it returns nil) or an error. It waits for data without holding a
// buffer, so an idle stream copied this way costs no memory.
func (st *Stream) WriteTo(w io.Writer) (int64, error) {
	var own int64 // written here; the read loop counts what it writes in sunk
	var bufs net.Buffers
	st.mu.Lock()
	if c, ok := w.(net.Conn); ok {
		if tw := trywrite.NewWriter(c); tw != nil {
			st.sink = tw
		}
	}
	st.mu.Unlock()
	done := func(err error) (int64, error) {
		st.mu.Lock()
		st.sink = nil
		st.mu.Unlock()
		return own + st.sunk.Load(), err
	}
	for {
		st.mu.Lock()
		if st.sinkErr != nil {
			err := st.sinkErr
			st.mu.Unlock()
			return done(err)
		}
		if len(st.queue) > 0 && !st.sinking {
			q, off := st.queue, st.off
			st.queue, st.off, st.sinking = nil, 0, true
			st.mu.Unlock()
			bufs = bufs[:0]
			for i, c := range q {
				if i == 0 {
					bufs = append(bufs, (*c)[off:])
				} else {
					bufs = append(bufs, *c)
				}
			}
			n, err := bufs.WriteTo(w)
			for _, c := range q {
				chunks.Put(c)
			}
			own += n
			st.mu.Lock()
			st.sinking = false
			st.consumed(int(n))
			if err != nil {
				return done(err)
			}
			continue
		}
		closed, rclosed, reset := st.closed, st.rclosed, st.reset
		st.mu.Unlock()
		switch {
		case closed:
			return done(net.ErrClosed)
		case rclosed:
			return done(nil)
		case reset:
			return done(ErrReset)
		}
		select {
		case <-st.readable:
		case <-st.rdl.wait():
			return done(os.ErrDeadlineExceeded)
		}
	}
}

// sinkDirect writes p straight to the sink of a WriteTo in progress, from
// the link's read loop, when nothing is queued before it: one
// non-blocking write instead of waking WriteTo's goroutine. It returns
// how much the sink took; the caller queues the rest. st.mu is held on
// entry and on return.
func (st *Stream) sinkDirect(p [][]byte) int {
	if st.sink == nil || st.sinking || len(st.queue) > 0 || st.sinkErr != nil {
		return 0
	}
	sink := st.sink
	st.sinking = true
	st.mu.Unlock()
	n, err := sink.WriteBuffers(p)
	st.mu.Lock()
	st.sinking = false
	if err != nil {
		st.sinkErr = err
	}
	if n > 0 {
		st.sunk.Add(int64(n))
		if grant := st.grantLocked(n); grant > 0 {
			st.grant(grant, true)
		}
	}
	return n
}

// consumed counts n bytes read and returns credit to the other side
// once enough was read. It is called with st.mu held and releases it.
func (st *Stream) consumed(n int) {
	grant := st.grantLocked(n)
	st.mu.Unlock()
	if grant > 0 {
		st.grant(grant, false)
	}
}

// grant sends n bytes of credit in frames of at most maxCredit; async
// from the read loop, which must not wait on a write.
func (st *Stream) grant(n int, async bool) {
	for n > 0 {
		k := min(n, maxCredit)
		if async {
			st.s.writeAsync(typeCredit, st.id, uint32(k))
		} else {
			st.s.writeFrame(typeCredit, st.id, uint32(k))
		}
		n -= k
	}
}

// grantLocked counts n bytes read and returns the credit to send now, if
// any. st.mu is held.
func (st *Stream) grantLocked(n int) int {
	st.read += n
	if st.read < creditStep || st.rclosed {
		return 0
	}
	grant := st.read
	st.read = 0
	st.recvLeft += grant
	return grant
}

// Write implements net.Conn: it sends b as DATA frames as fast as the
// other side's credit allows, up to maxBatch frames per system call.
func (st *Stream) Write(b []byte) (int, error) {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	total := 0
	for len(b) > 0 {
		select {
		case <-st.wdl.wait():
			return total, os.ErrDeadlineExceeded
		default:
		}
		st.mu.Lock()
		closed, reset, credit := st.closed || st.wclosed, st.reset, st.credit
		n := min(len(b), credit, maxBatch*MaxFrame)
		st.credit -= n
		st.mu.Unlock()
		switch {
		case closed:
			return total, net.ErrClosed
		case reset:
			return total, ErrReset
		case n == 0:
			select {
			case <-st.writable:
			case <-st.wdl.wait():
				return total, os.ErrDeadlineExceeded
			}
			continue
		}
		if err := st.s.writeData(st.id, b[:n]); err != nil {
			return total, err
		}
		total += n
		b = b[n:]
	}
	return total, nil
}

// TryWrite writes a then b as far as the stream's credit allows and
// returns how many bytes went out, without waiting for credit or for a
// Write in progress (the link's own socket write may still take a
// moment). A closed or reset stream takes nothing and is not an error
// here: the caller's next Write reports it. It lets a relay hand a
// message to the link from the goroutine that read it, as it does with a
// socket (internal/trywrite).
func (st *Stream) TryWrite(a, b []byte) (int, error) {
	if !st.wmu.TryLock() {
		return 0, nil
	}
	defer st.wmu.Unlock()
	total := 0
	for len(a)+len(b) > 0 {
		st.mu.Lock()
		n := 0
		if !st.closed && !st.wclosed && !st.reset {
			n = min(len(a)+len(b), st.credit, MaxFrame)
		}
		st.credit -= n
		st.mu.Unlock()
		if n == 0 {
			break
		}
		na := min(n, len(a))
		if err := st.s.writeFrame2(typeData, st.id, uint32(n), a[:na], b[:n-na]); err != nil {
			return total, err
		}
		a, b = a[na:], b[n-na:]
		total += n
	}
	return total, nil
}

// Close implements net.Conn: the other side reads what was sent, then
// EOF; what it sends after is dropped.
func (st *Stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	send := !st.wclosed && !st.reset
	st.wclosed = true
	st.drop()
	st.mu.Unlock()
	notify(st.readable)
	notify(st.writable)
	st.s.forget(st.id)
	if send {
		st.s.writeFrame(typeClose, st.id, 0)
	}
	return nil
}

// received takes DATA payloads ps, views of the read buffer: straight to
// the sink of a WriteTo in progress when it can, the rest copied into the
// queue's chunks for Read.
func (st *Stream) received(ps [][]byte) error {
	total := 0
	for _, p := range ps {
		total += len(p)
	}
	st.mu.Lock()
	if total > st.recvLeft {
		st.mu.Unlock()
		return fmt.Errorf("%w: stream %d sent beyond its window", ErrProtocol, st.id)
	}
	st.recvLeft -= total
	if st.closed || st.rclosed {
		st.mu.Unlock()
		return nil
	}
	n := st.sinkDirect(ps)
	if n == total || st.closed {
		st.mu.Unlock()
		return nil
	}
	for _, p := range ps {
		k := min(n, len(p))
		n -= k
		p = p[k:]
		if st.rbuf != nil && len(st.queue) == 0 {
			k = copy(st.rbuf[st.direct:], p)
			st.direct += k
			p = p[k:]
		}
		st.enqueue(p)
	}
	st.mu.Unlock()
	notify(st.readable)
	return nil
}

// enqueue copies p to the end of the queue. st.mu is held.
func (st *Stream) enqueue(p []byte) {
	for len(p) > 0 {
		if k := len(st.queue); k > 0 {
			last := st.queue[k-1]
			if room := cap(*last) - len(*last); room > 0 {
				m := min(room, len(p))
				*last = append(*last, p[:m]...)
				p = p[m:]
				continue
			}
		}
		c := chunks.Get().(*[]byte)
		*c = (*c)[:0]
		st.queue = append(st.queue, c)
	}
}

// take moves queued bytes into b, returning drained chunks to the pool.
// st.mu is held.
func (st *Stream) take(b []byte) int {
	n := 0
	for n < len(b) && len(st.queue) > 0 {
		c := st.queue[0]
		k := copy(b[n:], (*c)[st.off:])
		n += k
		st.off += k
		if st.off == len(*c) {
			chunks.Put(c)
			st.queue[0] = nil
			st.queue, st.off = st.queue[1:], 0
		}
	}
	if len(st.queue) == 0 {
		st.queue = nil
	}
	return n
}

// drop returns every queued chunk to the pool. st.mu is held.
func (st *Stream) drop() {
	for _, c := range st.queue {
		chunks.Put(c)
	}
	st.queue, st.off = nil, 0
}

func (st *Stream) credited(n int) {
	st.mu.Lock()
	st.credit += n
	st.mu.Unlock()
	notify(st.writable)
}

func (st *Stream) remoteClosed() {
	st.mu.Lock()
	st.rclosed = true
	st.mu.Unlock()
	notify(st.readable)
}

// broken marks the stream reset (by the other side, or with its session).
func (st *Stream) broken() {
	st.mu.Lock()
	st.reset = true
	st.mu.Unlock()
	notify(st.readable)
	notify(st.writable)
}

// LocalAddr implements net.Conn: the link's local address.
func (st *Stream) LocalAddr() net.Addr { return st.s.conn.LocalAddr() }

// RemoteAddr implements net.Conn: the link's remote address.
func (st *Stream) RemoteAddr() net.Addr { return st.s.conn.RemoteAddr() }

// SetDeadline implements net.Conn.
func (st *Stream) SetDeadline(t time.Time) error {
	st.rdl.set(t)
	st.wdl.set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (st *Stream) SetReadDeadline(t time.Time) error { st.rdl.set(t); return nil }

// SetWriteDeadline implements net.Conn.
func (st *Stream) SetWriteDeadline(t time.Time) error { st.wdl.set(t); return nil }
