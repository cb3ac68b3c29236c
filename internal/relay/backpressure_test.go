package relay

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

func seqData(seq uint64) wire.Message {
	p := bytes.Repeat([]byte{byte(seq)}, wire.MaxPayload)
	binary.BigEndian.PutUint64(p, seq)
	return wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: p}
}

// waitStalled waits until counter stops changing for half a second and
// returns its value; ok is false if it never did (20 s).
func waitStalled(counter func() int64) (v int64, ok bool) {
	last, still := int64(-1), 0
	for i := 0; i < 400 && still < 10; i++ {
		time.Sleep(50 * time.Millisecond) // watching for the absence of progress
		if v = counter(); v == last {
			still++
		} else {
			last, still = v, 0
		}
	}
	return v, still >= 10
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBackpressure: a destination that stops reading blocks its source
// (TCP backpressure through the relay) without growing the relay's
// memory, nothing is lost or reordered, and other tunnels keep flowing.
func TestBackpressure(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair("SSH")
	src.send(startSSH(1, 1))
	dst.expectMsg(startSSH(1, 1))
	base := heapInUse()

	const maxMsgs = 4000 // 250 MiB: far more than loopback buffers hold
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

	last, ok := waitStalled(written.Load)
	if !ok || last >= maxMsgs*wire.MaxPayload {
		t.Fatalf("source never blocked (wrote %d bytes)", last)
	}
	if grown := int64(heapInUse()) - int64(base); grown > 4<<20 {
		t.Errorf("relay heap grew by %d bytes while the source wrote %d", grown, last)
	}
	t.Logf("source blocked after %d MiB", last>>20)

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
}

func TestBandwidthLimit(t *testing.T) {
	const limit = 400_000
	e := newEnv(t, Config{BandwidthLimit: limit})
	_, src, dst := e.pair("SSH")
	src.send(startSSH(1, 1))
	dst.expectMsg(startSSH(1, 1))
	start := time.Now()
	const n = 10 // 645 KB; the burst is limit/4
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
	min := time.Duration(float64(n*wire.MaxPayload-limit/4) / limit * float64(time.Second))
	if d := time.Since(start); d < min*9/10 {
		t.Errorf("%d bytes took %v, want at least %v", n*wire.MaxPayload, d, min)
	}
}

// TestReplaceBlockedSource: a source blocked on a full queue is replaced
// at once; the replacement does not wait for the stalled destination.
func TestReplaceBlockedSource(t *testing.T) {
	e := newEnv(t, Config{})
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
	go func() {
		for range 4000 {
			if _, err := src.conn.Write(frame); err != nil {
				return // closed by the replacement
			}
		}
	}()
	relayed := func() int64 { return int64(e.srv.met.relayedMsgs[0].Load()) }
	if _, ok := waitStalled(relayed); !ok {
		t.Fatal("source never blocked")
	}
	src2 := e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
	src2.expectServiceIDs("SSH")
	src.conn.Close()
	// The destination drains the old data, then gets the reset (D2).
	for range 4001 {
		if m := dst.recv(); m.Type == wire.TypeStreamReset {
			return
		}
	}
	t.Fatal("no STREAM_RESET")
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
