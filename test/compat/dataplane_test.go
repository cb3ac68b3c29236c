package compat

import (
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
	"github.com/adit-project/adit/internal/wire"
)

// dialPeer connects a scripted peer to the instance's data plane.
func dialPeer(t *testing.T, in *servertest.Instance, mode, token, clientToken string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{"Access-Token": {token}}
	if clientToken != "" {
		h.Set("Client-Token", clientToken)
	}
	d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol3}, HandshakeTimeout: 10 * time.Second}
	c, resp, err := d.Dial(in.WSURL(mode), h)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

func readMsg(t *testing.T, c *websocket.Conn) wire.Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.BinaryMessage || len(b) < 2 || int(binary.BigEndian.Uint16(b)) != len(b)-2 {
		t.Fatalf("read: type %d, %d bytes: want one length-prefixed tunnel message", typ, len(b))
	}
	var m wire.Message
	if err := m.Unmarshal(b[2:]); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func sendMsg(t *testing.T, c *websocket.Conn, m wire.Message) {
	t.Helper()
	b, err := wire.AppendFrame(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// closeCode waits for the server's Close frame and returns its code and text.
func closeCode(t *testing.T, c *websocket.Conn) (int, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Text
		}
		if err != nil {
			t.Fatalf("want a Close frame, got %v", err)
		}
	}
}

func connState(t *testing.T, in *servertest.Instance, id, member string) string {
	return describe(t, in, id)[member].(map[string]any)["status"].(string)
}

// TestDataPlaneThroughTunneld pairs two scripted peers through a real
// tunneld: SERVICE_IDS, relaying, live connection states, single-use
// tokens, rotation and close.
func TestDataPlaneThroughTunneld(t *testing.T) {
	t.Parallel()
	in := servertest.Start(t, server.Config{})
	tun := in.OpenTunnel(t, "SSH")

	src, _, err := dialPeer(t, in, "source", tun.SourceAccessToken, "")
	if err != nil {
		t.Fatalf("source upgrade: %v", err)
	}
	if src.Subprotocol() != wire.Subprotocol3 {
		t.Errorf("subprotocol = %q, want %q", src.Subprotocol(), wire.Subprotocol3)
	}
	if m := readMsg(t, src); m.Type != wire.TypeServiceIDs || len(m.AvailableServiceIDs) != 1 || m.AvailableServiceIDs[0] != "SSH" {
		t.Fatalf("first message to source = %+v, want SERVICE_IDS [SSH]", m)
	}
	const clientToken = "0123456789abcdef0123456789abcdef-dst"
	dst, _, err := dialPeer(t, in, "destination", tun.DestinationAccessToken, clientToken)
	if err != nil {
		t.Fatalf("destination upgrade: %v", err)
	}
	readMsg(t, dst) // SERVICE_IDS
	if s := connState(t, in, tun.TunnelID, "sourceConnectionState"); s != "CONNECTED" {
		t.Errorf("sourceConnectionState = %s, want CONNECTED", s)
	}
	if s := connState(t, in, tun.TunnelID, "destinationConnectionState"); s != "CONNECTED" {
		t.Errorf("destinationConnectionState = %s, want CONNECTED", s)
	}

	sendMsg(t, src, wire.Message{Type: wire.TypeStreamStart, StreamID: 1, ServiceID: "SSH", ConnectionID: 1})
	if m := readMsg(t, dst); m.Type != wire.TypeStreamStart || m.StreamID != 1 {
		t.Fatalf("destination got %+v, want STREAM_START 1", m)
	}
	sendMsg(t, dst, wire.Message{Type: wire.TypeData, StreamID: 1, ServiceID: "SSH", ConnectionID: 1, Payload: []byte("hello")})
	if m := readMsg(t, src); m.Type != wire.TypeData || string(m.Payload) != "hello" {
		t.Fatalf("source got %+v, want DATA hello", m)
	}

	// A used source token without a client token cannot be used again.
	_, resp, err := dialPeer(t, in, "source", tun.SourceAccessToken, "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("second use of a single-use token: err %v, resp %v; want 400", err, resp)
	}

	// Rotating the destination token disconnects the destination (D8).
	var rot map[string]any
	in.MustCall(t, "RotateTunnelAccessToken", map[string]any{"tunnelId": tun.TunnelID, "clientMode": "DESTINATION"}, &rot)
	if code, _ := closeCode(t, dst); code != 1008 {
		t.Errorf("close code after rotation = %d, want 1008", code)
	}
	if _, resp, err := dialPeer(t, in, "destination", tun.DestinationAccessToken, clientToken); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("revoked token reconnect: err %v, resp %v; want 400", err, resp)
	}
	// The client token bound to the revoked token stays taken (docs/PROTOCOL.md
	// §1.8); the new token connects with another one.
	newDst, _ := rot["destinationAccessToken"].(string)
	if _, resp, err := dialPeer(t, in, "destination", newDst, clientToken); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(resp.Header.Get("X-Status-Reason"), "client token") {
		t.Errorf("new token with the revoked token's client token: err %v, resp %v; want 400 naming the client token", err, resp)
	}
	if c, _, err := dialPeer(t, in, "destination", newDst, clientToken+"-2"); err != nil {
		t.Errorf("new token with a new client token: %v", err)
	} else if m := readMsg(t, c); m.Type != wire.TypeServiceIDs {
		t.Errorf("first message after rotation = %v, want SERVICE_IDS", m.Type)
	}

	// CloseTunnel closes the source with 1000.
	in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
	if code, _ := closeCode(t, src); code != 1000 {
		t.Errorf("close code after CloseTunnel = %d, want 1000", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for connState(t, in, tun.TunnelID, "sourceConnectionState") != "DISCONNECTED" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := connState(t, in, tun.TunnelID, "sourceConnectionState"); s != "DISCONNECTED" {
		t.Errorf("sourceConnectionState after close = %s, want DISCONNECTED", s)
	}
}
