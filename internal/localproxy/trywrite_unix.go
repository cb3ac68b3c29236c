//go:build unix

package localproxy

import "syscall"

// tryWrite makes one non-blocking write of b to the socket and returns how
// many bytes it took (0 if the socket is full or failed: the buffered path
// then waits or reports the error).
func tryWrite(raw syscall.RawConn, b []byte) int {
	n := 0
	raw.Write(func(fd uintptr) bool {
		n, _ = syscall.Write(int(fd), b)
		return true // never wait for writability
	})
	return max(n, 0)
}
