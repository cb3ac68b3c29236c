package server_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/adit-project/adit/internal/looptest"
)

// In-memory listeners, for tests in a testing/synctest bubble: time there
// is virtual, so the server's timeouts fire exactly when due and the test
// does not wait for them, but the bubble cannot use real sockets. A
// server started with startSplitPipes listens on PipeListeners registered
// under made-up host:port addresses, and the helpers of these tests dial
// through dialAny, which reaches those in memory and anything else over
// TCP.

// pipes maps a made-up address to its *looptest.PipeListener.
var pipes sync.Map

var pipeSeq atomic.Int64

// newPipeListener registers an in-memory listener under a new address
// until the test ends.
func newPipeListener(t *testing.T, name string) *looptest.PipeListener {
	addr := fmt.Sprintf("%s%d.pipe:80", name, pipeSeq.Add(1))
	l := looptest.NewPipeListener(addr)
	pipes.Store(addr, l)
	t.Cleanup(func() { pipes.Delete(addr); l.Close() })
	return l
}

// dialAny connects to addr: in memory for a PipeListener's address, over
// TCP otherwise.
func dialAny(ctx context.Context, _, addr string) (net.Conn, error) {
	if l, ok := pipes.Load(addr); ok {
		return l.(*looptest.PipeListener).Dial()
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
