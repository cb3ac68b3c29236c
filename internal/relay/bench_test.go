package relay

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// Relay-only benchmarks: two in-process peers on loopback, the source
// writing pre-masked DATA messages (one per WebSocket message, several per
// write call) and the destination counting bytes. One op is one message;
// SetBytes is its payload.

func BenchmarkRelayThroughput(b *testing.B)    { benchRelay(b, wire.MaxPayload, 4, false) }
func BenchmarkRelayThroughputTLS(b *testing.B) { benchRelay(b, wire.MaxPayload, 4, true) }
func BenchmarkRelaySmallMessages(b *testing.B) { benchRelay(b, 64, 512, false) }

func benchRelay(b *testing.B, payload, perWrite int, useTLS bool) {
	e := newEnvTLS(b, Config{}, useTLS)
	_, src, dst := e.pair("SSH")
	start := startSSH(1, 1)
	src.send(start)
	dst.expectMsg(start)
	src.conn.SetDeadline(time.Time{})
	dst.conn.SetDeadline(time.Time{})

	data := wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: bytes.Repeat([]byte{0x5A}, payload)}
	tf := frames(data)
	one := clientFrame(true, opBinary, tf)
	batch := bytes.Repeat(one, perWrite)
	outLen := int64(len(wsframe.AppendHeader(nil, opBinary, len(tf))) + len(tf))

	want := outLen * int64(b.N)
	done := make(chan error, 1)
	go func() { done <- drainN(dst, want) }()
	b.SetBytes(int64(payload))
	b.ResetTimer()
	start0, cpu0 := time.Now(), cpuTime()
	for n := b.N; n > 0; n -= perWrite {
		w := batch
		if n < perWrite {
			w = batch[:n*len(one)]
		}
		if _, err := src.conn.Write(w); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	el, cpu := time.Since(start0), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(payload)*8*float64(b.N)/el.Seconds()/1e9, "Gbit/s")
}

// cpuTime returns the process's user plus system CPU time, which, unlike
// wall time, other load on the machine barely changes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drainN reads and discards n bytes from c with a big buffer, as a
// minimal destination would.
func drainN(c *client, n int64) error {
	buf := make([]byte, 256<<10)
	k, err := c.br.Read(buf[:c.br.Buffered()])
	for n -= int64(k); n > 0 && err == nil; n -= int64(k) {
		k, err = c.conn.Read(buf[:min(int64(len(buf)), n)])
	}
	return err
}

// BenchmarkLoopbackTCP is the baseline: one TCP connection on loopback
// carrying 63 KiB writes, no relay.
func BenchmarkLoopbackTCP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	w, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r := <-accepted
	defer r.Close()
	buf := make([]byte, wire.MaxPayload)
	done := make(chan error, 1)
	go func() {
		rb := make([]byte, 256<<10)
		var err error
		for n, k := int64(len(buf))*int64(b.N), 0; n > 0 && err == nil; n -= int64(k) {
			k, err = r.Read(rb[:min(int64(len(rb)), n)])
		}
		done <- err
	}()
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range b.N {
		if _, err := w.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(buf))*8*float64(b.N)/el.Seconds()/1e9, "Gbit/s")
}

// Relaying a DATA message over plain TCP allocates nothing in tunneld:
// the frame is validated in the read buffer and written from there.
func TestRelayHotPathDoesNotAllocate(t *testing.T) {
	e := newEnvTLS(t, Config{}, false)
	_, src, dst := e.pair("SSH")
	start := startSSH(1, 1)
	src.send(start)
	dst.expectMsg(start)
	data := wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: bytes.Repeat([]byte{0x5A}, 64)}
	tf := frames(data)
	one := clientFrame(true, opBinary, tf)
	got := make([]byte, len(wsframe.AppendHeader(nil, opBinary, len(tf)))+len(tf))
	relayOne := func() {
		if _, err := src.conn.Write(one); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(dst.conn, got); err != nil {
			t.Fatal(err)
		}
	}
	relayOne()
	if allocs := testing.AllocsPerRun(500, relayOne); allocs != 0 {
		t.Fatalf("relaying one message allocates %.0f objects", allocs)
	}
}

// BenchmarkFrameReader feeds 16 client frames, each one DATA message, to a
// peer's frame reader without a network: the reader's CPU per 16 messages
// (SetBytes is their payload).
func BenchmarkFrameReader(b *testing.B) {
	for _, n := range []int{64, wire.MaxPayload} {
		var stream []byte
		for range 16 {
			f := frames(wire.Message{Type: wire.TypeData, StreamID: 1, Payload: make([]byte, n)})
			stream = append(stream, clientFrameKey(true, opBinary, f, [4]byte{1, 2, 3, 4})...)
		}
		b.Run(map[int]string{64: "64B", wire.MaxPayload: "63KiB"}[n], func(b *testing.B) {
			var small [smallBufSize]byte
			r := newFrameReader(small[:])
			defer r.Release()
			b.SetBytes(16 * int64(n))
			b.ReportAllocs()
			for b.Loop() {
				for rest := stream; len(rest) > 0; {
					k := copy(r.Space(), rest)
					r.Advance(k)
					rest = rest[k:]
					for {
						ev, err := r.next()
						if err != nil {
							b.Fatal(err)
						}
						if ev.Kind == wsframe.NeedMore {
							break
						}
					}
				}
			}
		})
	}
}
