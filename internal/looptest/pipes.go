package looptest

import (
	"net"
	"sync"
)

// PipeListener is a net.Listener of in-memory connections (net.Pipe), for
// servers under test in a testing/synctest bubble, which cannot use real
// sockets. Dial hands the server one end and returns the other.
type PipeListener struct {
	addr   pipeAddr
	ch     chan net.Conn
	once   sync.Once
	closed chan struct{}
}

// NewPipeListener returns a listener whose Addr reports addr.
func NewPipeListener(addr string) *PipeListener {
	return &PipeListener{addr: pipeAddr(addr), ch: make(chan net.Conn), closed: make(chan struct{})}
}

// Dial connects to the listener; it fails once the listener is closed.
func (l *PipeListener) Dial() (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.ch <- s:
		return c, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	}
}

// Accept waits for the next Dial.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close ends Accept and Dial.
func (l *PipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the address given to NewPipeListener.
func (l *PipeListener) Addr() net.Addr { return l.addr }

type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }
