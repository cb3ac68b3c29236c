package relay

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without Auth succeeded")
	}
	if _, err := New(Config{Auth: newFakeAuth(), IdleTimeout: -1}); err == nil {
		t.Error("New with a negative timeout succeeded")
	}
	s, err := New(Config{Auth: newFakeAuth()})
	if err != nil {
		t.Fatal(err)
	}
	c := s.cfg
	if c.HandshakeTimeout != 10*time.Second || c.WriteTimeout != 30*time.Second || c.IdleTimeout != 30*time.Minute ||
		c.AttemptRate != 10 || c.AttemptBurst != 10 || c.MaxRequestBytes != 4096 || c.Now == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

var metricLine = regexp.MustCompile(`^adit_relay_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+$`)

func TestWriteMetrics(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair("SSH")
	m := startSSH(1, 1)
	src.send(m)
	dst.expectMsg(m)
	// The relay counts a read's messages when it has handled them all,
	// just after forwarding: a ping answered on a later read orders the
	// count before this test reads it.
	src.writeFrame(true, opPing, []byte("sync"))
	if op, p, err := src.readFrame(); err != nil || op != opPong || string(p) != "sync" {
		t.Fatalf("pong: %#x %q %v", op, p, err)
	}
	c, resp := e.dial("source", "adt1.unknown", dialOpts{})
	checkRejected(t, c, resp, 400, "Invalid access token")

	var b strings.Builder
	if err := e.srv.WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "# HELP adit_relay_") && !strings.HasPrefix(l, "# TYPE adit_relay_") && !metricLine.MatchString(l) {
			t.Errorf("bad exposition line %q", l)
		}
	}
	for _, want := range []string{
		"adit_relay_active_tunnels 1",
		`adit_relay_peers{mode="source",protocol_version="3"} 1`,
		`adit_relay_peers{mode="destination",protocol_version="3"} 1`,
		"adit_relay_handshakes_accepted_total 2",
		`adit_relay_handshakes_rejected_total{reason="token_invalid",code="400"} 1`,
		`adit_relay_relayed_messages_total{direction="source_to_destination"} 1`,
		`adit_relay_relayed_bytes_total{direction="source_to_destination"} 13`,
		"adit_relay_absent_peer_dropped_messages_total 0",
		`adit_relay_protocol_violations_total{rule="stream_id_zero"} 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// blockingAuth holds Claim until released, to race a close against a
// handshake.
type blockingAuth struct {
	*fakeAuth
	entered chan struct{}
	release chan struct{}
}

func (a *blockingAuth) Claim(ctx context.Context, token string, m tunnel.Mode, ct string) (Grant, error) {
	a.entered <- struct{}{}
	<-a.release
	return a.fakeAuth.Claim(ctx, token, m, ct)
}

func TestCloseOrRevokeDuringHandshake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		act    func(s *Server, id string)
		reason string
	}{
		{"close", func(s *Server, id string) { s.CloseTunnel(id, false) }, "Tunnel is closed"},
		{"revoke", func(s *Server, id string) { s.Revoke(id, tunnel.ModeSource) }, "Invalid access token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			ba := &blockingAuth{fakeAuth: e.auth, entered: make(chan struct{}), release: make(chan struct{})}
			e.srv.cfg.Auth = ba
			id, st, _ := e.auth.open(nil, time.Time{})
			type result struct {
				c    *client
				resp *http.Response
			}
			done := make(chan result, 1)
			go func() {
				se := *e
				se.t = &noFatal{T: t}
				c, resp := se.dial("source", st, dialOpts{})
				done <- result{c, resp}
			}()
			<-ba.entered
			tc.act(e.srv, id) // the claim below still succeeds
			close(ba.release)
			r := <-done
			checkRejected(t, r.c, r.resp, 400, tc.reason)
		})
	}
}

// noFatal lets a helper run outside the test goroutine: it turns Fatal
// into Error.
type noFatal struct{ *testing.T }

func (n *noFatal) Fatal(args ...any)                 { n.T.Error(args...) }
func (n *noFatal) Fatalf(format string, args ...any) { n.T.Errorf(format, args...) }

func TestLimiterSetBounded(t *testing.T) {
	l := newLimiterSet[int](1, 2, 100)
	now := time.Now()
	for i := range 1000 {
		l.allow(i, now)
	}
	if len(l.m) > 100 {
		t.Errorf("limiter map holds %d entries, want at most 100", len(l.m))
	}
	first, second, third := l.allow(5000, now), l.allow(5000, now), l.allow(5000, now)
	if !first || !second || third {
		t.Error("burst of 2 not enforced")
	}
	if !l.allow(5000, now.Add(time.Second)) {
		t.Error("limiter did not refill")
	}
}

func TestV1AndV2PeersWithV3(t *testing.T) {
	e := newEnv(t, Config{})
	// A 1.0 source (browser sample, no service ids) and a 3.0 destination.
	_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})
	dst := e.mustDial("destination", dt, dialOpts{})
	dst.expectServiceIDs("SSH")
	src := e.mustDial("source", st, dialOpts{subprotocols: []string{wire.Subprotocol1Alias}, cookie: true})
	v1 := []wire.Message{{Type: wire.TypeStreamStart, StreamID: 1, Ignorable: true}, {Type: wire.TypeData, StreamID: 1, Payload: []byte("ls\n"), Ignorable: true}}
	for _, m := range v1 {
		src.send(m)
		dst.expectMsg(m)
	}
	back := wire.Message{Type: wire.TypeData, StreamID: 1, Payload: []byte("a b\n")}
	dst.send(back)
	src.expectMsg(back)

	// A 2.0 source (service ids, no connection ids) and a 3.0 destination.
	_, st2, dt2 := e.auth.open([]string{"SSH", "VNC"}, time.Time{})
	dst2 := e.mustDial("destination", dt2, dialOpts{})
	dst2.expectServiceIDs("SSH", "VNC")
	src2 := e.mustDial("source", st2, dialOpts{subprotocols: []string{wire.Subprotocol2}})
	src2.expectServiceIDs("SSH", "VNC")
	v2 := []wire.Message{
		{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "VNC"},
		{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH"},
		{Type: wire.TypeData, StreamID: 1, ServiceID: "VNC", Payload: []byte("x")},
	}
	for _, m := range v2 {
		src2.send(m)
		dst2.expectMsg(m)
	}
	reply := wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", Payload: []byte("y")}
	dst2.send(reply)
	src2.expectMsg(reply)
}

func TestTombstonesBounded(t *testing.T) {
	s, err := New(Config{Auth: newFakeAuth()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxTombstones + 5000 {
		s.CloseTunnel(fmt.Sprint("t", i), false)
	}
	if n := len(s.hub.tombs); n > maxTombstones {
		t.Errorf("%d tombstones, want at most %d", n, maxTombstones)
	}
	if err := s.hub.admit("t70000", tunnel.ModeSource, 0); err != errTunnelGone {
		t.Errorf("recent tombstone lost: %v", err)
	}
}
