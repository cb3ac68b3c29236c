package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCloseAfterWrite: a connection closed right after writing still
// delivers every byte before the close, in both directions: a service
// that answers and closes (like an HTTP/1.0 server), and a client that
// uploads and closes (like `nc -q0`).
func TestCloseAfterWrite(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	// Service A: reads an 8-byte size, writes that many random bytes
	// followed by nothing, and closes; the client checks the bytes against
	// a SHA-256 the service sent first.
	writer := tcpServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(time.Minute))
		var n uint64
		if binary.Read(c, binary.BigEndian, &n) != nil {
			return
		}
		data, _ := io.ReadAll(io.LimitReader(newRand(), int64(n)))
		sum := sha256.Sum256(data)
		c.Write(sum[:])
		c.Write(data)
	}).Addr().String()
	// Service B: reads until EOF and reports what it got on uploads.
	type upload struct {
		n   int64
		sum [sha256.Size]byte
	}
	uploads := make(chan upload, 256)
	var accepted, open atomic.Int32
	reader := tcpServer(t, func(c net.Conn) {
		accepted.Add(1)
		open.Add(1)
		defer open.Add(-1)
		c.SetDeadline(time.Now().Add(time.Minute))
		h := sha256.New()
		n, _ := io.Copy(h, c)
		var u upload
		u.n = n
		copy(u.sum[:], h.Sum(nil))
		select {
		case uploads <- u:
		default:
		}
	}).Addr().String()

	_, _, _, addrs := pair(t, in, []string{"DOWN", "UP"}, "DOWN="+writer+",UP="+reader, osPorts()...)
	for _, size := range []int{0, 1, 1000, 64 << 10, 4 << 20} {
		t.Run(fmt.Sprintf("service_closes_after_%d_bytes", size), func(t *testing.T) {
			c, err := net.DialTimeout("tcp", addrs["DOWN"], 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			binary.Write(c, binary.BigEndian, uint64(size))
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("read after %d bytes: %v", len(got), err)
			}
			if len(got) != sha256.Size+size {
				t.Fatalf("got %d bytes before the close, want %d", len(got), sha256.Size+size)
			}
			if sum := sha256.Sum256(got[sha256.Size:]); !bytes.Equal(sum[:], got[:sha256.Size]) {
				t.Fatal("SHA-256 of the bytes received differs from what the service sent")
			}
		})
	}
	// The destination may still be connecting to the service when the
	// source's DATA and reset arrive: the data must still be delivered.
	// The window is short on loopback, so this runs several rounds.
	t.Run("client_closes_after_writing", func(t *testing.T) {
		sizes := []int{1, 1000, 10000, 64 << 10}
		for round := range 40 {
			size := sizes[round%len(sizes)]
			c, err := net.DialTimeout("tcp", addrs["UP"], 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(io.LimitReader(newRand(), int64(size)))
			if _, err := c.Write(data); err != nil {
				t.Fatal(err)
			}
			c.Close()
			select {
			case u := <-uploads:
				if u.n != int64(size) || u.sum != sha256.Sum256(data) {
					t.Fatalf("round %d: the service got %d bytes (SHA-256 equal: %v) before EOF, want all %d that the client wrote before closing "+
						"(data that reached the destination before the reset is lost while it is still connecting to the service?)",
						round, u.n, u.sum == sha256.Sum256(data), size)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: the client wrote %d bytes and closed; within 10s the service saw no connection carrying them "+
					"(it accepted %d connections in %d rounds, %d still open)", round, size, accepted.Load(), round+1, open.Load())
			}
		}
	})
}

// TestConnectionChurn: many short connections, more at once than the 128
// active connections a service allows (the source holds the rest in its
// listen backlog), many of them abandoned mid-stream with a reset; every
// well-behaved connection gets its echo, and the tunnel works afterwards.
func TestConnectionChurn(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "")
	_, _, dst, addrs := pair(t, in, []string{"ECHO"}, "ECHO="+echo, osPorts()...)
	addr := addrs["ECHO"]

	const total, concurrency = 2000, 200
	start := time.Now()
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for i := range total {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var err error
			switch i % 10 {
			case 0: // connect and close at once
				var c net.Conn
				if c, err = net.DialTimeout("tcp", addr, 30*time.Second); err == nil {
					c.Close()
				}
			case 1, 2, 3: // write, then reset without reading
				var c net.Conn
				if c, err = net.DialTimeout("tcp", addr, 30*time.Second); err == nil {
					c.Write(make([]byte, 10000))
					c.(*net.TCPConn).SetLinger(0)
					c.Close()
				}
			default:
				err = echoRoundTrip(addr, "", int64(100+i*37%5000), 60*time.Second)
			}
			if err != nil {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("connection %d: %v", i, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d connections (%d at once) in %v", total, concurrency, time.Since(start).Round(time.Millisecond))
	if len(failures) > 0 {
		t.Errorf("%d of %d connections failed; first: %s", len(failures), total, failures[0])
		if n := dst.count(regexp.MustCompile(`too many connections; resetting the new one`)); n > 0 {
			t.Errorf("the destination reset %d new connections as \"too many connections\" although the source "+
				"never has more than 128 open: a CONNECTION_START overtook the CONNECTION_RESET of a connection that "+
				"had already ended at the source", n)
		}
	}
	if err := echoRoundTrip(addr, "", 1<<20, 20*time.Second); err != nil {
		t.Fatalf("after the churn: %v", err)
	}
}

// TestInteractiveLatency: 1-byte request/response round trips (like keys
// typed in an SSH session) are not held back by batching.
func TestInteractiveLatency(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "")
	_, _, _, addrs := pair(t, in, []string{"ECHO"}, "ECHO="+echo, osPorts()...)
	c, err := net.DialTimeout("tcp", addrs["ECHO"], 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	const rounds = 300
	var worst time.Duration
	start := time.Now()
	b := make([]byte, 1)
	for i := range rounds {
		t0 := time.Now()
		if _, err := c.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, b); err != nil || b[0] != byte(i) {
			t.Fatalf("round %d: got %v, %v", i, b, err)
		}
		worst = max(worst, time.Since(t0))
	}
	avg := time.Since(start) / rounds
	t.Logf("%d one-byte round trips: average %v, worst %v", rounds, avg, worst)
	if avg > 20*time.Millisecond {
		t.Errorf("average round trip %v through the tunnel, want under 20ms (batching delay?)", avg)
	}
}
