package localproxy_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/localproxy"
	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/tunnel"
)

// tokenAuth is an Authenticator for one tunnel with the token rules of
// docs/PROTOCOL.md §3.3 (single use without a client token, bound with one).
type tokenAuth struct {
	services []string
	mu       sync.Mutex
	used     map[string]bool
	bound    map[string]string
}

func (a *tokenAuth) Claim(_ context.Context, token string, m tunnel.Mode, ct string) (relay.Grant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	want := map[string]tunnel.Mode{srcToken: tunnel.ModeSource, dstToken: tunnel.ModeDestination}
	mode, ok := want[token]
	switch {
	case !ok || mode != m:
		return relay.Grant{}, relay.ErrTokenInvalid
	case a.used[token] && (ct == "" || a.bound[token] == ""):
		return relay.Grant{}, relay.ErrTokenUsed
	case a.bound[token] != "" && a.bound[token] != ct:
		return relay.Grant{}, relay.ErrClientTokenMismatch
	}
	a.used[token], a.bound[token] = true, ct
	return relay.Grant{TunnelID: "t-1", Services: a.services}, nil
}

// realRelay serves the project's relay on loopback behind a TCP forwarder
// whose connections a test can cut, and returns a fakeRelay-shaped handle
// for config (only url is used).
type realRelay struct {
	srv   *relay.Server
	http  *httptest.Server
	front net.Listener
	mu    sync.Mutex
	conns []net.Conn // forwarded client connections
}

func newRealRelay(t testing.TB, services ...string) *realRelay {
	srv, err := relay.New(relay.Config{Auth: &tokenAuth{services: services, used: map[string]bool{}, bound: map[string]string{}},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	rr := &realRelay{srv: srv, http: httptest.NewServer(srv)}
	rr.front = tcpServer(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		up, err := net.Dial("tcp", rr.http.Listener.Addr().String())
		if err != nil {
			return
		}
		rr.mu.Lock()
		rr.conns = append(rr.conns, c)
		rr.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		io.Copy(c, up)
		up.Close()
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		srv.Shutdown(ctx)
		rr.http.Close()
	})
	return rr
}

// cfg returns a proxy configuration for this relay.
func (rr *realRelay) cfg(mode tunnel.Mode, services ...localproxy.Service) localproxy.Config {
	return configFor("ws://"+rr.front.Addr().String(), mode, services...)
}

// cutAll drops every forwarded connection without a Close frame, newest
// first: a proxy that connected later is cut before the relay can tell it
// that an earlier one left (STREAM_RESET), so each proxy sees the cut.
func (rr *realRelay) cutAll() {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for i := len(rr.conns) - 1; i >= 0; i-- {
		rr.conns[i].Close()
	}
	rr.conns = nil
}

// startRealPair starts destination then source against the real relay.
func startRealPair(t testing.TB, rr *realRelay, dst, src localproxy.Config) (s, d *proxy, addrs []string) {
	t.Helper()
	d = startProxy(t, dst)
	d.waitConnected(t)
	s = startProxy(t, src)
	s.waitConnected(t)
	for range max(len(src.Services), 1) {
		addrs = append(addrs, s.addr(t))
	}
	return s, d, addrs
}

func TestRealRelay(t *testing.T) {
	t.Run("parallel_and_services", func(t *testing.T) {
		rr := newRealRelay(t, "A", "B")
		ea, eb := echoServer(t, "a"), echoServer(t, "b")
		_, _, addrs := startRealPair(t, rr,
			rr.cfg(tunnel.ModeDestination, svc("A", ea.Addr().String()), svc("B", eb.Addr().String())),
			rr.cfg(tunnel.ModeSource, svc("A", "0"), svc("B", "0")))
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				greeting := []string{"a", "b"}[i%2]
				if err := roundTrip(addrs[i%2], 128<<10, greeting); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
	for _, ct := range []localproxy.ClientType{localproxy.ClientV1, localproxy.ClientV2} {
		t.Run("compat_"+ct.String(), func(t *testing.T) {
			rr := newRealRelay(t, "SSH")
			echo := echoServer(t, "")
			src := rr.cfg(tunnel.ModeSource, svc("SSH", "0"))
			src.ClientType = ct
			_, _, addrs := startRealPair(t, rr, rr.cfg(tunnel.ModeDestination, svc("SSH", echo.Addr().String())), src)
			for range 3 {
				if err := roundTrip(addrs[0], 200<<10, ""); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	t.Run("large_transfer", func(t *testing.T) {
		rr := newRealRelay(t, "BULK")
		hs := hashServer(t)
		_, _, addrs := startRealPair(t, rr, rr.cfg(tunnel.ModeDestination, svc("BULK", hs.Addr().String())),
			rr.cfg(tunnel.ModeSource, svc("BULK", "0")))
		if err := hashTransfer(addrs[0], 16<<20); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("cut_then_reconnect", func(t *testing.T) {
		rr := newRealRelay(t, "SSH")
		echo := echoServer(t, "")
		src, dst, addrs := startRealPair(t, rr,
			rr.cfg(tunnel.ModeDestination, svc("SSH", echo.Addr().String())),
			rr.cfg(tunnel.ModeSource, svc("SSH", "0")))
		c, err := net.Dial("tcp", addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitFor))
		c.Write(make([]byte, 1000))
		io.ReadFull(c, make([]byte, 1000))
		rr.cutAll()
		io.Copy(io.Discard, c) // reset by the proxy
		src.waitConnected(t)
		dst.waitConnected(t)
		if err := roundTrip(addrs[0], 1<<20, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("close_tunnel", func(t *testing.T) {
		rr := newRealRelay(t, "SSH")
		src, dst, _ := startRealPair(t, rr, rr.cfg(tunnel.ModeDestination, svc("SSH", "22")), rr.cfg(tunnel.ModeSource, svc("SSH", "0")))
		rr.srv.CloseTunnel("t-1", false)
		if err := src.wait(t); err != nil {
			t.Errorf("source Run = %v, want nil", err)
		}
		if err := dst.wait(t); err != nil {
			t.Errorf("destination Run = %v, want nil", err)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		rr := newRealRelay(t, "SSH")
		src, dst, _ := startRealPair(t, rr, rr.cfg(tunnel.ModeDestination, svc("SSH", "22")), rr.cfg(tunnel.ModeSource, svc("SSH", "0")))
		rr.srv.Revoke("t-1", tunnel.ModeSource)
		if err := src.wait(t); err != nil {
			t.Errorf("revoked source Run = %v, want nil", err)
		}
		select {
		case err := <-dst.done:
			t.Errorf("destination ended too: %v", err)
		default:
		}
	})
	t.Run("rejected", func(t *testing.T) {
		rr := newRealRelay(t, "SSH")
		cfg := rr.cfg(tunnel.ModeSource, svc("SSH", "0"))
		cfg.AccessToken = "adt1.wrong"
		err := startProxy(t, cfg).wait(t)
		var he *localproxy.HandshakeError
		if !errors.As(err, &he) || he.StatusCode != 400 || he.Reason == "" {
			t.Fatalf("Run = %v, want a 400 HandshakeError with a reason", err)
		}
	})
}
