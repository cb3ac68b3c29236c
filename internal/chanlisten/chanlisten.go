// Package chanlisten is a net.Listener whose connections are handed to it
// inside the process rather than accepted from a socket: the streams of a
// link between cluster nodes, or in-memory pipes in tests, served by an
// ordinary http.Server.
package chanlisten

import (
	"net"
	"sync"
)

// Listener hands each connection given to Push to one Accept.
type Listener struct {
	addr   Addr
	ch     chan net.Conn
	once   sync.Once
	closed chan struct{}
}

// New returns a listener whose Addr reports network and addr.
func New(network, addr string) *Listener {
	return &Listener{addr: Addr{network, addr}, ch: make(chan net.Conn), closed: make(chan struct{})}
}

// Push waits for an Accept to take c; false when the listener is closed
// first (c is then the caller's to close).
func (l *Listener) Push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.closed:
		return false
	}
}

// Accept implements net.Listener: the next pushed connection, or
// net.ErrClosed once the listener is closed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener: Accept and Push end; it is idempotent.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr implements net.Listener.
func (l *Listener) Addr() net.Addr { return l.addr }

// Addr is a listener's address: a network name and a description.
type Addr struct{ Net, Name string }

// Network implements net.Addr.
func (a Addr) Network() string { return a.Net }

// String implements net.Addr.
func (a Addr) String() string { return a.Name }
