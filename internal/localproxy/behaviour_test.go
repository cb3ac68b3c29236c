package localproxy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

func TestServiceMismatchIsFatal(t *testing.T) {
	r := newFakeRelay(t, "SSH1")
	err := startProxy(t, config(r, tunnel.ModeSource, svc("SSH2", "0"))).wait(t)
	var me *localproxy.ServiceMismatchError
	if !errors.As(err, &me) {
		t.Fatalf("Run = %v, want a ServiceMismatchError", err)
	}
}

func TestHandshakeHeaders(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	cfg := config(r, tunnel.ModeDestination, svc("SSH", "22"))
	cfg.ClientToken = "0123456789abcdef0123456789ABCDEF-x"
	cfg.UserAgent = "localproxy-adit/test"
	startProxy(t, cfg).waitConnected(t)
	req := r.requests()[0]
	for h, want := range map[string]string{
		"access-token": dstToken, "client-token": cfg.ClientToken, "User-Agent": "localproxy-adit/test",
		"Sec-WebSocket-Protocol": wire.Subprotocol3,
	} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if req.URL.RawQuery != "local-proxy-mode=destination" || req.Host != r.srv.Listener.Addr().String() {
		t.Errorf("request %s host %s", req.URL, req.Host)
	}
}

// TestSlowLocalReader checks that a local application that stops reading
// gets its connection reset, and that other connections keep working.
func TestSlowLocalReader(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	src := config(r, tunnel.ModeSource, svc("SSH", "0"))
	src.LocalWriteTimeout = 300 * time.Millisecond
	_, _, addrs := startPair(t, r, config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())), src)
	stuck, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	stuck.(*net.TCPConn).SetReadBuffer(4 << 10)
	// Write without ever reading: the echo fills every buffer on the way back.
	wrote := make(chan error, 1)
	go func() {
		stuck.SetWriteDeadline(time.Now().Add(waitFor))
		buf := make([]byte, 64<<10)
		for {
			if _, err := stuck.Write(buf); err != nil {
				wrote <- err
				return
			}
		}
	}()
	select {
	case err := <-wrote: // the proxy reset the connection
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("stuck connection was never reset: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("stuck connection was never reset")
	}
	if err := roundTrip(addrs[0], 1<<20, ""); err != nil {
		t.Fatalf("other connection after the reset: %v", err)
	}
}

// TestFairness checks that small request/response exchanges keep flowing
// while another connection saturates the tunnel.
func TestFairness(t *testing.T) {
	r := newFakeRelay(t, "A", "B")
	sink := tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) { io.Copy(io.Discard, c) })
	echo := echoServer(t, "")
	_, _, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("A", sink.Addr().String()), svc("B", echo.Addr().String())),
		config(r, tunnel.ModeSource, svc("A", "0"), svc("B", "0")))
	bulk, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 256<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			bulk.SetWriteDeadline(time.Now().Add(waitFor))
			if _, err := bulk.Write(buf); err != nil {
				return
			}
		}
	})
	defer func() { close(stop); bulk.Close(); wg.Wait() }()
	c, err := net.Dial("tcp", addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitFor))
	var worst time.Duration
	buf := make([]byte, 64)
	for range 50 {
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("worst 64-byte round trip next to a bulk transfer: %v", worst)
	if worst > 2*time.Second {
		t.Errorf("worst round trip %v: the bulk connection starves the others", worst)
	}
}

