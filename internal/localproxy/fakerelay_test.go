package localproxy_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
	"github.com/gorilla/websocket"
)

// fakeRelay is a minimal relay for one tunnel, written for these tests
// (the project's relay package can replace it once it builds): token and
// client-token checks, SERVICE_IDS, verbatim forwarding one message per
// WebSocket message, STREAM_RESET to the survivor when a peer leaves, and
// hooks to misbehave.
type fakeRelay struct {
	t        testing.TB
	srv      *httptest.Server
	services []string

	mu       sync.Mutex
	tokens   map[string]tunnel.Mode // access token → mode
	bound    map[string]string      // access token → client token
	used     map[string]bool
	peers    map[tunnel.Mode]*fakePeer
	streams  map[string]int32 // service id → stream started by the source
	accepted map[tunnel.Mode]int
	reqs     []*http.Request // upgrade requests, without bodies
	changed  chan struct{}   // closed and replaced when a peer attaches
	closes   []string        // Close frames received, as "code reason"
	// reject, if set, may refuse an upgrade with a status and reason.
	reject func(m tunnel.Mode, n int) (int, string)
	// afterIDs, if set, runs after SERVICE_IDS is sent to a new peer (n
	// counts that mode's accepted connections from 1).
	afterIDs func(p *fakePeer, n int)
	wg       sync.WaitGroup
}

type fakePeer struct {
	mode tunnel.Mode
	ws   *websocket.Conn
	nc   net.Conn
	wmu  sync.Mutex
}

func (p *fakePeer) write(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.ws.WriteMessage(websocket.BinaryMessage, b)
}

func (p *fakePeer) send(m *wire.Message) error {
	b, err := wire.AppendFrame(nil, m)
	if err != nil {
		return err
	}
	return p.write(b)
}

func (p *fakePeer) close(code int, text string) {
	p.wmu.Lock()
	p.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, text))
	p.wmu.Unlock()
}

const (
	srcToken = "adt1.source-token"
	dstToken = "adt1.destination-token"
)

func newFakeRelay(t testing.TB, services ...string) *fakeRelay {
	return startFakeRelay(t, false, services)
}

// newFakeRelayTLS is newFakeRelay serving wss:// with a test certificate.
func newFakeRelayTLS(t testing.TB, services ...string) *fakeRelay {
	return startFakeRelay(t, true, services)
}

