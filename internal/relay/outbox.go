package relay

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/adit-project/adit/internal/wire"
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
// owner of its single writer goroutine. The writer runs only while frames
// are queued, so an idle peer costs no goroutine and no buffer; it takes
// the whole queue at once and writes it with one write call, which batches
// many small messages per syscall.
//
// The queue holds at most bufSize bytes. A sender that finds it full waits
// (backpressure on the sender's socket) until the writer takes the queue,
// the receiving peer closes, or the sender itself closes; a stalled
// receiver is bounded by WriteTimeout, after which it is dropped.
type outbox struct {
	conn         net.Conn
	writeTimeout time.Duration
	onWriteError func(error)

	mu      sync.Mutex
	buf     *[]byte       // queued frames; nil when empty
	space   chan struct{} // closed when the writer takes buf; nil if nobody waits
	held    bool          // no writer may start yet (handshake in progress)
	running bool          // a writer goroutine is active
	closing bool          // no more frames are accepted
	final   []byte        // the Close frame to write last, if any
	closeBy time.Time     // deadline for writes once closing
	broken  bool          // a write failed; the stream is unusable
	reason  closeReason   // why the peer closes; set with closing
	wg      sync.WaitGroup
}

// push queues one frame with opcode op. Unless force is set it waits while
// the queue is full, giving up when cancel is closed. Relay-generated
// control messages (SERVICE_IDS, STREAM_RESET) are forced: they are few
// and tiny, and the relay must not block on them.
func (o *outbox) push(op byte, payload []byte, cancel <-chan struct{}, force bool) error {
	need := maxServerHeader + len(payload)
	for {
		o.mu.Lock()
		if o.closing {
			o.mu.Unlock()
			return errPeerGone
		}
		if o.buf == nil || force || len(*o.buf)+need <= cap(*o.buf) {
			if o.buf == nil {
				o.buf = getBuf()
				*o.buf = (*o.buf)[:0]
			}
			b := appendFrameHeader(*o.buf, op, len(payload))
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
		o.final = appendCloseFrame(nil, r.code, r.text)
	}
	if o.buf != nil {
		putBuf(o.buf)
		o.buf = nil
	}
	o.wakeLocked()
	o.conn.SetWriteDeadline(writeBy)
	if o.final != nil {
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
	if o.closing {
		o.running = false
		f := o.final
		o.final = nil
		o.conn.SetWriteDeadline(o.closeBy)
		return nil, f, f != nil && !o.broken
	}
	if o.buf == nil {
		o.running = false
		return nil, nil, false
	}
	b, o.buf = o.buf, nil
	o.wakeLocked()
	// Set under mu so a concurrent close, which shortens the deadline,
	// cannot be overridden.
	o.conn.SetWriteDeadline(time.Now().Add(o.writeTimeout))
	return b, nil, true
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
		_, err := o.conn.Write(*b)
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
