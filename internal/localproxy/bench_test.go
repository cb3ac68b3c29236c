package localproxy_test

import (
	"io"
	"log/slog"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// benchPair starts a quiet proxy pair in front of target and returns the
// source's address. The relay is the test's fake one (gorilla, one copy
// per message), so the figures are indicative only; the real benchmarks
// run through tunneld.
func benchPair(b *testing.B, target string) string {
	r := newFakeRelay(b, "S")
	quiet := slog.New(slog.DiscardHandler)
	dst := config(r, tunnel.ModeDestination, svc("S", target))
	dst.Logger = quiet
	src := config(r, tunnel.ModeSource, svc("S", "0"))
	src.Logger = quiet
	_, _, addrs := startPair(b, r, dst, src)
	return addrs[0]
}

func benchServer(b *testing.B, handle func(net.Conn)) string {
	return tcpServer(b, "tcp", "127.0.0.1:0", handle).Addr().String()
}

func BenchmarkThroughput(b *testing.B) {
	sink := benchServer(b, func(c net.Conn) { io.Copy(io.Discard, c) })
	addr := benchPair(b, sink)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTrip64(b *testing.B) {
	echo := benchServer(b, func(c net.Conn) { io.Copy(c, c) })
	addr := benchPair(b, echo)
	benchRoundTrip64(b, addr)
}

func BenchmarkConnections(b *testing.B) {
	echo := benchServer(b, func(c net.Conn) { io.Copy(c, c) })
	addr := benchPair(b, echo)
	buf := make([]byte, 1)
	for b.Loop() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c.Write(buf)
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

func BenchmarkDirectLoopback(b *testing.B) {
	sink := benchServer(b, func(c net.Conn) { io.Copy(io.Discard, c) })
	c, err := net.Dial("tcp", sink)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRoundTrip64 times 64-byte request/response round trips on one
// connection to addr and reports p50 and p99.
func benchRoundTrip64(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		c.Write(buf)
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
