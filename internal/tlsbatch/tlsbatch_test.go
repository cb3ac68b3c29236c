package tlsbatch

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

// countingConn counts the write calls that reach the socket.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// tlsPair returns a TLS client over a Conn over a counting loopback TCP
// connection (wrap false: directly over the counting connection), and the
// server end.
func tlsPair(t *testing.T, wrap bool) (*tls.Conn, *countingConn, *tls.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cert, _ := looptest.TLSCert(t)
	srvc := make(chan *tls.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvc <- nil
			return
		}
		sc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		sc.Handshake()
		srvc <- sc
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: raw}
	var under net.Conn = cc
	if wrap {
		under = New(cc)
	}
	tc := tls.Client(under, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	sc := <-srvc
	if sc == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { tc.Close(); sc.Close() })
	return tc, cc, sc
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

func readAll(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWriteGathersRecords(t *testing.T) {
	data := pattern(64<<10, 1)

	// Without a Conn under it, crypto/tls writes each 16 KiB record alone.
	tc, cc, sc := tlsPair(t, false)
	go Write(tc, data)
	if got := readAll(t, sc, len(data)); !bytes.Equal(got, data) {
		t.Fatal("data differs (plain tls.Conn)")
	}
	if n := cc.writes.Load(); n < 4 {
		t.Fatalf("uncorked: %d write calls for 64 KiB; the test expects crypto/tls to write per record", n)
	}

	// With one, the four records go out in one call.
	tc, cc, sc = tlsPair(t, true)
	before := cc.writes.Load()
	go func() {
		if _, err := Write(tc, data); err != nil {
			t.Error(err)
		}
	}()
	if got := readAll(t, sc, len(data)); !bytes.Equal(got, data) {
		t.Fatal("data differs (corked)")
	}
	if n := cc.writes.Load() - before; n != 1 {
		t.Fatalf("corked: %d write calls for 64 KiB, want 1", n)
	}
	// Between writes the connection holds no buffer (idle tunnels stay small).
	under := tc.NetConn().(*Conn)
	under.mu.Lock()
	held := under.buf
	under.mu.Unlock()
	if held != nil {
		t.Fatalf("an uncorked Conn still holds a %d-byte buffer", cap(*held))
	}
}

func TestWriteBuffersInOrderAndBounded(t *testing.T) {
	tc, cc, sc := tlsPair(t, true)
	var bufs net.Buffers
	var want []byte
	for i := range 40 { // 40 × 20,000 bytes: more than three times maxBuffered
		b := pattern(20000, byte(i))
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	before := cc.writes.Load()
	errc := make(chan error, 1)
	go func() { errc <- WriteBuffers(tc, &bufs) }()
	if got := readAll(t, sc, len(want)); !bytes.Equal(got, want) {
		t.Fatal("data differs")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if len(bufs) != 0 {
		t.Fatalf("%d buffers left unconsumed", len(bufs))
	}
	// 800,000 bytes of data in records: at most one call per maxBuffered.
	if n := cc.writes.Load() - before; n < 2 || n > int64(len(want)/maxBuffered+2) {
		t.Fatalf("%d write calls for %d bytes", n, len(want))
	}
	// A small write after a corked one is written at once.
	go Write(tc, []byte("tail"))
	if got := readAll(t, sc, 4); string(got) != "tail" {
		t.Fatalf("read %q", got)
	}
}

func TestWriteReportsErrors(t *testing.T) {
	tc, cc, _ := tlsPair(t, true)
	cc.Conn.Close()
	if _, err := Write(tc, pattern(64<<10, 0)); err == nil {
		t.Fatal("Write on a closed connection succeeded")
	}
}

func TestPlainConnPassesThrough(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go Write(a, []byte("plain"))
	got := make([]byte, 5)
	if _, err := io.ReadFull(b, got); err != nil || string(got) != "plain" {
		t.Fatalf("read %q, %v", got, err)
	}
}