func startFakeRelay(t testing.TB, useTLS bool, services []string) *fakeRelay {
	r := &fakeRelay{t: t, services: services,
		tokens: map[string]tunnel.Mode{srcToken: tunnel.ModeSource, dstToken: tunnel.ModeDestination},
		bound:  map[string]string{}, used: map[string]bool{},
		peers: map[tunnel.Mode]*fakePeer{}, changed: make(chan struct{}), streams: map[string]int32{}, accepted: map[tunnel.Mode]int{}}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	if useTLS {
		r.srv.StartTLS()
	} else {
		r.srv.Start()
	}
	t.Cleanup(func() {
		r.srv.CloseClientConnections()
		r.srv.Close()
		r.mu.Lock()
		for _, p := range r.peers {
			p.nc.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

// url is the endpoint to give the proxies.
func (r *fakeRelay) url() string {
	if r.srv.TLS != nil {
		return "wss://" + r.srv.Listener.Addr().String()
	}
	return "ws://" + r.srv.Listener.Addr().String()
}

func refuse(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("X-Status-Reason", reason)
	http.Error(w, reason, status)
}

func (r *fakeRelay) serve(w http.ResponseWriter, req *http.Request) {
	mode, ok := tunnel.ParseMode(req.URL.Query().Get("local-proxy-mode"))
	tok, ct := req.Header.Get("access-token"), req.Header.Get("client-token")
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	want, known := r.tokens[tok]
	switch {
	case req.URL.Path != "/tunnel" || !ok:
		r.mu.Unlock()
		refuse(w, 400, "bad request")
		return
	case !known || want != mode:
		r.mu.Unlock()
		refuse(w, 400, "Invalid access token")
		return
	case r.bound[tok] != "" && r.bound[tok] != ct:
		r.mu.Unlock()
		refuse(w, 400, "Invalid client token: The provided client token does not match the client token that was previously set.")
		return
	case r.used[tok] && ct == "":
		r.mu.Unlock()
		refuse(w, 400, "Invalid access token: The access token was previously used and can not be used again.")
		return
	}
	r.accepted[mode]++
	n := r.accepted[mode]
	if r.reject != nil {
		if status, reason := r.reject(mode, n); status != 0 {
			r.mu.Unlock()
			refuse(w, status, reason)
			return
		}
	}
	r.used[tok], r.bound[tok] = true, ct
	r.mu.Unlock()
	up := websocket.Upgrader{Subprotocols: []string{wire.Subprotocol3, wire.Subprotocol2, wire.Subprotocol1},
		ReadBufferSize: 64 << 10, WriteBufferSize: 70 << 10}
	ws, err := up.Upgrade(w, req, http.Header{"Channel-Id": {"test-channel"}})
	if err != nil {
		return
	}
	p := &fakePeer{mode: mode, ws: ws, nc: ws.NetConn()}
	r.wg.Add(1)
	defer r.wg.Done()
	r.attach(p)
	if ws.Subprotocol() != wire.Subprotocol1 {
		p.send(&wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: r.services})
	}
	if r.afterIDs != nil {
		r.afterIDs(p, n)
	}
	r.pump(p)
	r.detach(p)
}

// attach registers p, replacing (1008) an older peer of its mode.
func (r *fakeRelay) attach(p *fakePeer) {
	r.mu.Lock()
	old := r.peers[p.mode]
	r.peers[p.mode] = p
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if old != nil {
		old.close(websocket.ClosePolicyViolation, "replaced by a new connection")
		old.nc.Close()
	}
}

// detach unregisters p and resets the survivor's streams.
func (r *fakeRelay) detach(p *fakePeer) {
	r.mu.Lock()
	if r.peers[p.mode] != p {
		r.mu.Unlock()
		return
	}
	delete(r.peers, p.mode)
	other := r.peers[other(p.mode)]
	streams := r.streams
	r.streams = map[string]int32{}
	r.mu.Unlock()
	if other == nil {
		return
	}
	for svc, id := range streams {
		other.send(&wire.Message{Type: wire.TypeStreamReset, StreamID: id, ServiceID: svc})
	}
}

func other(m tunnel.Mode) tunnel.Mode {
	if m == tunnel.ModeSource {
		return tunnel.ModeDestination
	}
	return tunnel.ModeSource
}

// pump forwards p's messages to the other peer until p's socket ends.
func (r *fakeRelay) pump(p *fakePeer) {
	var buf []byte
	for {
		typ, rd, err := p.ws.NextReader()
		if ce := (*websocket.CloseError)(nil); errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
			r.mu.Lock()
			r.closes = append(r.closes, fmt.Sprint(ce.Code, " ", ce.Text))
			r.mu.Unlock()
		}
		if err != nil {
			return
		}
		if typ != websocket.BinaryMessage {
			p.close(websocket.CloseProtocolError, "text frame")
			return
		}
		if buf, err = readAppend(buf, rd); err != nil {
			return
		}
		for {
			msg, rest, ok, err := wire.SplitFrame(buf)
			if err != nil {
				p.close(websocket.CloseProtocolError, err.Error())
				return
			}
			if !ok {
				break
			}
			r.forward(p, msg)
			buf = append(buf[:0], rest...)
		}
	}
}

// readAppend appends all of rd to buf.
func readAppend(buf []byte, rd io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (r *fakeRelay) forward(p *fakePeer, msg []byte) {
	var m wire.Message
	if err := m.Unmarshal(msg); err != nil {
		r.t.Errorf("relay: %s sent a malformed message: %v", p.mode, err)
		return
	}
	if err := m.CheckClient(p.mode == tunnel.ModeSource); err != nil {
		r.t.Errorf("relay: %s broke a rule: %v (%+v)", p.mode, err, m)
	}
	r.mu.Lock()
	if m.Type == wire.TypeStreamStart {
		r.streams[m.ServiceID] = m.StreamID
	}
	to := r.peers[other(p.mode)]
	r.mu.Unlock()
	if to == nil {
		if m.Type == wire.TypeStreamStart || m.Type == wire.TypeConnectionStart {
			reset := wire.Message{Type: wire.TypeStreamReset, StreamID: m.StreamID, ServiceID: m.ServiceID}
			if m.Type == wire.TypeConnectionStart {
				reset.Type, reset.ConnectionID = wire.TypeConnectionReset, m.ConnectionID
			}
			p.send(&reset)
		}
		return
	}
	frame := make([]byte, 0, len(msg)+2)
	frame = append(frame, byte(len(msg)>>8), byte(len(msg)))
	to.write(append(frame, msg...))
}

// peer returns the connected peer of a mode, or nil.
func (r *fakeRelay) peer(m tunnel.Mode) *fakePeer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[m]
}

// waitPeer waits until a peer of mode is attached.
func (r *fakeRelay) waitPeer(m tunnel.Mode) {
	timeout := time.After(waitFor)
	for {
		r.mu.Lock()
		p, ch := r.peers[m], r.changed
		r.mu.Unlock()
		if p != nil {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			r.t.Fatalf("no %s peer attached", m)
		}
	}
}

// closeTunnel sends a Close frame to both peers.
func (r *fakeRelay) closeTunnel(code int, text string) {
	r.mu.Lock()
	ps := make([]*fakePeer, 0, 2)
	for _, p := range r.peers {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.close(code, text)
	}
}

// cut drops a peer's TCP connection without a Close frame.
func (r *fakeRelay) cut(m tunnel.Mode) {
	if p := r.peer(m); p != nil {
		p.nc.Close()
	}
}

// requests returns the upgrade requests seen so far.
func (r *fakeRelay) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}
