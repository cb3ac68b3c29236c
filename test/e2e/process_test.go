package e2e

import (
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"
	"github.com/adit-project/adit/internal/sigv4"
)

// TestTunneldRestart: all three programs as processes. tunneld is stopped
// with SIGTERM (it sends Close 1001 "going away", which the proxies treat
// as a lost connection) and started again with the same data directory;
// both proxies reconnect to the same endpoint with their access and client
// tokens and new connections work. Then SIGTERM to a proxy ends it with
// status 0. The proxies' endpoint is a forwarder (looptest.Forward) to
// whichever tunneld runs, so each tunneld listens on a port the OS chose
// rather than on a port freed a moment before.
func TestTunneldRestart(t *testing.T) {
	t.Parallel()
	key := sigv4.GenerateKey("admin")
	dataDir := t.TempDir()
	td, in := startTunneldProc(t, dataDir, key)
	var up atomic.Value
	up.Store(in.Addr)
	endpoint := "ws://" + looptest.Forward(t, "tcp", func() string { return up.Load().(string) }).Addr().String()
	svc := checksumServer(t)
	tun := in.OpenTunnel(t, "SSH")
	dst := startDestination(t, endpoint, tun.DestinationAccessToken, "SSH="+svc)
	src, addrs := startSource(t, endpoint, tun.SourceAccessToken, osPorts()...)
	addr := addrs["SSH"]
	if err := checksumExchange(addr, 1<<20, 1<<20, 30*time.Second); err != nil {
		t.Fatalf("before the restart: %v", err)
	}

	td.signal(t, syscall.SIGTERM)
	if code := td.waitExit(t, 20*time.Second); code != 0 {
		t.Errorf("tunneld exited with status %d after SIGTERM, want 0", code)
	}
	up.Store("")
	for _, p := range []*proc{src, dst} {
		p.waitMatches(t, reLost, 1, waitFor)
		if !p.running() {
			t.Fatalf("%s exited when tunneld went away; output:\n%s", p.name, p.output())
		}
	}
	_, in2 := startTunneldProc(t, dataDir, key)
	up.Store(in2.Addr)
	for _, p := range []*proc{src, dst} {
		p.waitMatches(t, reConnected, 2, waitFor)
	}
	for i := range 3 {
		if err := checksumExchange(addr, 1<<20, 1<<20, 30*time.Second); err != nil {
			t.Fatalf("connection %d after the restart: %v", i, err)
		}
	}

	for _, p := range []*proc{src, dst} {
		p.signal(t, syscall.SIGTERM)
		if code := p.waitExit(t, exitBound); code != 0 {
			t.Errorf("%s exited with status %d after SIGTERM, want 0", p.name, code)
		}
	}
}
