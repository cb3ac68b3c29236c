package looptest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"
)

// ServeInetd listens on 127.0.0.1 port 0 and runs the command newCmd
// returns for every connection, with the connection's socket as its
// standard input and output (inetd style): a daemon that has such a mode
// (sshd -i) then needs no port of its own, so no port is picked and
// handed to it. The commands' standard error is kept and logged if the
// test fails; they are killed when the test ends.
func ServeInetd(t testing.TB, name string, newCmd func(context.Context) *exec.Cmd) net.Listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &SyncBuffer{Limit: 1 << 20} // bounded: what follows is dropped
	ln := Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		f, err := c.(*net.TCPConn).File()
		if err != nil {
			fmt.Fprintf(log, "%s: socket of %s: %v\n", name, c.RemoteAddr(), err)
			return
		}
		defer f.Close()
		cmd := newCmd(ctx)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = f, f, log
		cmd.WaitDelay = 5 * time.Second // session children may hold stderr open
		if err := cmd.Run(); err != nil && ctx.Err() == nil {
			fmt.Fprintf(log, "%s for %s: %v\n", name, c.RemoteAddr(), err)
		}
	})
	// Registered after Serve's cleanup, so it runs first: the
	// commands end, then the server waits for its handlers.
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("--- output of %s (inetd mode on %s):\n%s", name, ln.Addr(), log)
		}
	})
	return ln
}
