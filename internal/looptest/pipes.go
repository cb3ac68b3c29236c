package looptest

import (
	"net"

	"github.com/adit-project/adit/internal/chanlisten"
)

// PipeListener is a net.Listener of in-memory connections (net.Pipe), for
// servers under test in a testing/synctest bubble, which cannot use real
// sockets. Dial hands the server one end and returns the other.
type PipeListener struct {
	*chanlisten.Listener
}

// NewPipeListener returns a listener whose Addr reports addr.
func NewPipeListener(addr string) *PipeListener {
	return &PipeListener{chanlisten.New("pipe", addr)}
}

// Dial connects to the listener; it fails once the listener is closed.
func (l *PipeListener) Dial() (net.Conn, error) {
	c, s := net.Pipe()
	if !l.Push(s) {
		c.Close()
		s.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	}
	return c, nil
}
