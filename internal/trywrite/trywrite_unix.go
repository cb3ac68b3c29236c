//go:build unix

package trywrite

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Writev makes one non-blocking write of bufs, in order, and returns how
// many bytes the kernel took. A full socket, an expired write deadline or
// a closed connection is not an error: it returns what was written (often
// 0) and the caller queues the rest for its writer, which reports such
// failures itself. err is a socket error the kernel returned (for example
// EPIPE or ECONNRESET).
func Writev(raw syscall.RawConn, bufs ...[]byte) (n int, err error) {
	raw.Write(func(fd uintptr) bool {
		var werr error
		if len(bufs) == 1 {
			n, werr = syscall.Write(int(fd), bufs[0])
		} else {
			n, werr = unix.Writev(int(fd), bufs)
		}
		switch werr {
		case nil:
		case syscall.EAGAIN, syscall.EINTR:
			n = 0
		default:
			n, err = 0, werr
		}
		return true // never wait for writability
	})
	return n, err
}
