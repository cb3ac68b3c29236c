//go:build linux

package trywrite

import (
	"net"
	"syscall"
	"unsafe"
)

// Writer makes non-blocking writes to one socket without allocating: its
// callback and I/O vectors are built once. It is not safe for concurrent
// use; its owner makes sure one goroutine writes at a time.
type Writer struct {
	raw syscall.RawConn
	iov [MaxBuffers]syscall.Iovec
	cnt int
	n   int
	err error
	fn  func(fd uintptr) bool
}

// NewWriter returns a Writer for c, or nil if c is not a plain socket
// (TCP or Unix domain; a TLS connection, for one, must be written through).
func NewWriter(c net.Conn) *Writer {
	raw := rawConn(c)
	if raw == nil {
		return nil
	}
	w := &Writer{raw: raw}
	w.fn = w.writev
	return w
}

// Write makes one non-blocking write of a then b (either may be empty)
// and returns how many bytes the kernel took. A full socket, an expired
// write deadline or a closed connection is not an error: it returns what
// was written (often 0) and the caller queues the rest for its writer,
// which reports such failures itself. err is a socket error the kernel
// returned (for example EPIPE or ECONNRESET).
func (w *Writer) Write(a, b []byte) (int, error) {
	w.cnt = 0
	w.add(a)
	w.add(b)
	return w.write()
}

// WriteBuffers is Write of bufs in order, up to MaxBuffers non-empty
// slices of it: n counts a prefix of their concatenation.
func (w *Writer) WriteBuffers(bufs [][]byte) (int, error) {
	w.cnt = 0
	for _, p := range bufs {
		if !w.add(p) {
			break
		}
	}
	return w.write()
}

// add appends p's vector, if p is not empty; false when all are taken.
func (w *Writer) add(p []byte) bool {
	switch {
	case len(p) == 0:
		return true
	case w.cnt == MaxBuffers:
		return false
	}
	w.iov[w.cnt].Base = &p[0]
	w.iov[w.cnt].SetLen(len(p))
	w.cnt++
	return true
}

// write makes one write of the first cnt vectors.
func (w *Writer) write() (int, error) {
	w.n, w.err = 0, nil
	if w.cnt == 0 {
		return 0, nil
	}
	w.raw.Write(w.fn)
	clear(w.iov[:w.cnt]) // keep no reference to the caller's bytes
	return w.n, w.err
}

func (w *Writer) writev(fd uintptr) bool {
	r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(w.cnt))
	switch e {
	case 0:
		w.n = int(r)
	case syscall.EAGAIN, syscall.EINTR:
	default:
		w.err = e
	}
	return true // never wait for writability
}
