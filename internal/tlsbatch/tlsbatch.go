// Package tlsbatch gathers the TLS records of one large write into one system
// call. crypto/tls writes every record (at most 16 KiB of data) to the
// connection under it with its own write call; a 64 KiB tunnel frame thus
// costs four write system calls and up to four wake-ups of the process at
// the other end of a loopback socket. Conn goes under the tls.Conn and,
// while corked, collects those records; Write uncorks and sends them with
// one call. The cost is one copy of the records, which is much cheaper
// than the system calls it saves.
package tlsbatch

import (
	"crypto/tls"
	"net"
	"sync"
)

// maxBuffered bounds what one corked write collects before it writes
// through: about 256 KiB of data in 16 KiB records.
const maxBuffered = 256 << 10

// bufPool holds *[]byte of capacity maxBuffered. A Conn takes one only
// while corked, so an idle connection holds no buffer.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, maxBuffered)
	return &b
}}

// Conn is a net.Conn that can hold back writes. It is meant to sit under a
// tls.Conn (see New, Listener, Write and WriteBuffers); used directly it
// behaves as the connection it wraps.
type Conn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte // held-back bytes, from bufPool; nil unless corked
	err    error   // first write error while corked
}

// New wraps c.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

// Write writes p, or appends it to the held-back bytes while corked.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.buf == nil {
		c.buf = bufPool.Get().(*[]byte)
	}
	if len(*c.buf)+len(p) > maxBuffered {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > maxBuffered {
			return c.Conn.Write(p)
		}
	}
	*c.buf = append(*c.buf, p...) // within its capacity: never grows
	return len(p), nil
}

func (c *Conn) flushLocked() error {
	if c.buf == nil || len(*c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	if err != nil && c.err == nil {
		c.err = err
	}
	return err
}

func (c *Conn) cork() {
	c.mu.Lock()
	c.corked, c.err = true, nil
	c.mu.Unlock()
}

// uncork writes what was held back and returns the first error of the
// corked period.
func (c *Conn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	c.flushLocked()
	if c.buf != nil {
		bufPool.Put(c.buf)
		c.buf = nil
	}
	err := c.err
	c.err = nil
	return err
}

// corkable returns w as a tls.Conn over a Conn, or nils.
func corkable(w net.Conn) (*tls.Conn, *Conn) {
	tc, ok := w.(*tls.Conn)
	if !ok {
		return nil, nil
	}
	cc, ok := tc.NetConn().(*Conn)
	if !ok {
		return nil, nil
	}
	return tc, cc
}

// Write writes p to w. When w is a tls.Conn over a Conn, the records of p
// go out in as few write calls as fit in maxBuffered; otherwise it is
// w.Write(p).
func Write(w net.Conn, p []byte) (int, error) {
	tc, cc := corkable(w)
	if cc == nil {
		return w.Write(p)
	}
	cc.cork()
	n, err := tc.Write(p)
	if ferr := cc.uncork(); err == nil && ferr != nil {
		return 0, ferr
	}
	return n, err
}

// WriteBuffers writes bufs to w in order, consuming them like
// net.Buffers.WriteTo, with the records of all of them gathered as Write
// does.
func WriteBuffers(w net.Conn, bufs *net.Buffers) error {
	tc, cc := corkable(w)
	if cc == nil {
		_, err := bufs.WriteTo(w)
		return err
	}
	cc.cork()
	var err error
	for _, b := range *bufs {
		if _, err = tc.Write(b); err != nil {
			break
		}
	}
	*bufs = (*bufs)[:0]
	if ferr := cc.uncork(); err == nil {
		err = ferr
	}
	return err
}

// Listener wraps every accepted connection in a Conn; put it under
// tls.NewListener.
type Listener struct{ net.Listener }

// Accept returns the next connection, wrapped.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return New(c), nil
}
