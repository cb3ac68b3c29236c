package relay

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

func seqData(seq uint64) wire.Message {
	p := bytes.Repeat([]byte{byte(seq)}, wire.MaxPayload)
	binary.BigEndian.PutUint64(p, seq)
	return wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: p}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBackpressure: a destination that stops reading blocks its source
// (backpressure through the relay) without growing the relay's memory,
// nothing is lost or reordered, and other tunnels keep flowing. It runs in
// a synctest bubble over pipes, so "the source is blocked" is exact: every
// goroutine of the bubble waits (synctest.Wait), no watching for the
// absence of progress.
func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, Config{})
		_, src, dst := e.pair("SSH")
		src.send(startSSH(1, 1))
		dst.expectMsg(startSSH(1, 1))
		base := heapInUse()

		const maxMsgs = 4000 // 250 MiB: far more than the relay may hold
		var written atomic.Int64
		stop := make(chan struct{})
		sent := make(chan uint64, 1)
		src.conn.SetWriteDeadline(time.Now().Add(time.Minute))
		go func() {
			var n uint64
			defer func() { sent <- n }()
			for ; n < maxMsgs; n++ {
				select {
				case <-stop:
					return
				default:
				}
				f := clientFrame(true, opBinary, frames(seqData(n)))
				if _, err := src.conn.Write(f); err != nil {
					return
				}
				written.Add(int64(len(f)))
			}
		}()

		synctest.Wait()
		last := written.Load()
		select {
		case n := <-sent:
			t.Fatalf("source never blocked (wrote %d messages, %d bytes)", n, last)
		default:
		}
		if grown := int64(heapInUse()) - int64(base); grown > 4<<20 {
			t.Errorf("relay heap grew by %d bytes while the source wrote %d", grown, last)
		}
		t.Logf("source blocked after %d KiB", last>>10)

		// Another tunnel flows meanwhile.
		_, src2, dst2 := e.pair("SSH")
		src2.send(startSSH(1, 1))
		dst2.expectMsg(startSSH(1, 1))
		for i := range uint64(50) {
			src2.send(seqData(i))
			dst2.expectMsg(seqData(i))
		}

		// Resume: everything arrives, in order.
		close(stop)
		var n uint64 = 1 << 63
		for got := uint64(0); got < n && got <= maxMsgs; got++ {
			select {
			case n = <-sent:
			default:
			}
			if got == n {
				break
			}
			m := dst.recv()
			if s := binary.BigEndian.Uint64(m.Payload); s != got || len(m.Payload) != wire.MaxPayload {
				t.Fatalf("message %d has sequence %d", got, s)
			}
		}
	})
}

// TestBandwidthLimit runs in a synctest bubble over pipes: the relay's
// token bucket then waits in virtual time, so the transfer takes exactly
// as long as the limit implies for the bytes the source sent beyond the
// burst, and the test does not wait for it.
func TestBandwidthLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 400_000
		const burst = limit / 4 // the relay's burst is a quarter second's worth
		e := newPipeEnv(t, Config{BandwidthLimit: limit})
		_, src, dst := e.pair("SSH")
		start := time.Now()
		src.send(startSSH(1, 1))
		dst.expectMsg(startSSH(1, 1))
		sent := len(msgFrame(startSSH(1, 1)))
		const n = 10 // 645 KB
		for i := range uint64(n) {
			sent += len(msgFrame(seqData(i)))
		}
		go func() {
			for i := range uint64(n) {
				if _, err := src.conn.Write(msgFrame(seqData(i))); err != nil {
					return // the reads below fail the test
				}
			}
		}()
		for i := range uint64(n) {
			dst.expectMsg(seqData(i))
		}
		want := time.Duration(float64(sent-burst) / limit * float64(time.Second))
		if d := time.Since(start); d < want-time.Millisecond || d > want+time.Millisecond {
			t.Errorf("%d bytes through a tunnel limited to %d bytes/s (burst %d) took %v, want %v", sent, limit, burst, d, want)
		}
	})
}

// TestReplaceBlockedSource: a source blocked on a full queue is replaced
// at once; the replacement does not wait for the stalled destination. In
// a synctest bubble over pipes, like TestBackpressure.
func TestReplaceBlockedSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, Config{})
		_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})
		dst := e.mustDial("destination", dt, dialOpts{})
		dst.expectServiceIDs("SSH")
		src := e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
		src.expectServiceIDs("SSH")
		src.send(startSSH(1, 1))
		dst.expectMsg(startSSH(1, 1))

		// Flood until the relay's queue to the destination is full and the
		// source's reader waits on it (the destination reads nothing).
		frame := clientFrame(true, opBinary, frames(seqData(0)))
		src.conn.SetWriteDeadline(time.Now().Add(time.Minute))
		flooded := make(chan int, 1)
		go func() {
			n := 0
			defer func() { flooded <- n }()
			for ; n < 4000; n++ {
				if _, err := src.conn.Write(frame); err != nil {
					return // closed by the replacement
				}
			}
		}()
		synctest.Wait()
		select {
		case n := <-flooded:
			t.Fatalf("source never blocked (%d messages written)", n)
		default:
		}
		start := time.Now()
		src2 := e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
		src2.expectServiceIDs("SSH")
		if d := time.Since(start); d != 0 {
			t.Errorf("the replacement waited %v for the blocked source", d)
		}
		src.conn.Close()
		// The destination drains the old data, then gets the reset (D2).
		for range 4001 {
			if m := dst.recv(); m.Type == wire.TypeStreamReset {
				return
			}
		}
		t.Fatal("no STREAM_RESET")
	})
}

func TestRelayOverTLS(t *testing.T) {
	e := newEnvTLS(t, Config{}, true)
	_, src, dst := e.pair("SSH")
	for _, m := range []wire.Message{startSSH(1, 1), seqData(1), seqData(2)} {
		src.send(m)
		dst.expectMsg(m)
	}
	src.writeFrame(true, opPing, []byte("tls"))
	if op, p, err := src.readFrame(); err != nil || op != opPong || string(p) != "tls" {
		t.Fatalf("got %#x %q %v, want pong", op, p, err)
	}
	dst.closeNormally()
	src.expectMsg(resetMsg(1, "SSH"))
}
