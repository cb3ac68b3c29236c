package localproxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/wire"
)

func TestDataFrameMatchesCodec(t *testing.T) {
	for _, tc := range []struct {
		n      int
		stream int32
		svc    string
		conn   uint32
	}{
		{1, 1, "", 0},
		{100, 7, "SSH", 3},
		{wire.MaxPayload, 2147483647, string(bytes.Repeat([]byte("s"), 128)), 4294967295},
		{300, -1, "x", 1},
	} {
		bp := dataPool.Get().(*[]byte)
		payload := (*bp)[payloadOff : payloadOff+tc.n]
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		m := wire.Message{Type: wire.TypeData, StreamID: tc.stream, Payload: bytes.Clone(payload), ServiceID: tc.svc, ConnectionID: tc.conn}
		want, err := wire.AppendFrame(nil, &m)
		if err != nil {
			t.Fatal(err)
		}
		f := dataFrame(bp, tc.n, tc.stream, tc.svc, tc.conn)
		if got := f.buf[f.off:f.end]; !bytes.Equal(got, want) {
			t.Errorf("dataFrame(%d, %d, %q, %d) differs from wire.AppendFrame", tc.n, tc.stream, tc.svc, tc.conn)
		}
		if f.off < wsHeadroom {
			t.Errorf("headroom %d < %d", f.off, wsHeadroom)
		}
		dataPool.Put(bp)
	}
}

func TestMaskFrame(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 125, 126, 1000, 65535, 65536} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i)
		}
		buf := make([]byte, wsHeadroom+n)
		copy(buf[wsHeadroom:], payload)
		f := frame{buf: buf, off: wsHeadroom, end: len(buf)}
		const key = 0x04030201
		out := maskFrame(&f, key)
		// Parse the header back (RFC 6455 §5.2).
		if out[0] != 0x82 || out[1]&0x80 == 0 {
			t.Fatalf("n=%d: header %x", n, out[:2])
		}
		l, hdr := int(out[1]&0x7f), 2
		switch l {
		case 126:
			l, hdr = int(binary.BigEndian.Uint16(out[2:])), 4
		case 127:
			l, hdr = int(binary.BigEndian.Uint64(out[2:])), 10
		}
		mask := out[hdr : hdr+4]
		body := out[hdr+4:]
		if l != n || len(body) != n || !bytes.Equal(mask, []byte{1, 2, 3, 4}) {
			t.Fatalf("n=%d: length %d, body %d, mask %x", n, l, len(body), mask)
		}
		for i := range body {
			if body[i]^mask[i%4] != payload[i] {
				t.Fatalf("n=%d: byte %d unmasks to %d, want %d", n, i, body[i]^mask[i%4], payload[i])
			}
		}
	}
}

func TestSchedRoundRobin(t *testing.T) {
	s := newSched()
	a, b, c := newOutq(), newOutq(), newOutq()
	mk := func(tag byte) frame { return frame{buf: []byte{tag}, off: 0, end: 1} }
	for range 5 {
		s.push(a, mk('a'))
	}
	s.push(b, mk('b'))
	s.push(c, mk('c'))
	s.push(b, mk('b'))
	var got []byte
	for {
		fs := s.pop(nil, 2, 1<<20)
		if len(fs) == 0 {
			break
		}
		for _, f := range fs {
			got = append(got, f.buf[0])
		}
	}
	if string(got) != "abcabaaa" {
		t.Errorf("order %q, want %q (one frame per queue per round)", got, "abcabaaa")
	}
	s.push(a, mk('x'))
	s.drop(a)
	if fs := s.pop(nil, 10, 1<<20); len(fs) != 0 {
		t.Errorf("dropped frames popped: %d", len(fs))
	}
	s.close()
	if s.push(a, mk('y')) {
		t.Error("push after close succeeded")
	}
}

func TestSchedReleasesCredit(t *testing.T) {
	s := newSched()
	q := newOutq()
	q.credit <- struct{}{}
	bp := dataPool.Get().(*[]byte)
	f := dataFrame(bp, 1, 1, "", 0)
	f.credit = true
	s.push(q, f)
	fs := s.pop(nil, 1, 1)
	fs[0].free()
	select {
	case q.credit <- struct{}{}:
	default:
		t.Fatal("credit not released by free")
	}
}

