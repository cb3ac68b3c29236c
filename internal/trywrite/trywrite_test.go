package trywrite

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/testnet"
)

func TestRawOnlyForSockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Raw(a) != nil {
		t.Fatal("Raw(net.Pipe) is not nil")
	}
	c, _ := testnet.TCPPair(t)
	if Raw(c) == nil {
		t.Fatal("Raw(TCP) is nil")
	}
}

func TestWritevDeliversInOrder(t *testing.T) {
	c, s := testnet.TCPPair(t)
	n, err := Writev(Raw(c), []byte("head:"), []byte("body"), []byte(":tail"))
	if err != nil || n != 14 {
		t.Fatalf("Writev = %d, %v; want 14, nil", n, err)
	}
	if n, err := Writev(Raw(c), []byte("!")); err != nil || n != 1 {
		t.Fatalf("single-buffer Writev = %d, %v", n, err)
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
func TestWritevNeverBlocks(t *testing.T) {
	c, s := testnet.TCPPair(t)
	c.SetWriteBuffer(16 << 10)
	s.SetReadBuffer(16 << 10)
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	total := 0
	for i := 0; ; i++ {
		if i == 10000 {
			t.Fatalf("socket never filled after %d bytes", total)
		}
		start := time.Now()
		n, err := Writev(Raw(c), chunk)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Writev blocked for %v", d)
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
func TestWritevExpiredDeadline(t *testing.T) {
	c, _ := testnet.TCPPair(t)
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if n, err := Writev(Raw(c), []byte("x")); n != 0 || err != nil {
		t.Fatalf("Writev after deadline = %d, %v; want 0, nil", n, err)
	}
}

// A reset connection reports the socket error.
func TestWritevReportsSocketError(t *testing.T) {
	c, s := testnet.TCPPair(t)
	s.SetLinger(0)
	s.Close() // RST
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = Writev(Raw(c), []byte("after reset"))
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Writev to a reset connection: %v; want ECONNRESET or EPIPE", err)
	}
}
