package relay

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/tlsbatch"
	"github.com/adit-project/adit/internal/trywrite"
	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// bufSize is the size of pooled buffers: a peer's big read buffer and its
// queue of outgoing frames each use one. It holds two maximal tunnel
// frames with their WebSocket headers, so a writer can batch them.
const bufSize = 2 * (maxServerHeader + wire.LengthPrefixSize + wire.MaxMessageSize)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) == bufSize {
		*b = (*b)[:bufSize]
		bufPool.Put(b)
	}
}

// Errors of outbox.push.
var (
	errPeerGone = errors.New("relay: peer is closing")
	errCanceled = errors.New("relay: sender is closing")
)

// outbox is a peer's bounded queue of encoded WebSocket frames and the
// owner of its single writer goroutine. When nothing is queued or being
// written, a sender writes its frame to the socket itself with one
// non-blocking write (plain TCP only), so a small message crosses the
// relay without waking another goroutine. Otherwise, or for what the
// socket did not take, the frame is queued and the writer runs: only
// while frames are queued, so an idle peer costs no goroutine and no
// buffer; it takes the whole queue at once and writes it with one write
// call, which batches many small messages per syscall.
//
// The queue holds at most bufSize bytes. A sender that finds it full waits
// (backpressure on the sender's socket) until the writer takes the queue,
// the receiving peer closes, or the sender itself closes; a stalled
// receiver is bounded by WriteTimeout, after which it is dropped.
type outbox struct {
	conn         net.Conn
	tw           directWriter // non-blocking writes to conn, or nil (TLS)
	writeTimeout time.Duration
	onWriteError func(error)

	mu      sync.Mutex
	buf     *[]byte               // queued frames; nil when empty
	torn    int                   // leading bytes of buf that finish a partly written frame
	hdr     [maxServerHeader]byte // frame header of a direct write (running is set)
	space   chan struct{}         // closed when the writer takes buf; nil if nobody waits
	held    bool                  // no writer may start yet (handshake in progress)
	running bool                  // a writer goroutine is active
	closing bool                  // no more frames are accepted
	final   []byte                // the Close frame to write last, if any
	closeBy time.Time             // deadline for writes once closing
	broken  bool                  // a write failed; the stream is unusable
	reason  closeReason           // why the peer closes; set with closing
	sent    uint64                // payload bytes of pushed binary frames
	wg      sync.WaitGroup
}

// directWriter makes one write that does not wait: it returns how much of
// a then b went out, the rest being the writer goroutine's.
type directWriter interface {
	Write(a, b []byte) (int, error)
}

// tryWriterFunc adapts a connection's own TryWrite (a cluster link's
// stream has one) to directWriter.
type tryWriterFunc func(a, b []byte) (int, error)

func (f tryWriterFunc) Write(a, b []byte) (int, error) { return f(a, b) }

// newDirectWriter returns the direct writer of conn: a non-blocking socket
// write for a plain socket, the connection's TryWrite if it has one, or
// nil (TLS: every frame goes through the writer).
func newDirectWriter(conn net.Conn) directWriter {
	if tw := trywrite.NewWriter(conn); tw != nil {
		return tw
	}
	if t, ok := conn.(interface {
		TryWrite(a, b []byte) (int, error)
	}); ok {
		return tryWriterFunc(t.TryWrite)
	}
	return nil
}

// directMin is the payload size from which a frame is written directly
// even when more frames of the same read follow: one system call per such
// frame costs little, while small frames are cheaper batched by the writer.
const directMin = 16 << 10

// push queues one frame with opcode op. Unless force is set it waits while
// the queue is full, giving up when cancel is closed. Relay-generated
// control messages (SERVICE_IDS, STREAM_RESET) are forced: they are few
// and tiny, and the relay must not block on them. more says that the
// sender has further frames at hand: a small frame is then queued, so the
// writer sends the batch with one call, instead of written directly.
func (o *outbox) push(op byte, payload []byte, cancel <-chan struct{}, force, more bool) error {
	need := maxServerHeader + len(payload)
	for {
		o.mu.Lock()
		if o.closing {
			o.mu.Unlock()
			return errPeerGone
		}
		if o.buf == nil && !force && (!more || len(payload) >= directMin) && o.idleLocked() {
			o.countSent(op, len(payload))
			o.direct(op, payload) // unlocks
			return nil
		}
		if o.buf == nil || force || len(*o.buf)+need <= cap(*o.buf) {
			o.countSent(op, len(payload))
			if o.buf == nil {
				o.buf = getBuf()
				*o.buf = (*o.buf)[:0]
			}
			b := wsframe.AppendHeader(*o.buf, op, len(payload))
			*o.buf = append(b, payload...)
			o.startLocked()
			o.mu.Unlock()
			return nil
		}
		if o.space == nil {
			o.space = make(chan struct{})
		}
		ch := o.space
		o.mu.Unlock()
		select {
		case <-ch:
		case <-cancel:
			return errCanceled
		}
	}
}

// idleLocked reports whether the caller may write to the socket itself:
// nothing is queued or being written and the socket is a plain one.
func (o *outbox) idleLocked() bool {
	return o.tw != nil && !o.running && !o.held && o.final == nil
}

