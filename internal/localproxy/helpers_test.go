package localproxy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/looptest"
	"github.com/adit-project/adit/internal/tunnel"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitFor bounds every wait in these tests.
const waitFor = 20 * time.Second

// proxy is a Run in the background with its readiness events.
type proxy struct {
	cancel    context.CancelFunc
	done      chan error
	listens   chan net.Addr
	connected chan []string
	result    error
	finished  bool
}

// startProxy runs cfg until the test ends.
func startProxy(t testing.TB, cfg localproxy.Config) *proxy {
	t.Helper()
	p := &proxy{done: make(chan error, 1), listens: make(chan net.Addr, 8), connected: make(chan []string, 64)}
	onListen := cfg.OnListen
	cfg.OnListen = func(id string, a net.Addr) {
		if onListen != nil {
			onListen(id, a)
		}
		p.listens <- a
	}
	cfg.OnConnected = func(ids []string) {
		select {
		case p.connected <- ids:
		default:
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() { p.done <- localproxy.Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		p.wait(t)
	})
	return p
}

// wait returns Run's result, waiting for it to end.
func (p *proxy) wait(t testing.TB) error {
	t.Helper()
	if p.finished {
		return p.result
	}
	select {
	case p.result = <-p.done:
		p.finished = true
	case <-time.After(waitFor):
		t.Fatalf("Run did not return within %v", waitFor)
	}
	return p.result
}

// waitConnected waits for the next ready session.
func (p *proxy) waitConnected(t testing.TB) []string {
	t.Helper()
	select {
	case ids := <-p.connected:
		return ids
	case err := <-p.done:
		p.result, p.finished = err, true
		t.Fatalf("Run ended before connecting: %v", err)
	case <-time.After(waitFor):
		t.Fatal("proxy did not connect in time")
	}
	return nil
}

// addr waits for the next listener and returns its address.
func (p *proxy) addr(t testing.TB) string {
	t.Helper()
	select {
	case a := <-p.listens:
		return a.String()
	case <-time.After(waitFor):
		t.Fatal("proxy did not listen in time")
	}
	return ""
}

// config returns a proxy configuration for the fake relay with short delays.
func config(r *fakeRelay, mode tunnel.Mode, services ...localproxy.Service) localproxy.Config {
	return configFor(r.url(), mode, services...)
}

// configFor is config for any endpoint.
func configFor(endpoint string, mode tunnel.Mode, services ...localproxy.Service) localproxy.Config {
	tok := srcToken
	if mode == tunnel.ModeDestination {
		tok = dstToken
	}
	bind := "127.0.0.1"
	if mode == tunnel.ModeDestination {
		bind = ""
	}
	return localproxy.Config{Mode: mode, Endpoint: endpoint, AccessToken: tok, Services: services,
		BindAddress: bind, ReconnectDelay: 20 * time.Millisecond, MaxReconnectDelay: 200 * time.Millisecond,
		DialRetries: -1, LocalWriteTimeout: 2 * time.Second}
}

// svc is shorthand for a mapping.
func svc(id, addr string) localproxy.Service { return localproxy.Service{ID: id, Addr: addr} }

// startPair starts a destination and then a source proxy and returns the
// source's listen addresses, in mapping order.
func startPair(t testing.TB, r *fakeRelay, dst, src localproxy.Config) (s, d *proxy, addrs []string) {
	t.Helper()
	d = startProxy(t, dst)
	d.waitConnected(t)
	r.waitPeer(tunnel.ModeDestination) // a 1.0 socket is "connected" before the relay attaches it
	s = startProxy(t, src)
	s.waitConnected(t)
	n := max(len(src.Services), 1)
	if len(src.Services) == 0 {
		n = max(len(r.services), 1)
	}
	for range n {
		addrs = append(addrs, s.addr(t))
	}
	return s, d, addrs
}

// tcpServer runs handle for every connection until the test ends.
func tcpServer(t testing.TB, network, address string, handle func(net.Conn)) net.Listener {
	t.Helper()
	return looptest.Serve(t, network, address, handle)
}

// echoServer echoes every connection, after an optional greeting.
func echoServer(t testing.TB, greeting string) net.Listener {
	return tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		io.WriteString(c, greeting)
		io.Copy(c, c)
	})
}

// roundTrip sends n random bytes through addr and checks the echo by
// SHA-256. greeting, if any, is expected first.
func roundTrip(addr string, n int, greeting string) error {
	c, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitFor))
	if greeting != "" {
		g := make([]byte, len(greeting))
		if _, err := io.ReadFull(c, g); err != nil || string(g) != greeting {
			return fmt.Errorf("greeting %q, %v; want %q", g, err, greeting)
		}
	}
	data := make([]byte, n)
	rand.Read(data)
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		werr <- err
	}()
	h := sha256.New()
	if _, err := io.CopyN(h, c, int64(n)); err != nil {
		return fmt.Errorf("read echo: %w", err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
		return fmt.Errorf("echo of %d bytes differs", n)
	}
	return nil
}
