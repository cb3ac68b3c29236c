package relay

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

func TestFragmentedMessageWithInterleavedPing(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair("SSH")
	start := startSSH(1, 1)
	data := wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: bytes.Repeat([]byte("0123456789"), 5000)}
	b := frames(start, data)
	// Beast-style 4096-byte fragments, with a ping between two of them.
	for i, off := 0, 0; off < len(b); i++ {
		end := min(off+4096, len(b))
		op := byte(opContinuation)
		if off == 0 {
			op = opBinary
		}
		src.writeFrame(end == len(b), op, b[off:end])
		if i == 2 {
			src.writeFrame(true, opPing, []byte("1700000000123"))
		}
		off = end
	}
	if op, p, err := src.readFrame(); err != nil || op != opPong || string(p) != "1700000000123" {
		t.Fatalf("got %#x %q %v, want the pong", op, p, err)
	}
	dst.expectMsg(start)
	dst.expectMsg(data)
}

func TestTunnelFramesAcrossWebSocketMessages(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair("SSH")
	ms := []wire.Message{
		startSSH(1, 1),
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("a")},
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: bytes.Repeat([]byte("b"), 1000)},
		{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("c")},
	}
	b := frames(ms...)
	// Three WebSocket messages cut at odd places: inside a length prefix
	// and inside a message; one carries several tunnel messages.
	src.writeFrame(true, opBinary, b[:1])
	src.writeFrame(true, opBinary, b[1:30])
	src.writeFrame(true, opBinary, b[30:])
	for _, m := range ms {
		dst.expectMsg(m) // one tunnel message per WebSocket message (D18)
	}
	// Empty data frames are harmless.
	src.writeFrame(false, opBinary, nil)
	src.writeFrame(true, opContinuation, frames(ms[3]))
	dst.expectMsg(ms[3])
}

func TestPingsEchoedByteForByte(t *testing.T) {
	e := newEnv(t, Config{})
	_, src, dst := e.pair()
	payloads := [][]byte{{}, []byte("1700000000123"), {0x00, 0xFF, 0x80, 0x7F}, bytes.Repeat([]byte{0xC3}, 125)}
	for _, p := range payloads {
		src.writeFrame(true, opPing, p)
	}
	// Pongs from the client are not answered; messages keep flowing. The
	// only frames the source sees are the four pongs, in order, then the
	// relayed message: the relay never pings and never pongs unasked.
	src.writeFrame(true, opPong, []byte("unsolicited"))
	v1 := wire.Message{Type: wire.TypeStreamStart, StreamID: 1}
	src.send(v1)
	dst.expectMsg(v1)
	dst.send(wire.Message{Type: wire.TypeData, StreamID: 1, Payload: []byte("x")})
	for _, want := range payloads {
		op, p, err := src.readFrame()
		if err != nil || op != opPong || !bytes.Equal(p, want) {
			t.Fatalf("got %#x %x %v, want pong %x", op, p, err, want)
		}
	}
	if m := src.recv(); m.Type != wire.TypeData {
		t.Fatalf("got %+v, want DATA", m)
	}
	// The destination saw no control frame at all.
	dst.writeFrame(true, opPing, []byte("d"))
	if op, p, err := dst.readFrame(); err != nil || op != opPong || string(p) != "d" {
		t.Fatalf("got %#x %q %v, want pong", op, p, err)
	}
}

// violationCase is a client sending bytes that break one rule.
type violationCase struct {
	name    string
	sub     string // subprotocol of the sender; default 3.0
	fromDst bool
	prelude []wire.Message // valid messages from the source first
	raw     []byte         // raw WebSocket bytes the sender writes
	rule    wire.Rule
}

func msgFrame(ms ...wire.Message) []byte { return clientFrame(true, opBinary, frames(ms...)) }

func rawTunnelFrame(hexless []byte) []byte {
	return clientFrame(true, opBinary, append([]byte{byte(len(hexless) >> 8), byte(len(hexless))}, hexless...))
}

func unmasked(op byte, p []byte) []byte {
	return append([]byte{wsframe.BitFin | op, byte(len(p))}, p...)
}

