package looptest

import (
	"io"
	"net"
	"testing"
	"time"
)

// Forward listens on 127.0.0.1 port 0 and forwards every connection to
// the address target returns at that moment, on network ("tcp" or
// "unix"). While target returns "" or cannot be dialed, connections are
// closed at once, as a service that is down would end them. A test so
// keeps one address for a daemon that it stops and starts again (a
// restarted daemon could not be sure to get its old port back), or for
// a daemon that cannot listen on port 0 and report the port (mosquitto
// listens on a Unix socket behind it). When one side of a forwarded
// connection ends, so does the other; everything ends with the test.
func Forward(t testing.TB, network string, target func() string) net.Listener {
	t.Helper()
	return Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		addr := target()
		if addr == "" {
			return
		}
		up, err := net.DialTimeout(network, addr, 10*time.Second)
		if err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.Copy(up, c)
			up.Close()
		}()
		io.Copy(c, up)
		c.Close()
		<-done
	})
}
