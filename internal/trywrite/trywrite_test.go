package trywrite

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

func TestWriterOnlyForSockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if NewWriter(a) != nil {
		t.Fatal("NewWriter(net.Pipe) is not nil")
	}
	c, _ := looptest.TCPPair(t)
	if NewWriter(c) == nil {
		t.Fatal("NewWriter(TCP) is nil")
	}
}

func TestWriteDeliversInOrder(t *testing.T) {
	c, s := looptest.TCPPair(t)
	w := NewWriter(c)
	n, err := w.Write([]byte("head:"), []byte("body:tail"))
	if err != nil || n != 14 {
		t.Fatalf("Write = %d, %v; want 14, nil", n, err)
	}
	if n, err := w.Write([]byte("!"), nil); err != nil || n != 1 {
		t.Fatalf("single-buffer Write = %d, %v", n, err)
	}
	if n, err := w.Write(nil, nil); err != nil || n != 0 {
		t.Fatalf("empty Write = %d, %v", n, err)
	}
	got := make([]byte, 15)
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "head:body:tail!" {
		t.Fatalf("read %q", got)
	}
}

// A full socket takes nothing and returns at once, without an error.
func TestWriteBuffersWritesAtMostMaxBuffers(t *testing.T) {
	c, s := looptest.TCPPair(t)
	w := NewWriter(c)
	var bufs [][]byte
	want := ""
	for i := range MaxBuffers + 2 {
		b := []byte{byte('a' + i)}
		if i == 1 {
			b = nil // empty slices take no vector
		}
		bufs = append(bufs, b)
		if i < MaxBuffers+1 {
			want += string(b)
		}
	}
	n, err := w.WriteBuffers(bufs)
	if err != nil || n != len(want) {
		t.Fatalf("WriteBuffers = %d, %v; want %d, nil", n, err, len(want))
	}
	got := make([]byte, len(want))
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("read %q, want %q", got, want)
	}
}

func TestWriteNeverBlocks(t *testing.T) {
	c, s := looptest.TCPPair(t)
	c.SetWriteBuffer(16 << 10)
	s.SetReadBuffer(16 << 10)
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	w := NewWriter(c)
	total := 0
	for i := 0; ; i++ {
		if i == 10000 {
			t.Fatalf("socket never filled after %d bytes", total)
		}
		start := time.Now()
		n, err := w.Write(chunk, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Write blocked for %v", d)
		}
		total += n
		if n == 0 {
			break
		}
	}
	// Everything taken arrives intact.
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(io.LimitReader(s, int64(total)))
	if err != nil || len(got) != total || bytes.Count(got, []byte{'x'}) != total {
		t.Fatalf("read %d of %d bytes, err %v", len(got), total, err)
	}
}

// An expired write deadline is not an error: nothing is written and the
// caller's buffered path, which sets its own deadline, takes over.
func TestWriteExpiredDeadline(t *testing.T) {
	c, _ := looptest.TCPPair(t)
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if n, err := NewWriter(c).Write([]byte("x"), nil); n != 0 || err != nil {
		t.Fatalf("Write after deadline = %d, %v; want 0, nil", n, err)
	}
}

// A reset connection reports the socket error.
func TestWriteReportsSocketError(t *testing.T) {
	c, s := looptest.TCPPair(t)
	s.SetLinger(0)
	s.Close() // RST
	var err error
	w := NewWriter(c)
	for i := 0; i < 100 && err == nil; i++ {
		_, err = w.Write([]byte("after reset"), nil)
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Write to a reset connection: %v; want ECONNRESET or EPIPE", err)
	}
}

// The relay calls Write for every message it forwards: it must not
// allocate.
func TestWriteDoesNotAllocate(t *testing.T) {
	c, s := looptest.TCPPair(t)
	w := NewWriter(c)
	hdr, body := []byte{0x82, 64}, make([]byte, 64)
	drain := make(chan struct{})
	go func() { io.Copy(io.Discard, s); close(drain) }()
	if allocs := testing.AllocsPerRun(1000, func() { w.Write(hdr, body) }); allocs != 0 {
		t.Fatalf("Write allocates %.1f objects per call", allocs)
	}
	c.Close()
	<-drain
}
