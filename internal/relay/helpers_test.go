package relay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/looptest"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
	"github.com/adit-project/adit/internal/wsframe"
)

// ioTimeout bounds every blocking step of a test client.
const ioTimeout = 10 * time.Second

// fakeAuth is an in-memory Authenticator with the token semantics of
// docs/PROTOCOL.md §3.3.
type fakeAuth struct {
	mu           sync.Mutex
	tokens       map[string]*fakeToken
	clientTokens map[string]string // client token -> access token
	closed       map[string]bool
	fail         error
	claims       int
	hold         func() // when set, called at the start of every Claim
}

type fakeToken struct {
	tunnelID    string
	mode        tunnel.Mode
	used        bool
	clientToken string
	services    []string
	expires     time.Time
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{tokens: map[string]*fakeToken{}, clientTokens: map[string]string{}, closed: map[string]bool{}}
}

func (a *fakeAuth) Claim(_ context.Context, token string, m tunnel.Mode, ct string) (Grant, error) {
	if a.hold != nil {
		a.hold()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.claims++
	if a.fail != nil {
		return Grant{}, a.fail
	}
	t := a.tokens[token]
	switch {
	case t == nil || t.mode != m:
		return Grant{}, ErrTokenInvalid
	case a.closed[t.tunnelID]:
		return Grant{}, ErrTunnelClosed
	case ct == "" && t.used, ct != "" && t.used && t.clientToken == "":
		return Grant{}, ErrTokenUsed
	case ct != "" && t.clientToken != "" && t.clientToken != ct:
		return Grant{}, ErrClientTokenMismatch
	case ct != "" && t.clientToken == "" && a.clientTokens[ct] != "":
		return Grant{}, ErrClientTokenInUse
	}
	t.used = true
	if ct != "" && t.clientToken == "" {
		t.clientToken = ct
		a.clientTokens[ct] = token
	}
	return Grant{TunnelID: t.tunnelID, Services: t.services, ExpiresAt: t.expires}, nil
}

// open creates a tunnel and returns its id and source/destination tokens.
func (a *fakeAuth) open(services []string, expires time.Time) (id, src, dst string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id = tunnel.NewID()
	src, dst = tunnel.NewToken(), tunnel.NewToken()
	a.tokens[src] = &fakeToken{tunnelID: id, mode: tunnel.ModeSource, services: services, expires: expires}
	a.tokens[dst] = &fakeToken{tunnelID: id, mode: tunnel.ModeDestination, services: services, expires: expires}
	return id, src, dst
}

func (a *fakeAuth) claimCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.claims
}

// fakeStates records SetConnState calls.
type fakeStates struct {
	mu     sync.Mutex
	events []string
	change chan struct{}
}

func (f *fakeStates) SetConnState(_ context.Context, id string, m tunnel.Mode, connected bool, _ time.Time) error {
	f.mu.Lock()
	f.events = append(f.events, fmt.Sprintf("%s:%s:%v", id, m, connected))
	f.mu.Unlock()
	select {
	case f.change <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeStates) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

// waitFor waits until the recorded events equal want.
func (f *fakeStates) waitFor(t testing.TB, want ...string) {
	t.Helper()
	f.wait(t, false, want)
}

// waitForAnyOrder is waitFor for events whose order is not determined.
func (f *fakeStates) waitForAnyOrder(t testing.TB, want ...string) {
	t.Helper()
	f.wait(t, true, want)
}

func (f *fakeStates) wait(t testing.TB, sorted bool, want []string) {
	t.Helper()
	if sorted {
		want = slices.Sorted(slices.Values(want))
	}
	deadline := time.After(ioTimeout)
	for {
		got := f.list()
		if sorted {
			slices.Sort(got)
		}
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		select {
		case <-f.change:
		case <-deadline:
			t.Fatalf("connection states = %v, want %v", got, want)
		}
	}
}

// env is a relay behind an httptest server.
type env struct {
	t      testing.TB
	srv    *Server
	http   *httptest.Server       // nil for an env on pipes (newPipeEnv)
	pipes  *looptest.PipeListener // set for an env on pipes
	auth   *fakeAuth
	states *fakeStates
}

func newEnv(t testing.TB, cfg Config) *env { return newEnvTLS(t, cfg, false) }

// newEnvTLS is newEnv with the relay behind TLS when useTLS is set.
func newEnvTLS(t testing.TB, cfg Config, useTLS bool) *env {
	t.Helper()
	e := &env{t: t, auth: newFakeAuth(), states: &fakeStates{change: make(chan struct{}, 1)}}
	cfg.Auth, cfg.States = e.auth, e.states
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.closeGrace = 2 * time.Second
	e.srv = srv
	e.http = httptest.NewUnstartedServer(srv)
	if useTLS {
		e.http.StartTLS()
	} else {
		e.http.Start()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.http.Close()
	})
	return e
}

