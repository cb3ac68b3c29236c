package relay

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"

	"github.com/adit-project/adit/internal/wire"
)

// BenchmarkIdleTunnels measures the memory (Go heap plus goroutine
// stacks, clients included) of idle tunnels: both peers attached, nothing
// flowing. "tcp" uses loopback sockets, as many as the open-file limit
// allows (4 descriptors per tunnel); "pipe" uses in-memory connections so
// that 10,000 tunnels fit. Run it alone: go test -run X -bench IdleTunnels
// -benchtime 1x.
func BenchmarkIdleTunnels(b *testing.B) {
	b.Run("tcp", func(b *testing.B) {
		var lim syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		benchIdle(b, min(10000, int(lim.Cur-512)/4), false)
	})
	b.Run("pipe", func(b *testing.B) { benchIdle(b, 10000, true) })
}

func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

func benchIdle(b *testing.B, tunnels int, pipes bool) {
	auth := newFakeAuth()
	srv, err := New(Config{Auth: auth})
	if err != nil {
		b.Fatal(err)
	}
	var ln net.Listener
	dial := func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
	if pipes {
		pl := looptest.NewPipeListener("pipe")
		ln, dial = pl, pl.Dial
	} else if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer func() {
		srv.Shutdown(context.Background())
		hs.Close()
	}()
	tokens := make([][2]string, tunnels)
	for i := range tokens {
		_, tokens[i][0], tokens[i][1] = auth.open([]string{"SSH"}, time.Time{})
	}
	conns := make([]net.Conn, 0, 2*tunnels)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	before := memInUse()
	b.ResetTimer()
	for _, tk := range tokens {
		for i, mode := range []string{"source", "destination"} {
			c, err := dial()
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			if err := idleHandshake(c, mode, tk[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	after := memInUse()
	b.ReportMetric(float64(after-before)/float64(tunnels), "B/tunnel")
	b.ReportMetric(float64(tunnels), "tunnels")
	b.ReportMetric(float64(connectUnderLoad(b, auth, dial, &conns).Microseconds())/1000, "ms-new-tunnel-max")
	runtime.KeepAlive(conns)
}

// connectUnderLoad connects 20 more tunnels (both peers) while the idle
// ones stay attached and returns the slowest pair's connect time.
func connectUnderLoad(b *testing.B, auth *fakeAuth, dial func() (net.Conn, error), conns *[]net.Conn) time.Duration {
	var worst time.Duration
	for range 20 {
		_, src, dst := auth.open([]string{"SSH"}, time.Time{})
		start := time.Now()
		for i, mode := range []string{"source", "destination"} {
			c, err := dial()
			if err != nil {
				b.Fatal(err)
			}
			*conns = append(*conns, c)
			if err := idleHandshake(c, mode, [2]string{src, dst}[i]); err != nil {
				b.Fatal(err)
			}
		}
		worst = max(worst, time.Since(start))
	}
	return worst
}

// idleHandshake upgrades c and reads the SERVICE_IDS message.
func idleHandshake(c net.Conn, mode, token string) error {
	c.SetDeadline(time.Now().Add(ioTimeout))
	defer c.SetDeadline(time.Time{})
	req := "GET /tunnel?local-proxy-mode=" + mode + " HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: " +
		wire.Subprotocol3 + "\r\naccess-token: " + token + "\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		return err
	}
	br := bufio.NewReaderSize(c, 16)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return &net.AddrError{Err: resp.Status}
	}
	// SERVICE_IDS ["SSH"]: 2-byte header, 2-byte prefix, 7-byte message.
	var f [11]byte
	_, err = io.ReadFull(br, f[:])
	return err
}