// direct writes one frame from the calling goroutine with a non-blocking
// write, saving the writer goroutine's wake-up and the copy into the
// queue; whatever the socket does not take is queued for the writer. It
// is called with mu held and unlocks it. Meanwhile running is set, so
// other senders queue behind the frame and the writer does not start.
func (o *outbox) direct(op byte, payload []byte) {
	o.running = true
	// wait must not return while a direct write is in flight: a Close
	// received meanwhile finds running set and starts no writer, so its
	// Close frame is written only when this write returns (below).
	o.wg.Add(1)
	defer o.wg.Done()
	o.mu.Unlock()
	h := wsframe.AppendHeader(o.hdr[:0], op, len(payload))
	n, err := o.tw.Write(h, payload)
	o.mu.Lock()
	o.running = false
	if rest := len(h) + len(payload) - n; rest > 0 && err == nil {
		// The socket took part of the frame or none: the writer sends the
		// rest ahead of anything queued meanwhile. If the peer started
		// closing meanwhile, that queue is gone, but a partly written
		// frame must still be completed before the Close frame.
		b := getBuf()
		*b = (*b)[:0]
		if n < len(h) {
			*b = append(*b, h[n:]...)
		}
		*b = append(*b, payload[max(n-len(h), 0):]...)
		if n > 0 {
			o.torn = len(*b) // the frame is partly on the wire
		}
		if o.buf != nil {
			*b = append(*b, *o.buf...)
			putBuf(o.buf)
		}
		o.buf = b
	}
	if err != nil {
		o.broken = true
	}
	if o.buf != nil || o.final != nil {
		o.startLocked()
	}
	o.mu.Unlock()
	if err != nil {
		o.onWriteError(err)
	}
}

// startLocked starts the writer unless it runs or is held.
func (o *outbox) startLocked() {
	if !o.running && !o.held {
		o.running = true
		o.wg.Add(1)
		go o.run()
	}
}

// release lets the writer start; the handshake has finished.
func (o *outbox) release() {
	o.mu.Lock()
	o.held = false
	if o.buf != nil || o.final != nil {
		o.startLocked()
	}
	o.mu.Unlock()
}

// close stops the queue: queued frames are dropped and the Close frame of
// r (if any) is written next. Writes in flight get until writeBy. It
// reports false if the outbox was already closing.
func (o *outbox) close(r closeReason, writeBy time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing {
		return false
	}
	o.closing, o.reason, o.closeBy = true, r, writeBy
	if r.code != 0 {
		o.final = wsframe.AppendCloseFrame(nil, r.code, r.text)
	}
	if o.buf != nil && o.torn > 0 {
		*o.buf = (*o.buf)[:o.torn] // finish the frame on the wire, drop the rest
	} else if o.buf != nil {
		putBuf(o.buf)
		o.buf = nil
	}
	o.wakeLocked()
	o.conn.SetWriteDeadline(writeBy)
	if o.final != nil || o.buf != nil {
		o.startLocked()
	}
	return true
}

// closeReason returns why the outbox closed.
func (o *outbox) closeReason() closeReason {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reason
}

func (o *outbox) wakeLocked() {
	if o.space != nil {
		close(o.space)
		o.space = nil
	}
}

// take hands the writer its next batch, or the final Close frame (last
// true), or nothing (ok false: exit).
func (o *outbox) take() (b *[]byte, final []byte, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buf != nil && !(o.closing && o.broken) {
		b, o.buf, o.torn = o.buf, nil, 0
		o.wakeLocked()
		// Set under mu so a concurrent close, which shortens the deadline,
		// cannot be overridden.
		if !o.closing {
			o.conn.SetWriteDeadline(time.Now().Add(o.writeTimeout))
		}
		return b, nil, true
	}
	if o.closing {
		o.running = false
		f := o.final
		o.final = nil
		o.conn.SetWriteDeadline(o.closeBy)
		return nil, f, f != nil && !o.broken
	}
	o.running = false
	if o.tw != nil {
		// Direct writes are non-blocking; an expired deadline would make
		// them fail.
		o.conn.SetWriteDeadline(time.Time{})
	}
	return nil, nil, false
}

// run is the writer goroutine.
func (o *outbox) run() {
	defer o.wg.Done()
	for {
		b, final, ok := o.take()
		if !ok {
			return
		}
		if final != nil {
			if _, err := o.conn.Write(final); err == nil {
				if cw, ok := o.conn.(interface{ CloseWrite() error }); ok {
					cw.CloseWrite()
				}
			}
			return
		}
		_, err := tlsbatch.Write(o.conn, *b)
		putBuf(b)
		if err != nil {
			o.mu.Lock()
			o.broken = true
			o.mu.Unlock()
			o.onWriteError(err)
		}
	}
}

// wait returns once no writer goroutine runs.
func (o *outbox) wait() { o.wg.Wait() }

// countSent adds a pushed binary frame's payload to sent; o.mu is held.
func (o *outbox) countSent(op byte, n int) {
	if op == opBinary {
		o.sent += uint64(n)
	}
}

// sentBytes returns the payload bytes of binary frames pushed so far.
func (o *outbox) sentBytes() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent
}
