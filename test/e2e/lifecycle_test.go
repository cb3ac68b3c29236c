package e2e

import (
	"errors"
	"net"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/servertest"
)

// exitBound bounds how long a proxy may take to exit once the service
// closes its WebSocket.
const exitBound = 10 * time.Second

// TestCloseTunnel: CloseTunnel ends both proxies with exit status 0, the
// connection in flight is closed, and the source stops listening.
func TestCloseTunnel(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "hi\n")
	tun, src, dst, addrs := pair(t, in, []string{"SSH"}, "SSH="+echo, osPorts()...)
	addr := addrs["SSH"]
	if err := echoRoundTrip(addr, "hi\n", 1000, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Read(make([]byte, 3)); err != nil {
		t.Fatalf("greeting on the open connection: %v", err)
	}

	in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	for _, p := range []*proc{src, dst} {
		if code := p.waitExit(t, exitBound); code != 0 {
			t.Errorf("%s exited with status %d after CloseTunnel, want 0; output:\n%s", p.name, code, p.output())
		}
		if p.count(reClosedBy) == 0 {
			t.Errorf("%s did not log that the service closed the tunnel; output:\n%s", p.name, p.output())
		}
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("connection through the tunnel still delivers data after CloseTunnel")
	} else if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Error("connection through the tunnel still open 20s after CloseTunnel")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("source port still accepts connections after the source exited")
	}
}

// reRejected is the proxy's fatal log line for a 4xx upgrade answer.
var reRejected = regexp.MustCompile(`level=FATAL .*40[0-9]`)

// TestRotateToken: rotating one mode's token disconnects the proxy that
// holds the old token (it exits with status 0, as for any Close frame from
// the service), leaves the other proxy connected, refuses the old token on
// restart even with its client token (exit status 1, the server's reason
// logged), and a proxy with the new token works with the one that stayed.
func TestRotateToken(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"SOURCE", "DESTINATION"} {
		t.Run(mode, func(t *testing.T) {
			in := startTunneld(t)
			echo := echoServer(t, "hi\n")
			srcArgs := osPorts()
			dstArgs := []string{"-d", "SSH=" + echo}
			const ct = "e2e-rotate-client-token-0123456789abcdef"
			tun := in.OpenTunnel(t, "SSH")
			var oldToken string
			var rotatedArgs []string
			if mode == "SOURCE" {
				srcArgs = append(srcArgs, "-i", ct)
				oldToken, rotatedArgs = tun.SourceAccessToken, srcArgs
			} else {
				dstArgs = append(dstArgs, "-i", ct)
				oldToken, rotatedArgs = tun.DestinationAccessToken, dstArgs
			}
			dst := startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, dstArgs[1], dstArgs[2:]...)
			src, addrs := startSource(t, wsEndpoint(in), tun.SourceAccessToken, srcArgs...)
			addr := addrs["SSH"]
			if err := echoRoundTrip(addr, "hi\n", 1000, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			rotated, kept := src, dst
			if mode == "DESTINATION" {
				rotated, kept = dst, src
			}

			var rot struct {
				SourceAccessToken      string `json:"sourceAccessToken"`
				DestinationAccessToken string `json:"destinationAccessToken"`
			}
			in.MustCall(t, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": mode}, &rot)
			newToken, other := rot.SourceAccessToken, rot.DestinationAccessToken
			if mode == "DESTINATION" {
				newToken, other = other, newToken
			}
			if newToken == "" || newToken == oldToken || other != "" {
				t.Fatalf("rotation of %s: new token empty or unchanged, or a token for the other mode returned", mode)
			}
			if code := rotated.waitExit(t, exitBound); code != 0 {
				t.Errorf("%s with the revoked token exited with status %d, want 0 (Close frame from the service)", rotated.name, code)
			}
			if rotated.count(reClosedBy) == 0 {
				t.Errorf("%s did not log that the service closed its connection; output:\n%s", rotated.name, rotated.output())
			}
			if !kept.running() {
				t.Fatalf("%s exited after a %s rotation; output:\n%s", kept.name, mode, kept.output())
			}

			// The old token, even with its client token, is refused on restart.
			old := lp(t, "localproxy with the revoked token", append([]string{"-e", wsEndpoint(in), "-t", oldToken}, rotatedArgs...)...)
			if code := old.waitExit(t, exitBound); code != 1 {
				t.Errorf("proxy restarted with the revoked token exited with status %d, want 1; output:\n%s", code, old.output())
			}
			if old.count(reRejected) == 0 || old.count(reConnected) != 0 {
				t.Errorf("proxy restarted with the revoked token: want a fatal 4xx rejection and no connection; output:\n%s", old.output())
			}

			// A proxy with the new token (and a new client token: client
			// tokens are unique) works with the proxy that stayed.
			fresh := rotatedArgs[:2]
			if mode == "SOURCE" {
				fresh = osPorts()
				_, addrs := startSource(t, wsEndpoint(in), newToken, fresh...)
				addr = addrs["SSH"]
			} else {
				startDestination(t, wsEndpoint(in), newToken, fresh[1])
			}
			if err := echoRoundTrip(addr, "hi\n", 64<<10, 20*time.Second); err != nil {
				t.Fatalf("through the proxy with the new token: %v", err)
			}
			if n := kept.count(reConnected); n != 1 {
				t.Errorf("%s connected %d times during the %s rotation, want once", kept.name, n, mode)
			}
		})
	}
}

