package e2e

import (
	"net"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// TestSlowReaderDoesNotStarveOthers: one local application writes to an
// echo service through the tunnel and never reads. The tunnel fills up
// behind it, yet the other connections of the tunnel complete in bounded
// time (today about 5 s: a proxy whose local application stops reading
// stalls its WebSocket reader for up to its 5 s LocalWriteTimeout; the
// bound here is 20 s), and the stuck connection is reset by a proxy (with a warning)
// rather than buffered without bound.
func TestSlowReaderDoesNotStarveOthers(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "")
	_, src, dst, addrs := pair(t, in, []string{"ECHO"}, "ECHO="+echo, osPorts()...)
	addr := addrs["ECHO"]

	slow, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.SetDeadline(time.Now().Add(90 * time.Second))
	var written atomic.Int64
	slowDone := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for written.Load() < 1<<30 {
			n, err := slow.Write(buf)
			written.Add(int64(n))
			if err != nil {
				slowDone <- err
				return
			}
		}
		slowDone <- nil
	}()

	start := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := echoRoundTrip(addr, "", 1<<20, 20*time.Second); err != nil {
				t.Errorf("connection %d beside the stuck one: %v (after %v)", i, err, time.Since(start).Round(time.Millisecond))
			}
		})
	}
	wg.Wait()
	t.Logf("8 connections beside the stuck one done in %v; stuck one had written %d MiB", time.Since(start).Round(time.Millisecond), written.Load()>>20)

	select {
	case err := <-slowDone:
		if err == nil {
			t.Fatalf("1 GiB written to a connection whose reader never reads: memory is not bounded")
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("stuck connection neither reset nor drained within 90s (%d MiB written)", written.Load()>>20)
		}
		t.Logf("stuck connection ended after %d MiB with %v", written.Load()>>20, err)
	case <-time.After(90 * time.Second):
		t.Fatalf("stuck connection neither reset nor drained within 90s (%d MiB written)", written.Load()>>20)
	}
	// The warning reaches us through a pipe: wait for it.
	reStopped := regexp.MustCompile(`level=WARN msg="resetting connection: local application stopped reading"`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		srcCh, dstCh := src.changedChan(), dst.changedChan()
		if src.count(reStopped)+dst.count(reStopped) > 0 {
			break
		}
		select {
		case <-srcCh:
		case <-dstCh:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("no proxy logged that it reset the connection whose application stopped reading; source:\n%s\ndestination:\n%s", src.output(), dst.output())
		}
	}
	// The tunnel is healthy afterwards.
	if err := echoRoundTrip(addr, "", 1<<20, 30*time.Second); err != nil {
		t.Fatalf("after the stuck connection: %v", err)
	}
}

// TestBandwidthLimit: with a per-tunnel bandwidth limit, traffic is slowed
// (backpressure, not loss): every byte arrives intact, and the transfer
// takes about as long as the limit implies.
func TestBandwidthLimit(t *testing.T) {
	t.Parallel()
	const limit = 2 << 20 // bytes per second for the tunnel
	in := servertest.Start(t, server.Config{TunnelBandwidth: limit})
	svc := checksumServer(t)
	_, _, _, addrs := pair(t, in, []string{"BULK"}, "BULK="+svc, osPorts()...)
	const up, down = 3 << 20, 3 << 20
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := checksumExchange(addrs["BULK"], up/2, down/2, 60*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	// The relay's burst is a quarter of a second's worth.
	if minD := time.Duration(float64(up+down-limit/4) / limit * float64(time.Second) * 0.9); d < minD {
		t.Errorf("%d MiB through a tunnel limited to %d MiB/s took %v, want at least %v", (up+down)>>20, limit>>20, d, minD)
	}
	t.Logf("%d MiB through a tunnel limited to %d MiB/s took %v", (up+down)>>20, limit>>20, d.Round(time.Millisecond))
}
