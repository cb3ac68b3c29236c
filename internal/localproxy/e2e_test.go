package localproxy_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

func TestParallelConnections(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	_, _, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
		config(r, tunnel.ModeSource, svc("SSH", "0")))
	const conns, size = 64, 256 << 10
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() { errs <- roundTrip(addrs[0], size, "") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// hashServer reads an 8-byte length and that many bytes, then answers
// with their SHA-256.
func hashServer(t *testing.T) net.Listener {
	return tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		var n uint64
		if binary.Read(c, binary.BigEndian, &n) != nil {
			return
		}
		h := sha256.New()
		if _, err := io.CopyN(h, c, int64(n)); err != nil {
			return
		}
		c.Write(h.Sum(nil))
	})
}

func TestLargeTransfer(t *testing.T) {
	size := 64 << 20
	if testing.Short() {
		size = 8 << 20
	}
	r := newFakeRelay(t, "BULK")
	hs := hashServer(t)
	_, _, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("BULK", hs.Addr().String())),
		config(r, tunnel.ModeSource, svc("BULK", "0")))
	if err := hashTransfer(addrs[0], size); err != nil {
		t.Fatal(err)
	}
}

// hashTransfer sends size random bytes to a hashServer through addr and
// checks the SHA-256 it answers.
func hashTransfer(addr string, size int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	want := sha256.New()
	binary.Write(c, binary.BigEndian, uint64(size))
	if _, err := io.CopyN(io.MultiWriter(c, want), rand.Reader, int64(size)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read hash: %w", err)
	}
	if !bytes.Equal(got, want.Sum(nil)) {
		return errors.New("SHA-256 of the transfer differs")
	}
	return nil
}

func TestSeveralServices(t *testing.T) {
	r := newFakeRelay(t, "A", "B", "C")
	ea, eb, ec := echoServer(t, "a:"), echoServer(t, "b:"), echoServer(t, "c:")
	s := startProxy(t, config(r, tunnel.ModeDestination,
		svc("A", ea.Addr().String()), svc("B", eb.Addr().String()), svc("C", ec.Addr().String())))
	s.waitConnected(t)
	// The source gives no mapping: every service gets an OS-assigned port.
	src := config(r, tunnel.ModeSource)
	src.FallbackServices = []localproxy.Service{svc("A", "0")}
	var mu sync.Mutex
	byID := map[string]string{}
	src.OnListen = func(id string, a net.Addr) { mu.Lock(); byID[id] = a.String(); mu.Unlock() }
	p := startProxy(t, src)
	p.waitConnected(t)
	mu.Lock()
	defer mu.Unlock()
	if len(byID) != 3 {
		t.Fatalf("listeners = %v, want A, B and C", byID)
	}
	var wg sync.WaitGroup
	for id, addr := range byID {
		for range 8 {
			wg.Go(func() {
				if err := roundTrip(addr, 32<<10, strings.ToLower(id)+":"); err != nil {
					t.Errorf("service %s: %v", id, err)
				}
			})
		}
	}
	wg.Wait()
}

func TestCompatModes(t *testing.T) {
	for _, tc := range []struct {
		ct       localproxy.ClientType
		services []string
		src      []localproxy.Service
	}{
		{localproxy.ClientV1, []string{"SSH"}, []localproxy.Service{svc("", "0")}},
		{localproxy.ClientV1, nil, []localproxy.Service{svc("", "0")}},
		{localproxy.ClientV2, []string{"A", "B"}, []localproxy.Service{svc("A", "0"), svc("B", "0")}},
	} {
		t.Run(tc.ct.String()+"_"+strings.Join(tc.services, "_"), func(t *testing.T) {
			r := newFakeRelay(t, tc.services...)
			echo := echoServer(t, "hi")
			var dst []localproxy.Service
			for _, s := range tc.src {
				dst = append(dst, svc(s.ID, echo.Addr().String()))
			}
			src := config(r, tunnel.ModeSource, tc.src...)
			src.ClientType = tc.ct
			_, _, addrs := startPair(t, r, config(r, tunnel.ModeDestination, dst...), src)
			for _, addr := range addrs {
				for range 3 { // one connection at a time, each its own stream
					if err := roundTrip(addr, 100<<10, "hi"); err != nil {
						t.Fatal(err)
					}
				}
			}
			checkCompatMessages(t, r, tc.ct)
		})
	}
}

// checkCompatMessages is a hook for message-format checks done by the
// fake relay (CheckClient); V1 traffic must carry no service id at all.
func checkCompatMessages(t *testing.T, r *fakeRelay, ct localproxy.ClientType) {
	t.Helper()
	if got := r.requests()[1].Header.Get("Sec-WebSocket-Protocol"); got != wire.Subprotocol3 {
		t.Errorf("subprotocol offered in %s mode = %q, want %q", ct, got, wire.Subprotocol3)
	}
}

