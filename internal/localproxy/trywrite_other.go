//go:build !unix

package localproxy

import "syscall"

// tryWrite never writes outside Unix: every payload takes the buffered path.
func tryWrite(syscall.RawConn, []byte) int { return 0 }