func TestViolations(t *testing.T) {
	d := func(svc string, stream int32, conn uint32) wire.Message {
		return wire.Message{Type: wire.TypeData, StreamID: stream, ServiceID: svc, ConnectionID: conn, Payload: []byte("x")}
	}
	v1start := wire.Message{Type: wire.TypeStreamStart, StreamID: 1}
	v2start := wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH"}
	hugeFrame := append([]byte{wsframe.BitFin | opBinary, wsframe.BitMask | 127, 0, 0, 0, 0, 0, 2, 0, 5, 1, 2, 3, 4}, make([]byte, 8)...)
	cases := []violationCase{
		{name: "type_zero", raw: msgFrame(wire.Message{StreamID: 1}), rule: wire.RuleTypeZero},
		{name: "session_reset", raw: msgFrame(wire.Message{Type: wire.TypeSessionReset}), rule: wire.RuleServiceOnlyType},
		{name: "service_ids", fromDst: true, raw: msgFrame(wire.Message{Type: wire.TypeServiceIDs}), rule: wire.RuleServiceOnlyType},
		{name: "start_from_destination", fromDst: true, raw: msgFrame(startSSH(2, 1)), rule: wire.RuleSourceOnlyType},
		{name: "conn_start_from_destination", fromDst: true, prelude: []wire.Message{startSSH(1, 1)}, raw: msgFrame(wire.Message{Type: wire.TypeConnectionStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 2}), rule: wire.RuleSourceOnlyType},
		{name: "stream_id_zero", raw: msgFrame(wire.Message{Type: wire.TypeStreamStart, ServiceID: "SSH", ConnectionID: 1}), rule: wire.RuleStreamIDZero},
		{name: "payload_too_large", prelude: []wire.Message{startSSH(1, 1)}, raw: msgFrame(wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: make([]byte, wire.MaxPayload+1)}), rule: wire.RulePayloadTooLarge},
		{name: "unknown_type", raw: msgFrame(wire.Message{Type: 9, StreamID: 1}), rule: wire.RuleUnknownType},
		{name: "unexpected_field", raw: rawTunnelFrame([]byte{0x08, 0x01, 0x10, 0x01, 0x40, 0x01}), rule: wire.RuleUnexpectedField},
		{name: "malformed", raw: rawTunnelFrame([]byte{0x08}), rule: wire.RuleMalformed},
		{name: "truncated_field", raw: rawTunnelFrame([]byte{0x08, 0x01, 0x22, 0x05, 0x68}), rule: wire.RuleMalformed},
		{name: "zero_length", raw: clientFrame(true, opBinary, []byte{0, 0}), rule: wire.RuleZeroLength},
		{name: "unknown_service", raw: msgFrame(wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "FTP", ConnectionID: 1}), rule: wire.RuleUnknownService},
		{name: "service_not_started", raw: msgFrame(d("SSH", 1, 1)), rule: wire.RuleServiceNotStarted},
		{name: "service_not_started_from_destination", fromDst: true, raw: msgFrame(d("SSH", 1, 1)), rule: wire.RuleServiceNotStarted},
		{name: "with_service_on_v1_stream", prelude: []wire.Message{v1start}, raw: msgFrame(d("SSH", 1, 0)), rule: wire.RuleMixedServiceIDs},
		{name: "without_service_on_v2_stream", fromDst: true, prelude: []wire.Message{v2start}, raw: msgFrame(d("", 1, 0)), rule: wire.RuleMixedServiceIDs},
		{name: "mixed_start_formats", prelude: []wire.Message{startSSH(1, 1)}, raw: msgFrame(v1start), rule: wire.RuleMixedServiceIDs},
		{name: "mixed_start_conn_ids", prelude: []wire.Message{startSSH(1, 1)}, raw: msgFrame(v2start), rule: wire.RuleMixedConnectionIDs},
		{name: "conn_id_on_v2_stream", fromDst: true, prelude: []wire.Message{v2start}, raw: msgFrame(d("SSH", 1, 1)), rule: wire.RuleMixedConnectionIDs},
		{name: "conn_start_on_v2_stream", prelude: []wire.Message{v2start}, raw: msgFrame(wire.Message{Type: wire.TypeConnectionStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 2}), rule: wire.RuleMixedConnectionIDs},
		{name: "no_conn_id_on_v3_stream", fromDst: true, prelude: []wire.Message{startSSH(1, 1)}, raw: msgFrame(d("SSH", 1, 0)), rule: wire.RuleMixedConnectionIDs},
		{name: "service_id_from_v1_peer", sub: wire.Subprotocol1, raw: msgFrame(v2start), rule: wire.RuleUnexpectedField},
		{name: "conn_id_from_v2_peer", sub: wire.Subprotocol2, raw: msgFrame(startSSH(1, 1)), rule: wire.RuleUnexpectedField},
		{name: "conn_reset_from_v2_peer", sub: wire.Subprotocol2, prelude: []wire.Message{v2start}, raw: msgFrame(wire.Message{Type: wire.TypeConnectionReset, StreamID: 1, ServiceID: "SSH"}), rule: wire.RuleUnexpectedField},
		{name: "text_frame", raw: clientFrame(true, opText, []byte("hi")), rule: wire.RuleTextFrame},
		{name: "frame_too_large", raw: hugeFrame, rule: wire.RuleFrameTooLarge},
		{name: "message_too_large", raw: append(clientFrame(false, opBinary, append([]byte{0xFF, 0xFF}, make([]byte, 60000)...)), clientFrame(true, opContinuation, make([]byte, 72000))...), rule: wire.RuleFrameTooLarge},
		{name: "unmasked", raw: unmasked(opBinary, frames(startSSH(1, 1))), rule: ruleWebSocket},
		{name: "reserved_bits", raw: func() []byte { f := msgFrame(startSSH(1, 1)); f[0] |= 0x40; return f }(), rule: ruleWebSocket},
		{name: "reserved_opcode", raw: clientFrame(true, 0x3, nil), rule: ruleWebSocket},
		{name: "bad_continuation", raw: clientFrame(true, opContinuation, []byte{0, 2}), rule: ruleWebSocket},
		{name: "fragmented_ping", raw: clientFrame(false, opPing, nil), rule: ruleWebSocket},
		{name: "close_one_byte", raw: clientFrame(true, opClose, []byte{3}), rule: ruleWebSocket},
		{name: "truncated_at_close", raw: append(clientFrame(true, opBinary, []byte{0, 9, 8}), clientFrame(true, opClose, []byte{3, 0xE8})...), rule: wire.RuleTruncatedFrameAtEOF},
	}
	e := newEnv(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			se := *e
			se.t = t
			runViolation(t, &se, c)
		})
	}
	if out := scrape(t, e.srv); !strings.Contains(out, `adit_relay_protocol_violations_total{rule="mixed_connection_ids"} 4`+"\n") {
		t.Errorf("metrics lack the violations:\n%s", out)
	}
}

