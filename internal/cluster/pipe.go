package cluster

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"

	"github.com/adit-project/adit/internal/linkmux"
)

// A forwarded peer is mostly idle: a buffer held per direction while
// waiting for data would cost the forwarding node far more than its socket
// does. The client → owner direction therefore waits for data without a
// buffer and borrows one from pool only to move what arrived; the owner →
// client direction writes the link stream's own received chunks.

// pipeBuffer is the size of the buffers borrowed to move data: what one
// read from the client may fill, a few full DATA frames that go to the
// link in one write.
const pipeBuffer = 256 << 10

var pool = sync.Pool{New: func() any { b := make([]byte, pipeBuffer); return &b }}

// pipe copies client → owner and owner → client (each starting with what
// its reader already buffered) until either direction ends or ctx ends,
// then closes both connections.
func (n *Node) pipe(ctx context.Context, client net.Conn, cbr *bufio.Reader, up *linkmux.Stream, ubr *bufio.Reader) {
	n.forwarding.Add(1)
	defer n.forwarding.Add(-1)
	var once sync.Once
	closeBoth := func() { once.Do(func() { client.Close(); up.Close() }) }
	stop := context.AfterFunc(ctx, closeBoth)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() {
		if writeBuffered(up, cbr) {
			copyFromSocket(up, client)
		}
		closeBoth()
	})
	if writeBuffered(client, ubr) {
		up.WriteTo(client) // holds no buffer while it waits
	}
	closeBoth()
	wg.Wait()
}

// writeBuffered writes br's buffered bytes to dst; false when that failed.
func writeBuffered(dst io.Writer, br *bufio.Reader) bool {
	k := br.Buffered()
	if k == 0 {
		return true
	}
	b, _ := br.Peek(k)
	_, err := dst.Write(b)
	return err == nil
}

// copyFromSocket copies src to dst until either fails. It waits for src
// to be readable before it borrows a buffer, except right after a read
// that filled one (more is likely waiting).
func copyFromSocket(dst io.Writer, src net.Conn) {
	wait := readableWaiter(src)
	full := false
	for {
		if wait != nil && !full && wait() != nil {
			return
		}
		var ok bool
		if full, ok = moveOnce(dst, src); !ok {
			return
		}
	}
}

// moveOnce reads once from src into a borrowed buffer and writes what it
// read to dst. full: the read filled the buffer; ok: neither failed.
func moveOnce(dst io.Writer, src io.Reader) (full, ok bool) {
	bp := pool.Get().(*[]byte)
	defer pool.Put(bp)
	k, err := src.Read(*bp)
	if k > 0 {
		if _, werr := dst.Write((*bp)[:k]); werr != nil {
			return false, false
		}
	}
	return k == len(*bp), err == nil
}
