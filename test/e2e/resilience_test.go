package e2e

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestDestinationServiceDownThenUp: with nothing listening at the
// destination's service, a connection through the tunnel is closed or
// reset (promptly, not a hang); once the service is up, new connections
// work without restarting anything.
func TestDestinationServiceDownThenUp(t *testing.T) {
	t.Parallel()
	t.Run("fails_then_works", func(t *testing.T) {
		in := startTunneld(t)
		svc := newDownService(t) // nothing listens yet
		settings := writeFile(t, "settings.json",
			`{"tunneling":{"proxy":{"tcp":{"connection_retry_count":1,"connection_retry_delay_ms":100}}}}`)
		tun := in.OpenTunnel(t, "APP")
		startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, "APP="+svc.addr, "--settings-json", settings)
		_, addrs := startSource(t, wsEndpoint(in), tun.SourceAccessToken, osPorts()...)
		addr := addrs["APP"]

		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial the source port: %v", err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		c.Write([]byte("anyone there?"))
		n, err := c.Read(make([]byte, 64))
		c.Close()
		var ne net.Error
		switch {
		case err == nil:
			t.Fatalf("read %d bytes from a connection to a service that is down", n)
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("connection to a service that is down was neither closed nor reset within 20s")
		}
		t.Logf("connection to the missing service ended with %v", err)

		echoServerOn(t, svc.up(t), "up\n")
		for i := range 3 {
			if err := echoRoundTrip(addr, "up\n", 64<<10, 20*time.Second); err != nil {
				t.Fatalf("connection %d after the service came up: %v", i, err)
			}
		}
	})
	// With the default retries (5 × 2.5 s), a service that comes up while
	// the destination is still retrying serves the waiting connection.
	t.Run("comes_up_during_retries", func(t *testing.T) {
		in := startTunneld(t)
		svc := newDownService(t)
		tun := in.OpenTunnel(t, "APP")
		dst := startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, "APP="+svc.addr, "-v", "5")
		_, addrs := startSource(t, wsEndpoint(in), tun.SourceAccessToken, osPorts()...)
		done := make(chan error, 1)
		go func() { done <- echoRoundTrip(addrs["APP"], "late\n", 64<<10, 30*time.Second) }()
		dst.waitMatches(t, regexp.MustCompile(`cannot connect to destination; retrying`), 1, waitFor)
		echoServerOn(t, svc.up(t), "late\n")
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("connection waiting for the service: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Fatal("connection waiting for the service did not finish within 40s")
		}
	})
}

// TestRelayCutMidTransfer: a TCP forwarder between one proxy and tunneld
// is cut (RST, no Close frame) while data flows. The connection in flight
// ends (reset or closed, not hung), the proxy reconnects with the same
// access token and client token, and new connections succeed.
func TestRelayCutMidTransfer(t *testing.T) {
	t.Parallel()
	for _, side := range []string{"source", "destination"} {
		t.Run(side, func(t *testing.T) {
			in := startTunneld(t)
			fwd := newForwarder(t, in.Addr)
			svc := checksumServer(t)
			tun := in.OpenTunnel(t, "BULK")
			srcEP, dstEP := wsEndpoint(in), wsEndpoint(in)
			var clientToken string
			var extra []string
			if side == "source" {
				srcEP = "ws://" + fwd.addr()
				clientToken = "e2e-client-token-0123456789abcdef0123" // explicit -i
				extra = []string{"-i", clientToken}
			} else {
				dstEP = "ws://" + fwd.addr() // generated client token
			}
			dstArgs := []string{}
			if side == "destination" {
				dstArgs = extra
			}
			dst := startDestination(t, dstEP, tun.DestinationAccessToken, "BULK="+svc, dstArgs...)
			src, addrs := startSource(t, srcEP, tun.SourceAccessToken, osPorts(extra...)...)
			addr := addrs["BULK"]
			cutProxy := map[string]*proc{"source": src, "destination": dst}[side]

			// A transfer in both directions, cut once data flows.
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(60 * time.Second))
			var hdr [16]byte
			binary.BigEndian.PutUint64(hdr[:8], 1<<30)
			binary.BigEndian.PutUint64(hdr[8:], 1<<30)
			c.Write(hdr[:])
			wdone := make(chan struct{})
			go func() {
				defer close(wdone)
				io.Copy(c, io.LimitReader(newRand(), 1<<30))
			}()
			if _, err := io.ReadFull(c, make([]byte, 1<<20)); err != nil {
				t.Fatalf("first MiB before the cut: %v", err)
			}
			if n := fwd.cut(); n != 1 {
				t.Fatalf("cut %d forwarded connections, want 1", n)
			}
			n, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection in flight still open 60s after the relay connection was cut (%d bytes after the cut)", n)
			}
			t.Logf("connection in flight ended after the cut: %d more bytes, err %v", n, err)
			c.Close()
			<-wdone

			cutProxy.waitMatches(t, reLost, 1, waitFor)
			// A source keeps listening while it reconnects: a connection
			// made now (most likely during the reconnect backoff) waits in
			// the backlog and is served once the source is back.
			during := make(chan error, 1)
			if side == "source" {
				go func() { during <- checksumExchange(addr, 256<<10, 256<<10, 30*time.Second) }()
			} else {
				during <- nil
			}
			cutProxy.waitMatches(t, reConnected, 2, waitFor)
			heads := fwd.headers()
			if len(heads) < 2 {
				t.Fatalf("%d upgrade requests through the forwarder, want at least 2", len(heads))
			}
			first, last := heads[0], heads[len(heads)-1]
			if ct := first.Get("client-token"); ct == "" || last.Get("client-token") != ct {
				t.Errorf("client-token %q on the first connection, %q on the reconnect: want the same, non-empty", ct, last.Get("client-token"))
			}
			if clientToken != "" && first.Get("client-token") != clientToken {
				t.Errorf("client-token %q, want the -i value %q", first.Get("client-token"), clientToken)
			}
			if first.Get("access-token") != last.Get("access-token") {
				t.Error("access token changed on the reconnect")
			}
			if err := <-during; err != nil {
				t.Errorf("connection made while the source was reconnecting was not served after the reconnect "+
					"(a source's listeners survive sessions; such a connection should wait for the next session): %v", err)
			}
			for i := range 4 {
				if err := checksumExchange(addr, 2<<20, 2<<20, 30*time.Second); err != nil {
					t.Fatalf("new connection %d after the reconnect: %v", i, err)
				}
			}
		})
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
