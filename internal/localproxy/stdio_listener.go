package localproxy

import (
	"net"
	"sync"
)

// pipeListener is a net.Listener over in-memory connections: it yields the
// connections queued in conns, then blocks until closed.
type pipeListener struct {
	conns    chan net.Conn
	onAccept func() // called once, before the first connection is returned
	addr     string // what Addr reports
	closed   chan struct{}
	once     sync.Once
}

// Accept returns the next queued connection, or net.ErrClosed once the
// listener is closed.
func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-l.conns:
		if l.onAccept != nil {
			l.onAccept()
			l.onAccept = nil
		}
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept return net.ErrClosed; it is idempotent.
func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr is a description of where the listener's connections come from.
func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.addr) }

// pipeAddr is the address of a pipeListener.
type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }
