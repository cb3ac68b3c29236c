package localproxy

import (
	"crypto/rand"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/tlsbatch"
	"github.com/adit-project/adit/internal/wsframe"
)

// errCloseSent is a second Close frame: a WebSocket sends one at most.
var errCloseSent = errors.New("websocket: close frame already sent")

// wsConn is the session's WebSocket after the upgrade: the network
// connection, with its writes serialised. The session writer writes whole
// frames with writeBuffers (several per syscall, masked in place); the
// reader and the shutdown path write single Close frames with writeClose.
// Each call carries whole frames, so frames never interleave. Reads need
// no lock: only the session reader reads.
type wsConn struct {
	net.Conn
	subprotocol string // the subprotocol the service chose
	early       []byte // bytes that arrived with the upgrade answer

	mu        sync.Mutex  // serialises writes and write deadlines
	closing   atomic.Bool // set when the session ends: no more data frames
	closeSent atomic.Bool // a Close frame was written (or attempted)
	deadline  time.Time   // write deadline writeBuffers last set; guarded by mu
}

// writeBuffers writes bufs (writev where the connection supports it)
// within timeout: the deadline is moved only when less than 3/4 of timeout
// is left, so a stream of small writes does not reset the runtime's
// deadline timer every time (each write still gets at least 3/4 of it).
func (c *wsConn) writeBuffers(bufs *net.Buffers, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return net.ErrClosed
	}
	if now := time.Now(); c.deadline.Sub(now) < timeout*3/4 {
		c.deadline = now.Add(timeout)
		c.Conn.SetWriteDeadline(c.deadline)
	}
	return tlsbatch.WriteBuffers(c.Conn, bufs)
}

// writeClose writes a Close frame with code and reason (CloseNoStatus: an
// empty one) by deadline; only the first call writes.
func (c *wsConn) writeClose(code uint16, reason string, deadline time.Time) error {
	if !c.closeSent.CompareAndSwap(false, true) {
		return errCloseSent
	}
	var key [4]byte
	rand.Read(key[:])
	var b [wsframe.MaxHeaderSize + wsframe.MaxControlPayload]byte
	f := wsframe.AppendClientFrame(b[:0], wsframe.OpClose, wsframe.AppendClosePayload(nil, code, reason), key)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = time.Time{}
	c.Conn.SetWriteDeadline(deadline)
	_, err := c.Conn.Write(f)
	return err
}