func (e *env) addr() string { return e.http.Listener.Addr().String() }

// dialOpts shape an upgrade request.
type dialOpts struct {
	path         string   // default /tunnel?local-proxy-mode=<mode>
	subprotocols []string // default 3.0
	clientToken  string
	cookie       bool     // token as cookie instead of header
	extra        []string // raw header lines
	noUpgrade    bool
}

// client is a hand-written WebSocket client: it masks frames, can
// fragment messages and interleave control frames, and sees every frame.
type client struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	resp *http.Response
}

// dial sends an upgrade request; on 101 it returns a client, otherwise
// the response with its body read.
func (e *env) dial(mode, token string, o dialOpts) (*client, *http.Response) {
	e.t.Helper()
	if o.path == "" {
		o.path = "/tunnel?local-proxy-mode=" + mode
	}
	if o.subprotocols == nil {
		o.subprotocols = []string{wire.Subprotocol3}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", o.path) // no port, as the reference proxy sends
	if !o.noUpgrade {
		b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\n", base64.StdEncoding.EncodeToString(key))
	if len(o.subprotocols) > 0 {
		fmt.Fprintf(&b, "Sec-WebSocket-Protocol: %s\r\n", strings.Join(o.subprotocols, ", "))
	}
	if token != "" && o.cookie {
		fmt.Fprintf(&b, "Cookie: %s=%s\r\n", cookieAccessToken, token)
	} else if token != "" {
		fmt.Fprintf(&b, "access-token: %s\r\n", token)
	}
	if o.clientToken != "" {
		fmt.Fprintf(&b, "client-token: %s\r\n", o.clientToken)
	}
	for _, l := range o.extra {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	return e.dialRaw(b.String())
}

func (e *env) dialRaw(req string) (*client, *http.Response) {
	e.t.Helper()
	var conn net.Conn
	var err error
	if e.pipes != nil {
		conn, err = e.pipes.Dial()
	} else {
		conn, err = net.DialTimeout("tcp", e.addr(), ioTimeout)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if e.http != nil && e.http.TLS != nil {
		cfg := e.http.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		cfg.ServerName = "example.com"
		tc := tls.Client(conn, cfg)
		if err := tc.Handshake(); err != nil {
			e.t.Fatal(err)
		}
		conn = tc
	}
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(conn, req); err != nil {
		e.t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		e.t.Fatalf("read upgrade response: %v", err)
	}
	c := &client{t: e.t, conn: conn, br: br, resp: resp}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		conn.Close()
		return nil, resp
	}
	e.t.Cleanup(func() { conn.Close() })
	return c, resp
}

// mustDial dials and fails the test unless the upgrade succeeds.
func (e *env) mustDial(mode, token string, o dialOpts) *client {
	e.t.Helper()
	c, resp := e.dial(mode, token, o)
	if c == nil {
		body, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("dial %s: status %d %q", mode, resp.StatusCode, body)
	}
	return c
}

// writeFrame writes one masked frame.
func (c *client) writeFrame(fin bool, op byte, payload []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(clientFrame(fin, op, payload)); err != nil {
		c.t.Fatalf("write frame: %v", err)
	}
}

// clientFrame encodes a masked client frame with a random key.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	var key [4]byte
	rand.Read(key[:])
	return clientFrameKey(fin, op, payload, key)
}

// clientFrameKey encodes a client frame masked with key.
func clientFrameKey(fin bool, op byte, payload []byte, key [4]byte) []byte {
	f := wsframe.AppendClientFrame(nil, op, payload, key)
	if !fin {
		f[0] &^= wsframe.BitFin
	}
	return f
}

// send writes the messages as one binary WebSocket message.
func (c *client) send(ms ...wire.Message) {
	c.t.Helper()
	c.writeFrame(true, opBinary, frames(ms...))
}

// frames encodes messages as consecutive tunnel frames.
func frames(ms ...wire.Message) []byte {
	var b []byte
	for i := range ms {
		var err error
		if b, err = wire.AppendFrame(b, &ms[i]); err != nil {
			panic(err)
		}
	}
	return b
}

// readFrame reads one server frame and checks it is unmasked and final.
func (c *client) readFrame() (op byte, payload []byte, err error) {
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	if h[0]&wsframe.BitFin == 0 || h[0]&wsframe.BitsRsv != 0 || h[1]&wsframe.BitMask != 0 {
		return 0, nil, fmt.Errorf("bad server frame header %x", h)
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(c.br, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(c.br, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	if err != nil {
		return 0, nil, err
	}
	if n > wire.MaxWSMessage {
		return 0, nil, fmt.Errorf("server frame of %d bytes", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(c.br, payload)
	return h[0] & 0x0F, payload, err
}

// recv reads one binary message and checks it holds exactly one tunnel
// message (D18).
func (c *client) recv() wire.Message {
	c.t.Helper()
	m, _ := c.recvRaw()
	return m
}

func (c *client) recvRaw() (wire.Message, []byte) {
	c.t.Helper()
	op, p, err := c.readFrame()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if op != opBinary {
		c.t.Fatalf("got opcode %#x %q, want a binary message", op, p)
	}
	msg, rest, ok, err := wire.SplitFrame(p)
	if !ok || err != nil || len(rest) != 0 {
		c.t.Fatalf("binary message %x is not exactly one tunnel frame", p)
	}
	var m wire.Message
	if err := m.Unmarshal(msg); err != nil {
		c.t.Fatalf("unmarshal %x: %v", msg, err)
	}
	return m, p
}

// expectMsg reads one message and compares it with want.
func (c *client) expectMsg(want wire.Message) {
	c.t.Helper()
	got, raw := c.recvRaw()
	if w := frames(want); !bytes.Equal(raw, w) {
		c.t.Fatalf("got %+v (%x), want %+v (%x)", got, raw, want, w)
	}
}

// expectServiceIDs reads the SERVICE_IDS message.
func (c *client) expectServiceIDs(services ...string) {
	c.t.Helper()
	c.expectMsg(wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: services})
}

// expectClose reads until a Close frame, skipping binary messages, checks
// code and reason, answers it and closes the connection.
func (c *client) expectClose(code uint16, reason string) {
	c.t.Helper()
	for range 10000 {
		op, p, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("waiting for Close %d: %v", code, err)
		}
		if op == opBinary {
			continue
		}
		if op != opClose {
			c.t.Fatalf("got opcode %#x, want Close", op)
		}
		if len(p) < 2 || binary.BigEndian.Uint16(p) != code || string(p[2:]) != reason {
			c.t.Fatalf("Close payload %q, want %d %q", p, code, reason)
		}
		c.writeFrame(true, opClose, p[:2])
		c.expectEOF()
		return
	}
	c.t.Fatal("no Close frame")
}

// expectEOF checks the server closes the connection.
func (c *client) expectEOF() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, c.br); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		c.t.Fatalf("waiting for EOF: %v", err)
	}
	c.conn.Close()
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// closeNormally sends a Close frame and waits for the server's reply.
func (c *client) closeNormally() {
	c.t.Helper()
	c.writeFrame(true, opClose, []byte{0x03, 0xE8})
	for range 10000 {
		op, p, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("waiting for Close reply: %v", err)
		}
		if op == opClose {
			if len(p) < 2 || binary.BigEndian.Uint16(p) != 1000 {
				c.t.Fatalf("Close reply %x, want 1000", p)
			}
			c.expectEOF()
			return
		}
	}
}

// pair connects a source and a destination of a new tunnel and consumes
// their SERVICE_IDS.
func (e *env) pair(services ...string) (id string, src, dst *client) {
	e.t.Helper()
	id, st, dt := e.auth.open(services, time.Time{})
	dst = e.mustDial("destination", dt, dialOpts{})
	dst.expectServiceIDs(services...)
	src = e.mustDial("source", st, dialOpts{})
	src.expectServiceIDs(services...)
	return id, src, dst
}