func TestInbox(t *testing.T) {
	ctx := context.Background()
	in := newInbox(newBudget())
	big := make([]byte, inboxMax-10)
	if err := in.put(ctx, big, time.Second); err != nil {
		t.Fatal(err)
	}
	// No room: put waits and gives up.
	start := time.Now()
	if err := in.put(ctx, make([]byte, 100), 50*time.Millisecond); !errors.Is(err, errStalled) {
		t.Fatalf("put into a full inbox = %v, want errStalled", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Error("put gave up before its timeout")
	}
	// The consumer frees room while the producer waits.
	done := make(chan error, 1)
	go func() { done <- in.put(ctx, make([]byte, 100), 5*time.Second) }()
	bp, st := in.take(nil)
	if chunkLen(bp) != len(big) || st != inboxOpen {
		t.Fatalf("take = %d bytes, state %d", chunkLen(bp), st)
	}
	if n := in.direct([]byte{1}, func(b []byte) int { return len(b) }); n != 0 {
		t.Error("direct write while the consumer is writing")
	}
	in.written()
	release(bp)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := in.direct([]byte{1}, func(b []byte) int { return len(b) }); n != 0 {
		t.Error("direct write while bytes are buffered (reordering)")
	}
	in.finish()
	if bp, st := in.take(nil); chunkLen(bp) != 100 || st != inboxFinishing {
		t.Fatalf("take after finish = %d bytes, state %d", chunkLen(bp), st)
	}
	in.written()
	if err := in.put(ctx, []byte{1}, time.Second); !errors.Is(err, errInboxClosed) {
		t.Fatalf("put after finish = %v", err)
	}
	in.abort()
	if bp, st := in.take(nil); bp != nil || st != inboxAborted {
		t.Fatalf("take after abort = %v, %d", bp, st)
	}
}

func TestInboxDirect(t *testing.T) {
	in := newInbox(newBudget())
	var got []byte
	write := func(b []byte) int { n := min(len(b), 3); got = append(got, b[:n]...); return n }
	if n := in.direct([]byte("hello"), write); n != 3 || string(got) != "hel" {
		t.Fatalf("direct = %d, wrote %q", n, got)
	}
	if err := in.put(context.Background(), []byte("lo"), time.Second); err != nil {
		t.Fatal(err)
	}
	if n := in.direct([]byte("!"), write); n != 0 {
		t.Fatal("direct write jumped the buffered bytes")
	}
	bp, _ := in.take(nil)
	if len(bp) != 1 || string(*bp[0]) != "lo" {
		t.Fatalf("buffered %d chunks", len(bp))
	}
}

func TestBackoff(t *testing.T) {
	base, maxD := 500*time.Millisecond, 30*time.Second
	for n := range 20 {
		d := backoff(base, maxD, n)
		hi := min(base<<n, maxD)
		if n > 10 {
			hi = maxD
		}
		if d < hi/2 || d > hi {
			t.Errorf("backoff(%d) = %v, want in [%v, %v]", n, d, hi/2, hi)
		}
	}
}

func TestInboxSessionBudget(t *testing.T) {
	ctx := context.Background()
	bud := newBudget()
	// Fill the session with stalled connections, each at its own limit.
	var stalled []*inbox
	for range sessionInbound / inboxMax {
		in := newInbox(bud)
		if err := in.put(ctx, make([]byte, inboxMax), time.Second); err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, in)
	}
	// A connection that has caught up still gets its message...
	in := newInbox(bud)
	if err := in.put(ctx, make([]byte, 100), time.Second); err != nil {
		t.Fatal(err)
	}
	// ...but one with bytes pending waits for room in the session.
	if err := in.put(ctx, make([]byte, 100), 20*time.Millisecond); !errors.Is(err, errStalled) {
		t.Fatalf("put over the session budget = %v, want errStalled", err)
	}
	// Another connection draining (or ending) makes room.
	done := make(chan error, 1)
	go func() { done <- in.put(ctx, make([]byte, 100), 5*time.Second) }()
	bp, _ := stalled[0].take(nil)
	stalled[0].written()
	release(bp)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, s := range stalled[1:] {
		s.abort()
	}
	in.abort()
	if n := bud.used.Load(); n != 0 {
		t.Fatalf("budget holds %d bytes after every inbox drained or aborted", n)
	}
}

func chunkLen(chunks []*[]byte) int {
	n := 0
	for _, c := range chunks {
		n += len(*c)
		if cap(*c) != inboxSize || len(*c) > inboxSize {
			panic("inbox chunk of the wrong size")
		}
	}
	return n
}
