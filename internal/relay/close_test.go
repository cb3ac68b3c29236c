package relay

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

func startSSH(stream int32, conn uint32) wire.Message {
	return wire.Message{Type: wire.TypeStreamStart, StreamID: stream, ServiceID: "SSH", ConnectionID: conn}
}

func resetMsg(stream int32, svc string) wire.Message {
	return wire.Message{Type: wire.TypeStreamReset, StreamID: stream, ServiceID: svc}
}

func TestReplacement(t *testing.T) {
	e := newEnv(t, Config{})
	id, st, dt := e.auth.open([]string{"SSH", "VNC"}, time.Time{})
	dst := e.mustDial("destination", dt, dialOpts{})
	dst.expectServiceIDs("SSH", "VNC")
	src := e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
	src.expectServiceIDs("SSH", "VNC")
	e.states.waitFor(t, id+":destination:true", id+":source:true")
	for _, m := range []wire.Message{startSSH(4, 1), {Type: wire.TypeStreamStart, StreamID: 9, ServiceID: "VNC", ConnectionID: 1}} {
		src.send(m)
		dst.expectMsg(m)
	}

	// Same token and client token again while the old socket is open (D2).
	src2 := e.mustDial("source", st, dialOpts{clientToken: clientTokenA})
	src.expectClose(1008, "replaced by a new connection")
	dst.expectMsg(resetMsg(4, "SSH"))
	dst.expectMsg(resetMsg(9, "VNC"))
	src2.expectServiceIDs("SSH", "VNC")

	// The newcomer relays; a replacement changes no connection state.
	m := startSSH(1, 1)
	src2.send(m)
	dst.expectMsg(m)
	dst.send(wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("x")})
	if got := src2.recv(); got.Type != wire.TypeData {
		t.Fatalf("got %+v, want DATA", got)
	}
	e.states.waitFor(t, id+":destination:true", id+":source:true")
}

func TestRevoke(t *testing.T) {
	e := newEnv(t, Config{})
	id, src, dst := e.pair("SSH")
	src.send(startSSH(1, 1))
	dst.expectMsg(startSSH(1, 1))
	e.srv.Revoke(id, tunnel.ModeDestination)
	dst.expectClose(1008, "access token revoked")
	src.expectMsg(resetMsg(1, "SSH"))
	// The source stays; the destination's state is recorded.
	e.states.waitFor(t, id+":destination:true", id+":source:true", id+":destination:false")
	src.send(wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1})
	src.closeNormally()
}

func TestCloseTunnel(t *testing.T) {
	e := newEnv(t, Config{})
	id, src, dst := e.pair()
	e.srv.CloseTunnel(id, false)
	src.expectClose(1000, "tunnel closed")
	dst.expectClose(1000, "tunnel closed")
	e.states.waitForAnyOrder(t, id+":destination:true", id+":source:true", id+":source:false", id+":destination:false")
}

// The timer tests run in a synctest bubble over pipes: virtual time
// advances only when every goroutine waits, so each timer is checked to
// fire exactly when due, without the test waiting for it.

func TestExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, Config{})
		start := time.Now()
		_, st, dt := e.auth.open(nil, start.Add(300*time.Millisecond))
		src := e.mustDial("source", st, dialOpts{})
		dst := e.mustDial("destination", dt, dialOpts{})
		src.expectClose(1000, "tunnel expired")
		dst.expectClose(1000, "tunnel expired")
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Errorf("tunnel closed %v after it was opened to expire after 300ms", d)
		}
	})
}

func TestIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, Config{IdleTimeout: 200 * time.Millisecond})
		_, src, dst := e.pair()
		start := time.Now()
		src.expectClose(1001, "idle timeout")
		dst.expectClose(1001, "idle timeout")
		if d := time.Since(start); d != 200*time.Millisecond {
			t.Errorf("idle peers closed after %v, want the 200ms idle timeout", d)
		}
	})
}

func TestIdleTimeoutResetByTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, Config{IdleTimeout: 300 * time.Millisecond})
		_, st, _ := e.auth.open(nil, time.Time{})
		src := e.mustDial("source", st, dialOpts{})
		src.expectServiceIDs()
		// Pings count as traffic: five pings 250ms apart (over 1s in all)
		// outlive the 300ms timeout, which then runs from the last one.
		for i := range 5 {
			time.Sleep(250 * time.Millisecond)
			src.writeFrame(true, opPing, []byte{byte(i)})
			if op, p, err := src.readFrame(); err != nil || op != opPong || p[0] != byte(i) {
				t.Fatalf("ping %d: %#x %x %v", i, op, p, err)
			}
		}
		last := time.Now()
		src.expectClose(1001, "idle timeout")
		if d := time.Since(last); d != 300*time.Millisecond {
			t.Errorf("closed %v after the last ping, want the 300ms idle timeout", d)
		}
	})
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair()
	_, src2, dst2 := e.pair()
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(context.Background()) }()
	for _, c := range []*client{src, dst, src2, dst2} {
		c.expectClose(1001, "going away")
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	_, st, _ := e.auth.open(nil, time.Time{})
	c, resp := e.dial("source", st, dialOpts{})
	checkRejected(t, c, resp, http.StatusServiceUnavailable, "Service unavailable")
}

func TestShutdownForced(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, _ := e.pair()
	_ = src // never answers the Close frame
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
}

func TestAbsentPeer(t *testing.T) {
	e := newEnv(t, Config{})
	_, st, _ := e.auth.open([]string{"SSH"}, time.Time{})
	src := e.mustDial("source", st, dialOpts{})
	src.expectServiceIDs("SSH")
	// D5: starts are refused at once, data and resets are dropped.
	src.send(startSSH(1, 1), wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("lost")})
	src.expectMsg(resetMsg(1, "SSH"))
	src.send(wire.Message{Type: wire.TypeConnectionStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 2})
	src.expectMsg(wire.Message{Type: wire.TypeConnectionReset, StreamID: 1, ServiceID: "SSH", ConnectionID: 2})
	v1 := wire.Message{Type: wire.TypeStreamStart, StreamID: 5}
	_, st2, _ := e.auth.open(nil, time.Time{})
	src2 := e.mustDial("source", st2, dialOpts{subprotocols: []string{wire.Subprotocol1}})
	src2.send(v1)
	src2.expectMsg(wire.Message{Type: wire.TypeStreamReset, StreamID: 5})
	if got := e.srv.met.dropped.Load(); got != 4 {
		t.Errorf("dropped = %d, want 4", got)
	}
}

func TestPeerLeaveResetsStreams(t *testing.T) {
	e := newEnv(t, Config{})
	id, src, dst := e.pair("SSH", "VNC")
	for _, m := range []wire.Message{startSSH(2, 1), {Type: wire.TypeStreamStart, StreamID: 3, ServiceID: "VNC", ConnectionID: 1}} {
		src.send(m)
		dst.expectMsg(m)
	}
	dst.send(resetMsg(3, "VNC")) // VNC ends; only SSH stays active
	src.expectMsg(resetMsg(3, "VNC"))
	dst.closeNormally()
	src.expectMsg(resetMsg(2, "SSH"))
	e.states.waitFor(t, id+":destination:true", id+":source:true", id+":destination:false")

	// A destination that drops TCP without a Close frame counts too.
	_, src2, dst2 := e.pair()
	v1 := wire.Message{Type: wire.TypeStreamStart, StreamID: 8}
	src2.send(v1)
	dst2.expectMsg(v1)
	dst2.conn.Close()
	src2.expectMsg(wire.Message{Type: wire.TypeStreamReset, StreamID: 8})
}
