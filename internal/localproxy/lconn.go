package localproxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/trywrite"
	"github.com/adit-project/adit/internal/wire"
)

// Connection states.
const (
	connOpen        = iota
	connLocalClosed // the local side ended; the peer was sent a reset
	connPeerClosed  // the peer reset it; buffered data is still delivered
	connAborted     // the session ended
)

// lconn is one local TCP (or Unix) connection carried by the tunnel.
type lconn struct {
	s        *session
	svc      *svcState
	log      *slog.Logger
	key      uint32    // key in svc.conns: the connection id, 0 in V1/V2 format
	streamID int32     // stream the connection belongs to
	wireSvc  string    // serviceId on outgoing messages
	wireConn uint32    // connectionId on outgoing messages (0: V1/V2 format)
	reset    wire.Type // TypeConnectionReset, or TypeStreamReset in V1/V2 format
	out      *outq
	in       *inbox
	ctx      context.Context // ends with the connection; stops dialing and waits
	cancel   context.CancelFunc
	done     func() // releases the source's accept slot, if any (idempotent)
	// resetHoldsSlot is set when the reset frame releases the accept slot
	// once written; slotReleased when serve ended without one.
	resetHoldsSlot, slotReleased atomic.Bool

	mu    sync.Mutex
	nc    net.Conn         // nil while a destination dials; guarded by mu
	tw    *trywrite.Writer // non-blocking writes to nc (inbox.direct), or nil; guarded by mu
	state int              // guarded by mu
}

// setConn attaches the dialed socket; false if the connection already ended.
func (c *lconn) setConn(nc net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != connOpen {
		return false
	}
	c.nc = nc
	c.tw = trywrite.NewWriter(nc)
	return true
}

// releaseSlot frees the accept slot when serve ends, unless a pending reset
// frame frees it once written.
func (c *lconn) releaseSlot() {
	if c.done == nil {
		return
	}
	c.slotReleased.Store(true)
	if !c.resetHoldsSlot.Load() {
		c.done()
	}
}

// peerClosed reports whether the peer reset the connection.
func (c *lconn) peerClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == connPeerClosed
}

// transition moves to state st if the connection is still open and
// returns the socket (possibly nil).
func (c *lconn) transition(st int) (net.Conn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != connOpen {
		return nil, false
	}
	c.state = st
	return c.nc, true
}

// endLocal ends a connection whose local side failed or closed: the peer
// gets a reset after the data already queued, the socket is closed.
func (c *lconn) endLocal(err error) {
	nc, ok := c.transition(connLocalClosed)
	if !ok {
		return
	}
	c.s.forget(c)
	m := wire.Message{Type: c.reset, StreamID: c.streamID, ServiceID: c.wireSvc, ConnectionID: c.wireConn}
	f := controlFrame(&m)
	if c.done != nil && !c.slotReleased.Load() {
		// The source's accept slot is freed only once the peer has been
		// told: otherwise the next connection's start can overtake this
		// reset and exceed the destination's connection limit.
		c.resetHoldsSlot.Store(true)
		f.after = c.done
	}
	c.s.sched.push(c.out, f)
	c.s.wake() // endLocal may run on the WebSocket reader: never write here
	c.in.abort()
	c.cancel()
	if nc != nil {
		nc.Close()
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("local connection ended", "err", err)
	} else {
		c.log.Debug("local connection closed")
	}
}

// endPeer ends a connection the peer reset. Unsent outbound data is
// dropped; inbound data already buffered is still written, within
// LocalWriteTimeout. The caller has removed c from svc.conns.
func (c *lconn) endPeer() {
	nc, ok := c.transition(connPeerClosed)
	if !ok {
		return
	}
	c.s.sched.drop(c.out)
	if nc == nil {
		// Still dialing: let the dial finish so that the bytes the peer
		// sent before its reset still reach the service (serve delivers
		// them, then closes); a failed dial simply ends the connection.
		c.in.finish()
		c.log.Debug("connection reset by peer while connecting")
		return
	}
	nc.SetReadDeadline(time.Unix(1, 0)) // stop the local reader
	nc.SetWriteDeadline(time.Now().Add(c.s.cfg.LocalWriteTimeout))
	c.in.finish()
	c.log.Debug("connection reset by peer")
}

// abort ends the connection at once because its session ended.
func (c *lconn) abort() {
	c.mu.Lock()
	c.state = connAborted
	nc := c.nc
	c.mu.Unlock()
	c.in.abort()
	c.cancel()
	if nc != nil {
		nc.Close()
	}
}