// TestOddMessagesAreHarmless feeds both proxies stale and unknown messages:
// they are dropped without ending the session.
func TestOddMessagesAreHarmless(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	echo := echoServer(t, "")
	r.afterIDs = func(p *fakePeer, n int) {
		for _, m := range []wire.Message{
			{Type: wire.TypeData, StreamID: 99, ServiceID: "SSH", Payload: []byte("stale")},
			{Type: wire.TypeData, StreamID: 1, ServiceID: "NOPE", Payload: []byte("x")},
			{Type: wire.TypeStreamReset, StreamID: 42, ServiceID: "SSH"},
			{Type: wire.TypeConnectionReset, StreamID: 1, ServiceID: "SSH", ConnectionID: 9},
			{Type: 42, StreamID: 1, Ignorable: true},
			{Type: 43, StreamID: 1},
			{Type: wire.TypeServiceIDs, AvailableServiceIDs: []string{"SSH"}},
		} {
			p.send(&m)
		}
	}
	src, dst, addrs := startPair(t, r,
		config(r, tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
		config(r, tunnel.ModeSource, svc("SSH", "0")))
	if err := roundTrip(addrs[0], 10000, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*proxy{src, dst} {
		select {
		case <-p.connected:
			t.Error("a proxy reconnected after odd messages")
		default:
		}
	}
}

func TestStreamStartForUnknownServiceReconnects(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	r.afterIDs = func(p *fakePeer, n int) {
		if p.mode == tunnel.ModeDestination && n == 1 {
			p.send(&wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "OTHER", ConnectionID: 1})
		}
	}
	d := startProxy(t, config(r, tunnel.ModeDestination, svc("SSH", "22")))
	d.waitConnected(t)
	d.waitConnected(t) // after the protocol error
}

func TestMaxConnsPerService(t *testing.T) {
	r := newFakeRelay(t, "A")
	echo := echoServer(t, "")
	src := config(r, tunnel.ModeSource, svc("A", "0"))
	src.MaxConnsPerService = 2
	_, _, addrs := startPair(t, r, config(r, tunnel.ModeDestination, svc("A", echo.Addr().String())), src)
	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitFor))
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	done := make(chan error, 1)
	go func() { done <- roundTrip(addrs[0], 10, "") }()
	select {
	case err := <-done:
		t.Fatalf("third connection served beyond the cap: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	open[0].Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPings(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	var pings atomic.Int32
	threePings := make(chan struct{})
	gotPong := make(chan string, 1)
	r.afterIDs = func(p *fakePeer, n int) {
		p.ws.SetPingHandler(func(data string) error {
			if _, err := strconv.ParseInt(data, 10, 64); err != nil {
				t.Errorf("ping payload %q is not epoch milliseconds", data)
			}
			if pings.Add(1) == 3 {
				close(threePings)
			}
			return nil
		})
		p.ws.SetPongHandler(func(data string) error {
			select {
			case gotPong <- data:
			default:
			}
			return nil
		})
		p.wmu.Lock()
		p.ws.WriteControl(9, []byte("hello"), time.Now().Add(time.Second)) // ping
		p.wmu.Unlock()
	}
	cfg := config(r, tunnel.ModeDestination, svc("SSH", "22"))
	cfg.PingPeriod = 20 * time.Millisecond
	startProxy(t, cfg).waitConnected(t)
	select {
	case data := <-gotPong:
		if data != "hello" {
			t.Errorf("pong payload %q, want the ping's", data)
		}
	case <-time.After(waitFor):
		t.Fatal("no pong")
	}
	select {
	case <-threePings:
	case <-time.After(waitFor):
		t.Errorf("%d pings, want a ping every period", pings.Load())
	}
}

func TestSubprotocol1(t *testing.T) {
	r := newFakeRelay(t) // a 1.0 socket gets no SERVICE_IDS
	echo := echoServer(t, "")
	dst := config(r, tunnel.ModeDestination, svc("", echo.Addr().String()))
	dst.Subprotocol = wire.Subprotocol1
	src := config(r, tunnel.ModeSource, svc("", "0"))
	src.Subprotocol = wire.Subprotocol1
	_, _, addrs := startPair(t, r, dst, src)
	for range 2 {
		if err := roundTrip(addrs[0], 50000, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSessionResetClosesConnections(t *testing.T) {
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
	c.Write([]byte("x"))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	r.peer(tunnel.ModeSource).send(&wire.Message{Type: wire.TypeSessionReset})
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes after SESSION_RESET, want the connection closed", n)
	}
	if err := roundTrip(addrs[0], 1000, ""); err != nil {
		t.Fatal(err)
	}
	select {
	case <-src.connected:
		t.Error("SESSION_RESET caused a reconnect")
	default:
	}
}

func TestShutdownSendsCloseFrame(t *testing.T) {
	r := newFakeRelay(t, "SSH")
	p := startProxy(t, config(r, tunnel.ModeDestination, svc("SSH", "22")))
	p.waitConnected(t)
	p.cancel()
	if err := p.wait(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
	r.wg.Wait() // the relay has seen the socket end
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.closes) != 1 || r.closes[0] != "1000 local proxy shutting down" {
		t.Errorf("relay received Close frames %q", r.closes)
	}
}