// TestCompatOneConnectionAtATime checks that in V2 mode a second local
// connection waits until the first one ends.
func TestCompatOneConnectionAtATime(t *testing.T) {
	r := newFakeRelay(t, "A")
	echo := echoServer(t, "")
	src := config(r, tunnel.ModeSource, svc("A", "0"))
	src.ClientType = localproxy.ClientV2
	_, _, addrs := startPair(t, r, config(r, tunnel.ModeDestination, svc("A", echo.Addr().String())), src)
	first, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Write([]byte("1")); err != nil {
		t.Fatal(err)
	}
	first.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := io.ReadFull(first, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- roundTrip(addrs[0], 10, "") }()
	select {
	case err := <-done:
		t.Fatalf("second connection served while the first is open: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDestinationServiceDownThenUp(t *testing.T) {
	r := newFakeRelay(t, "APP")
	sock := t.TempDir() + "/app.sock"
	_, _, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("APP", sock)),
		config(r, tunnel.ModeSource, svc("APP", "0")))
	c, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(waitFor))
	_, err = c.Read(make([]byte, 1))
	c.Close()
	if err == nil {
		t.Fatal("read from a connection to a missing service succeeded")
	}
	tcpServer(t, "unix", sock, func(c net.Conn) { io.Copy(c, c) })
	if err := roundTrip(addrs[0], 64<<10, ""); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectAfterCut(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	src, _, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
		config(r, tunnel.ModeSource, svc("SSH", "0")))
	c, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitFor))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 32<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	if _, err := io.ReadFull(c, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	r.cut(tunnel.ModeSource) // mid-transfer, no Close frame
	io.Copy(io.Discard, c)   // ends when the proxy resets the connection
	close(stop)
	c.Close()
	wg.Wait()
	src.waitConnected(t)
	if err := roundTrip(addrs[0], 128<<10, ""); err != nil {
		t.Fatal(err)
	}
	reqs := r.requests()
	ct := reqs[1].Header.Get("client-token")
	if len(ct) < 32 || reqs[2].Header.Get("client-token") != ct {
		t.Errorf("client tokens %q then %q, want the same generated token", ct, reqs[2].Header.Get("client-token"))
	}
}

func TestCloseFrameEndsRun(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	src, dst, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
		config(r, tunnel.ModeSource, svc("SSH", "0")))
	if err := roundTrip(addrs[0], 1000, ""); err != nil {
		t.Fatal(err)
	}
	r.closeTunnel(1000, "tunnel closed")
	if err := src.wait(t); err != nil {
		t.Errorf("source Run = %v, want nil", err)
	}
	if err := dst.wait(t); err != nil {
		t.Errorf("destination Run = %v, want nil", err)
	}
	if _, err := net.Dial("tcp", addrs[0]); err == nil {
		t.Error("source still listening after Run returned")
	}
}

func TestHandshakeRejected(t *testing.T) {
	r := newFakeRelay(t)
	cfg := config(r, tunnel.ModeSource, svc("", "0"))
	cfg.AccessToken = "adt1.unknown"
	err := startProxy(t, cfg).wait(t)
	var he *localproxy.HandshakeError
	if !errors.As(err, &he) || he.StatusCode != 400 || he.Reason != "Invalid access token" {
		t.Fatalf("Run = %v, want a 400 HandshakeError with the reason", err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	r.reject = func(m tunnel.Mode, n int) (int, string) {
		if n <= 2 {
			return 503, "draining"
		}
		return 0, ""
	}
	p := startProxy(t, config(r, tunnel.ModeSource, svc("SSH", "0")))
	p.waitConnected(t)
}

func TestRetriesExhausted(t *testing.T) {
	r := newFakeRelay(t)
	r.reject = func(tunnel.Mode, int) (int, string) { return 500, "broken" }
	cfg := config(r, tunnel.ModeSource, svc("", "0"))
	cfg.MaxConnectAttempts = 3
	err := startProxy(t, cfg).wait(t)
	var he *localproxy.HandshakeError
	if !errors.Is(err, localproxy.ErrRetriesExhausted) || !errors.As(err, &he) || he.StatusCode != 500 {
		t.Fatalf("Run = %v, want ErrRetriesExhausted wrapping the 500", err)
	}
	if n := len(r.requests()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestGarbageFromRelay(t *testing.T) {
	garbage := map[string][]byte{
		"zero_length":   {0, 0},
		"bad_protobuf":  {0, 3, 0xff, 0xff, 0xff},
		"unknown_field": {0, 2, 0x40, 1},
	}
	for name, g := range garbage {
		t.Run(name, func(t *testing.T) {
			r := newFakeRelay(t, "SSH")
			echo := echoServer(t, "")
			r.afterIDs = func(p *fakePeer, n int) {
				if p.mode == tunnel.ModeSource && n == 1 {
					p.write(g)
				}
			}
			src, _, addrs := startPair(t, r,
				config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
				config(r, tunnel.ModeSource, svc("SSH", "0")))
			// The first session dies on the garbage; the proxy reconnects.
			src.waitConnected(t)
			if err := roundTrip(addrs[0], 1000, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}
