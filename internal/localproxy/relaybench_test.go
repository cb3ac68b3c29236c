package localproxy_test

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// realBenchPair starts a quiet proxy pair on the project's relay, without
// the cuttable forwarder, in front of target; it returns the source's
// listen address.
func realBenchPair(b *testing.B, target string) string {
	rr := newRealRelay(b, "S")
	direct := "ws://" + rr.http.Listener.Addr().String()
	quiet := slog.New(slog.DiscardHandler)
	dst := configFor(direct, tunnel.ModeDestination, svc("S", target))
	dst.Logger = quiet
	src := configFor(direct, tunnel.ModeSource, svc("S", "0"))
	src.Logger = quiet
	_, _, addrs := startRealPair(b, rr, dst, src)
	return addrs[0]
}

// BenchmarkRealDownload measures the download direction of
// tunnelbench (server → destination → relay → source → client) with 1
// and 64 parallel connections; the bytes are shared between them.
func BenchmarkRealDownload(b *testing.B) {
	for _, n := range []int{1, 64} {
		b.Run(map[int]string{1: "1", 64: "64"}[n], func(b *testing.B) {
			src := benchServer(b, func(c net.Conn) {
				buf := make([]byte, 256<<10)
				for {
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			})
			addr := realBenchPair(b, src)
			// Every connection reads from the start: a connection nobody
			// reads would stall the session (its inbox fills).
			var got atomic.Int64
			var wg sync.WaitGroup
			defer wg.Wait() // runs last, after the connections close
			for range n {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				wg.Go(func() {
					buf := make([]byte, 256<<10)
					for {
						k, err := c.Read(buf)
						got.Add(int64(k))
						if err != nil {
							return
						}
					}
				})
			}
			const chunk = 64 << 10
			b.SetBytes(chunk)
			for got.Load() < int64(n)*chunk { // all flowing
				time.Sleep(time.Millisecond)
			}
			b.ResetTimer()
			end := got.Load() + int64(b.N)*chunk
			for got.Load() < end {
				time.Sleep(200 * time.Microsecond)
			}
			b.StopTimer()
		})
	}
}

// BenchmarkRealRoundTrip64 is tunnelbench's latency test: 64-byte
// request/response on one connection through the real relay.
func BenchmarkRealRoundTrip64(b *testing.B) {
	echo := benchServer(b, func(c net.Conn) { io.Copy(c, c) })
	addr := realBenchPair(b, echo)
	benchRoundTrip64(b, addr)
}
