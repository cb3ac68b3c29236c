package localproxy

import (
	"crypto/rand"
	"errors"
	"github.com/adit-project/adit/internal/cork"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Writer batching limits: frames and bytes per writev.
const (
	maxBatchFrames = 64
	maxBatchBytes  = 512 << 10
	coalesceBelow  = 4 << 10 // frames smaller than this are copied together
)

// lockedConn serialises writes to the WebSocket's network connection. The
// session writer writes whole frames with writeBuffers, bypassing
// gorilla's writer so that frames leave without a copy and several share
// one syscall; gorilla itself only writes Close frames, through Write.
// Each call carries whole frames, so frames never interleave.
type lockedConn struct {
	net.Conn
	mu       sync.Mutex  // serialises writes and write deadlines
	closing  atomic.Bool // set when the session ends: no more data frames
	deadline time.Time   // write deadline writeBuffers last set; guarded by mu
}

// Write writes p under the lock.
func (c *lockedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Write(p)
}

// SetWriteDeadline sets the write deadline under the lock, so it cannot
// shorten a write in progress.
func (c *lockedConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = time.Time{}
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines under the lock.
func (c *lockedConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = time.Time{}
	return c.Conn.SetDeadline(t)
}

// writeBuffers writes bufs (writev where the connection supports it)
// within timeout: the deadline is moved only when less than 3/4 of timeout
// is left, so a stream of small writes does not reset the runtime's
// deadline timer every time (each write still gets at least 3/4 of it).
func (c *lockedConn) writeBuffers(bufs *net.Buffers, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return net.ErrClosed
	}
	if now := time.Now(); c.deadline.Sub(now) < timeout*3/4 {
		c.deadline = now.Add(timeout)
		c.Conn.SetWriteDeadline(c.deadline)
	}
	return cork.WriteBuffers(c.Conn, bufs)
}

// frameWriter masks frames and writes them in batches. It is owned by the
// session writer goroutine.
type frameWriter struct {
	lc      *lockedConn
	timeout time.Duration
	rng     *mrand.ChaCha8
	bufs    net.Buffers
	out     net.Buffers // what writeBuffers consumes
	scratch []byte      // small frames copied together
	batch   []frame     // frames being written
}

func newFrameWriter(lc *lockedConn, timeout time.Duration) *frameWriter {
	var seed [32]byte
	rand.Read(seed[:])
	return &frameWriter{lc: lc, timeout: timeout, rng: mrand.NewChaCha8(seed),
		scratch: make([]byte, 0, 64<<10), batch: make([]frame, 0, maxBatchFrames)}
}

// write sends the frames of batch with one writeBuffers call.
func (w *frameWriter) write(batch []frame) error {
	w.bufs = w.bufs[:0]
	w.scratch = w.scratch[:0]
	start := 0 // start of the scratch region not yet in bufs
	for i := range batch {
		b := maskFrame(&batch[i], uint32(w.rng.Uint64()))
		if len(b) < coalesceBelow && len(w.scratch)+len(b) <= cap(w.scratch) {
			w.scratch = append(w.scratch, b...)
			continue
		}
		if start < len(w.scratch) {
			w.bufs = append(w.bufs, w.scratch[start:])
			start = len(w.scratch)
		}
		w.bufs = append(w.bufs, b)
	}
	if start < len(w.scratch) {
		w.bufs = append(w.bufs, w.scratch[start:])
	}
	// Writing consumes the slice it is given; w.out is that copy of bufs,
	// a field so that passing its address allocates nothing.
	w.out = w.bufs
	err := w.lc.writeBuffers(&w.out, w.timeout)
	w.out = nil
	clear(w.bufs)
	return err
}

// errTextFrame is a text message from the service, which sends only binary.
var errTextFrame = errors.New("text message received")

// wsStream presents the binary messages of a WebSocket as one byte
// stream: tunnel frames may span or share WebSocket messages.
type wsStream struct {
	ws *websocket.Conn
	r  io.Reader // current message, nil between messages
}

func (s *wsStream) Read(p []byte) (int, error) {
	for {
		if s.r == nil {
			typ, r, err := s.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				return 0, errTextFrame
			}
			s.r = r
		}
		n, err := s.r.Read(p)
		if errors.Is(err, io.EOF) {
			s.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}