func runViolation(t *testing.T, e *env, c violationCase) {
	_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})
	sub := c.sub
	if sub == "" {
		sub = wire.Subprotocol3
	}
	subs := func(fromThis bool) []string {
		if fromThis {
			return []string{sub}
		}
		return nil
	}
	dst := e.mustDial("destination", dt, dialOpts{subprotocols: subs(c.fromDst)})
	src := e.mustDial("source", st, dialOpts{subprotocols: subs(!c.fromDst)})
	for _, cl := range []*client{src, dst} {
		if cl.resp.Header.Get("Sec-WebSocket-Protocol") != wire.Subprotocol1 {
			cl.recv() // SERVICE_IDS
		}
	}
	for _, m := range c.prelude {
		src.send(m)
		dst.expectMsg(m)
	}
	bad, other := src, dst
	if c.fromDst {
		bad, other = dst, src
	}
	if _, err := bad.conn.Write(c.raw); err != nil {
		t.Fatal(err)
	}
	want := "protocol violation: " + string(c.rule)
	if c.rule == wire.RuleTruncatedFrameAtEOF {
		// The client closed first; the relay answers with the violation.
		op, p, err := bad.readFrame()
		if err != nil || op != opClose || string(p) != "\x03\xea"+want {
			t.Fatalf("got %#x %q %v, want Close 1002 %q", op, p, err, want)
		}
	} else {
		bad.expectClose(1002, want)
	}
	// The other peer gets STREAM_RESET for the active stream (D7).
	if len(c.prelude) > 0 {
		p := c.prelude[0]
		other.expectMsg(wire.Message{Type: wire.TypeStreamReset, StreamID: p.StreamID, ServiceID: p.ServiceID})
	}
	other.closeNormally()
}

func TestGorillaClient(t *testing.T) {
	// An independent client implementation: gorilla/websocket.
	e := newEnv(t, Config{})
	_, st, dt := e.auth.open([]string{"SSH"}, time.Time{})
	dial := func(mode, token string) *websocket.Conn {
		d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol3}, HandshakeTimeout: ioTimeout}
		h := http.Header{"access-token": {token}}
		c, resp, err := d.Dial("ws://"+e.addr()+"/tunnel?local-proxy-mode="+mode, h)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		if resp.Header.Get("Sec-WebSocket-Protocol") != wire.Subprotocol3 {
			t.Fatalf("subprotocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, p, err := c.ReadMessage(); err != nil || !bytes.Equal(p, frames(wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: []string{"SSH"}})) {
			t.Fatalf("SERVICE_IDS: %x %v", p, err)
		}
		return c
	}
	dst, src := dial("destination", dt), dial("source", st)
	pong := make(chan string, 1)
	src.SetPongHandler(func(s string) error { pong <- s; return nil })
	if err := src.WriteControl(websocket.PingMessage, []byte("42"), time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	msg := frames(startSSH(1, 1), wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: make([]byte, 60000)})
	if err := src.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		t.Fatal(err)
	}
	go src.ReadMessage() // runs the pong handler; ends when the test closes src
	if got := <-pong; got != "42" {
		t.Errorf("pong %q", got)
	}
	var got []byte
	for range 2 {
		_, p, err := dst.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, msg) {
		t.Error("relayed bytes differ")
	}
	dst.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	if _, _, err := dst.ReadMessage(); !websocket.IsCloseError(err, 1000) {
		t.Errorf("close reply: %v", err)
	}
}
