package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// startPeerSet runs a peers process's command loop in this process on
// endpoint and returns the parent's side of it.
func startPeerSet(t *testing.T, endpoint string, period time.Duration) *peersChild {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ps := newPeerSet(endpoint, nil, 4, period, outW)
	done := make(chan error, 1)
	go func() {
		err := ps.serve(inR)
		ps.closeAll()
		outW.Close()
		done <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not end after EOF")
		}
	})
	return &peersChild{node: "node1", in: inW, lines: newLineReader(outR)}
}

// TestPeersProtocol runs the ramp's peers protocol against a real tunneld:
// both peers of three tunnels connected through it, a measuring window, and
// the window's round trips and counts read back by the parent's side.
func TestPeersProtocol(t *testing.T) {
	in := servertest.Start(t, server.Config{})
	period := 100 * time.Millisecond
	ch := startPeerSet(t, in.Addr, period)
	var toks []openedTunnel
	for range 3 {
		o := in.OpenTunnel(t, rampService)
		toks = append(toks, openedTunnel{TunnelID: o.TunnelID, SourceAccessToken: o.SourceAccessToken, DestinationAccessToken: o.DestinationAccessToken})
	}
	children := peersChildren{ch}
	if err := children.connect(toks, 0); err != nil {
		t.Fatalf("connect: %v", err)
	}
	time.Sleep(2 * period) // every source has sent once
	if err := children.all("open"); err != nil {
		t.Fatalf("open: %v", err)
	}
	time.Sleep(5 * period)
	if err := children.all("close"); err != nil {
		t.Fatalf("close: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	ws, err := children.stats()
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	if ws.sent < int64(len(toks)) || int64(len(ws.lat)) > ws.sent || len(ws.lat) == 0 || ws.closed != 0 {
		t.Fatalf("window: %d sent, %d echoes, %d closed; want at least %d sent, echoes in (0, sent], none closed",
			ws.sent, len(ws.lat), ws.closed, len(toks))
	}
	for _, d := range ws.lat {
		if d <= 0 || d > 10*time.Second {
			t.Fatalf("round trip %v out of range", d)
		}
	}
	// A used token, a missing token and an unknown command each get an error
	// answer, and the process goes on answering.
	for _, c := range []struct{ line, want string }{
		{"dst " + toks[0].DestinationAccessToken, "err dst:"},
		{"src", "err src: no token"},
		{"bogus", `err unknown command "bogus"`},
	} {
		err := ch.request([]string{c.line}, 1, 30*time.Second)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error with %q", c.line, err, c.want)
		}
	}
	if err := children.all("open"); err != nil {
		t.Fatalf("open after errors: %v", err)
	}
}
