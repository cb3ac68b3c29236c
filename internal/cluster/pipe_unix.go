//go:build unix

package cluster

import (
	"errors"
	"net"
	"syscall"
)

// readableWaiter returns a function that blocks until c has data to read
// (or its end, or an error), without reading it, or nil when c is not a
// plain TCP connection (a TLS connection may hold decrypted bytes the
// socket no longer shows).
func readableWaiter(c net.Conn) func() error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var one [1]byte
	ready := func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return !errors.Is(err, syscall.EAGAIN)
	}
	return func() error { return rc.Read(ready) }
}
