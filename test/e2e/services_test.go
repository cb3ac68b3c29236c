package e2e

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
)

// tcpServer listens on 127.0.0.1 port 0 and runs handle for every
// connection until the test ends.
func tcpServer(t *testing.T, handle func(net.Conn)) net.Listener {
	t.Helper()
	return looptest.Serve(t, "tcp", "127.0.0.1:0", handle)
}

// echoServer greets every connection with greeting, then echoes.
func echoServer(t *testing.T, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return echoServerOn(t, ln, greeting)
}

// echoServerOn is echoServer on ln (see downService.up).
func echoServerOn(t *testing.T, ln net.Listener, greeting string) string {
	t.Helper()
	looptest.ServeListener(t, ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Minute))
		if _, err := io.WriteString(c, greeting); err != nil {
			return
		}
		io.Copy(c, c)
	})
	return ln.Addr().String()
}

// newRand returns a fast random stream (AES-CTR keyed from crypto/rand:
// assembly, so it stays fast under the race detector).
func newRand() io.Reader {
	key := make([]byte, 16+aes.BlockSize)
	crand.Read(key)
	blk, err := aes.NewCipher(key[:16])
	if err != nil {
		panic(err)
	}
	return &randStream{ctr: cipher.NewCTR(blk, key[16:])}
}

type randStream struct{ ctr cipher.Stream }

func (r *randStream) Read(p []byte) (int, error) {
	clear(p)
	r.ctr.XORKeyStream(p, p)
	return len(p), nil
}

// echoRoundTrip connects to addr, expects greeting, then streams size
// random bytes while reading the echo, and compares SHA-256 digests.
func echoRoundTrip(addr, greeting string, size int64, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if greeting != "" {
		got := make([]byte, len(greeting))
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("read greeting: %w", err)
		}
		if string(got) != greeting {
			return fmt.Errorf("greeting %q, want %q (wrong service?)", got, greeting)
		}
	}
	sent := sha256.New()
	werr := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.MultiWriter(c, sent), newRand(), size)
		werr <- err
	}()
	recv := sha256.New()
	n, rerr := io.CopyN(recv, c, size)
	if err := <-werr; err != nil {
		return fmt.Errorf("write after %d bytes echoed: %w", n, err)
	}
	if rerr != nil {
		return fmt.Errorf("read echo: %d of %d bytes: %w", n, size, rerr)
	}
	if !bytes.Equal(sent.Sum(nil), recv.Sum(nil)) {
		return fmt.Errorf("SHA-256 of the %d echoed bytes differs from what was sent", size)
	}
	return nil
}

// checksumServer serves the checksum protocol: the client sends two
// big-endian uint64s, up and down; then, at the same time, the client
// sends up random bytes and the server sends down random bytes. The server
// ends with the SHA-256 of what it received followed by the SHA-256 of
// what it sent, so each direction is verified on its own.
func checksumServer(t *testing.T) string {
	t.Helper()
	return tcpServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Minute))
		var hdr [16]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		up, down := int64(binary.BigEndian.Uint64(hdr[:8])), int64(binary.BigEndian.Uint64(hdr[8:]))
		sent := sha256.New()
		werr := make(chan error, 1)
		go func() {
			_, err := io.CopyN(io.MultiWriter(c, sent), newRand(), down)
			werr <- err
		}()
		recv := sha256.New()
		_, rerr := io.CopyN(recv, c, up)
		if err := <-werr; err != nil || rerr != nil {
			return
		}
		c.Write(append(recv.Sum(nil), sent.Sum(nil)...))
	}).Addr().String()
}

// checksumExchange runs the checksum protocol against addr: up bytes to
// the service, down bytes from it, both verified by SHA-256.
func checksumExchange(addr string, up, down int64, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	var hdr [16]byte
	binary.BigEndian.PutUint64(hdr[:8], uint64(up))
	binary.BigEndian.PutUint64(hdr[8:], uint64(down))
	if _, err := c.Write(hdr[:]); err != nil {
		return err
	}
	sent := sha256.New()
	werr := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.MultiWriter(c, sent), newRand(), up)
		werr <- err
	}()
	recv := sha256.New()
	n, rerr := io.CopyN(recv, c, down)
	if err := <-werr; err != nil {
		return fmt.Errorf("upload of %d bytes: %w", up, err)
	}
	if rerr != nil {
		return fmt.Errorf("download: %d of %d bytes: %w", n, down, rerr)
	}
	var sums [2 * sha256.Size]byte
	if _, err := io.ReadFull(c, sums[:]); err != nil {
		return fmt.Errorf("read checksums (after %d bytes up, %d down): %w", up, down, err)
	}
	var errs []error
	if !bytes.Equal(sums[:sha256.Size], sent.Sum(nil)) {
		errs = append(errs, fmt.Errorf("SHA-256 of the %d bytes the service received differs from what was sent", up))
	}
	if !bytes.Equal(sums[sha256.Size:], recv.Sum(nil)) {
		errs = append(errs, fmt.Errorf("SHA-256 of the %d bytes received differs from what the service sent", down))
	}
	return errors.Join(errs...)
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }
