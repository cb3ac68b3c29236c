package server_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// In-memory listeners, for tests in a testing/synctest bubble: time there
// is virtual, so the server's timeouts fire exactly when due and the test
// does not wait for them, but the bubble cannot use real sockets. A
// server started with startSplitPipes listens on pipeListeners registered
// under made-up host:port addresses, and the helpers of these tests dial
// through dialAny, which reaches those in memory and anything else over
// TCP.

// pipes maps a made-up address to its *pipeListener.
var pipes sync.Map

var pipeSeq atomic.Int64

// pipeListener is a net.Listener of in-memory connections (net.Pipe).
type pipeListener struct {
	addr   pipeAddr
	ch     chan net.Conn
	once   sync.Once
	closed chan struct{}
}

// newPipeListener registers a listener under a new address until the
// test ends.
func newPipeListener(t *testing.T, name string) *pipeListener {
	l := &pipeListener{addr: pipeAddr(fmt.Sprintf("%s%d.pipe:80", name, pipeSeq.Add(1))),
		ch: make(chan net.Conn), closed: make(chan struct{})}
	pipes.Store(string(l.addr), l)
	t.Cleanup(func() { pipes.Delete(string(l.addr)); l.Close() })
	return l
}

func (l *pipeListener) dial() (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.ch <- s:
		return c, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }

// dialAny connects to addr: in memory for a pipeListener's address, over
// TCP otherwise.
func dialAny(ctx context.Context, _, addr string) (net.Conn, error) {
	if l, ok := pipes.Load(addr); ok {
		return l.(*pipeListener).dial()
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