// TestProxyRestart: a proxy killed with SIGKILL and started again with the
// same access token and the same -i client token reconnects (the service
// accepts a reused token with its client token) and traffic flows; without
// -i the restarted proxy presents a new generated client token, so the
// used token is refused (exit status 1) with a hint to use -i.
func TestProxyRestart(t *testing.T) {
	t.Parallel()
	in := startTunneld(t)
	echo := echoServer(t, "hi\n")
	const ct = "e2e-restart-client-token-0123456789abcdef"
	tun := in.OpenTunnel(t, "SSH")
	dst := startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, "SSH="+echo, "-i", ct)
	src, addrs := startSource(t, wsEndpoint(in), tun.SourceAccessToken, osPorts()...)
	addr := addrs["SSH"]
	if err := echoRoundTrip(addr, "hi\n", 64<<10, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	waitState(t, in, tun.TunnelID, "CONNECTED", "CONNECTED")

	dst.signal(t, syscall.SIGKILL)
	dst.waitExit(t, exitBound)
	waitState(t, in, tun.TunnelID, "CONNECTED", "DISCONNECTED")
	startDestination(t, wsEndpoint(in), tun.DestinationAccessToken, "SSH="+echo, "-i", ct)
	waitState(t, in, tun.TunnelID, "CONNECTED", "CONNECTED")
	for i := range 3 {
		if err := echoRoundTrip(addr, "hi\n", 64<<10, 20*time.Second); err != nil {
			t.Fatalf("connection %d after the destination restarted: %v", i, err)
		}
	}

	// The source had no -i: its restart cannot reuse the token.
	src.signal(t, syscall.SIGKILL)
	src.waitExit(t, exitBound)
	again := lp(t, "source localproxy (restarted without -i)", "-e", wsEndpoint(in), "-t", tun.SourceAccessToken, "-m", "src")
	if code := again.waitExit(t, exitBound); code != 1 {
		t.Errorf("source restarted without -i exited with status %d, want 1; output:\n%s", code, again.output())
	}
	if again.count(reRejected) == 0 || again.count(regexp.MustCompile(`hint: .*client token`)) == 0 {
		t.Errorf("source restarted without -i: want a fatal 4xx rejection and the hint about -i; output:\n%s", again.output())
	}
}

// waitState polls DescribeTunnel (bounded) until the source and
// destination connection states are as given.
func waitState(t *testing.T, in *servertest.Instance, id, src, dst string) {
	t.Helper()
	var got [2]string
	for range 100 {
		var out struct {
			Tunnel struct {
				SourceConnectionState      struct{ Status string } `json:"sourceConnectionState"`
				DestinationConnectionState struct{ Status string } `json:"destinationConnectionState"`
			} `json:"tunnel"`
		}
		in.MustCall(t, "DescribeTunnel", map[string]any{"tunnelId": id}, &out)
		got = [2]string{out.Tunnel.SourceConnectionState.Status, out.Tunnel.DestinationConnectionState.Status}
		if got == [2]string{src, dst} {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("DescribeTunnel connection states (source, destination) = %v after 10s, want [%s %s]", got, src, dst)
}
