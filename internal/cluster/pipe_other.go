//go:build !unix

package cluster

import "net"

// readableWaiter: without a way to wait for data here, the copy waits in
// its read, holding a buffer.
func readableWaiter(net.Conn) func() error { return nil }
