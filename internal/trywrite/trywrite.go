// Package trywrite makes one non-blocking write to a socket from the
// calling goroutine. The relay and the local proxy use it to hand a
// message straight to the kernel when the socket has room, instead of
// waking a writer goroutine: on a small machine each such handoff is a
// thread wake-up, which is most of the latency of a small message.
package trywrite

import (
	"net"
	"syscall"
)

// The direct path exists on Linux; elsewhere NewWriter returns nil and
// callers always take their buffered path.

// rawConn returns c's RawConn if c is a plain socket (TCP or Unix domain),
// or nil (TLS and other wrappers must take their buffered path).
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// MaxBuffers is how many slices one WriteBuffers call writes at most.
const MaxBuffers = 8
