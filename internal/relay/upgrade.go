package relay

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// Header, query and cookie names of the handshake (docs/PROTOCOL.md §3.1).
const (
	headerAccessToken = "access-token"
	headerClientToken = "client-token"
	headerChannelID   = "channel-id"
	headerReason      = "X-Status-Reason"
	cookieAccessToken = "awsiot-tunnel-token"
	queryMode         = "local-proxy-mode"
	maxTokenLen       = 4096
)

// serveUpgrade runs a handshake and records how long it took.
func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.met.handshakeDone(start, s.runHandshake(w, r, start))
}

// runHandshake runs a handshake: cheap checks first, then the token's
// attempt rate, then the claim (which consumes a single-use token), then
// the upgrade. The failed-attempt budget of the remote address is consulted
// only after a failure (see refuse), so a valid token always connects.
func (s *Server) runHandshake(w http.ResponseWriter, r *http.Request, start time.Time) handshakeOutcome {
	channelID := newChannelID()
	ip, now := remoteIP(r), s.cfg.Now()
	hs, rej := parseHandshake(r, s.cfg.MaxRequestBytes)
	if rej != nil {
		s.reject(w, r, channelID, s.failed(rej, ip, now))
		return handshakeRejected
	}
	hs.start = start
	if s.cfg.Cluster != nil {
		if done, o := s.serveForwarded(w, r, hs, channelID); done {
			return o
		}
	}
	if !s.attempts.allow(tunnel.HashToken(hs.token), now) {
		s.reject(w, r, channelID, rejRateLimited)
		return handshakeRejected
	}
	gen := s.hub.generation()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	g, err := s.cfg.Auth.Claim(ctx, hs.token, hs.mode, hs.clientToken)
	if err == nil && !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt) {
		err = ErrTunnelClosed
	}
	if err != nil {
		s.refuse(w, r, channelID, ip, now, err)
		return handshakeRejected
	}
	if s.cfg.Cluster != nil {
		if done, o := s.routeClaimed(ctx, w, r, hs, g, channelID); done {
			return o
		}
	}
	return s.admitAndUpgrade(ctx, w, r, hs, g, gen, channelID)
}

// admitAndUpgrade upgrades a claimed handshake unless the tunnel was
// closed or the token revoked since generation gen.
func (s *Server) admitAndUpgrade(ctx context.Context, w http.ResponseWriter, r *http.Request, hs *handshake, g Grant, gen uint64, channelID string) handshakeOutcome {
	if err := s.hub.admit(g.TunnelID, hs.mode, gen); err != nil {
		s.refuse(w, r, channelID, remoteIP(r), s.cfg.Now(), err)
		return handshakeRejected
	}
	deadline, _ := ctx.Deadline()
	return s.upgrade(w, r, hs, g, gen, channelID, deadline)
}

// upgrade takes over the connection of a claimed handshake, attaches the
// peer, writes the 101 response and starts the peer.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, hs *handshake, g Grant, gen uint64, channelID string, deadline time.Time) handshakeOutcome {
	conn, early, err := hijack(w)
	if err != nil {
		s.log.Error("upgrade", "channel_id", channelID, "err", err)
		s.reject(w, r, channelID, rejServerError)
		return handshakeRejected
	}
	p := s.newPeer(r.Context(), conn, hs, channelID, r.RemoteAddr)
	p.rd.preload(early)
	if hs.version >= 2 {
		m := wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: g.Services}
		f, _ := wire.AppendFrame(nil, &m)
		p.out.push(opBinary, f, nil, true, false) // first message (D4); the writer is held until run
	}
	s.track(p)
	if err := s.attach(p, g, gen); err != nil {
		// Nothing was sent yet: refuse with a plain HTTP response.
		s.untrack(p)
		p.cancel()
		rej := admitRejection(err)
		s.met.rejected(rej)
		s.emitReject(r, channelID, g.TunnelID, rej)
		writeRejection(conn, channelID, rej, deadline)
		conn.Close()
		return handshakeRejected
	}
	outcome := handshakeAccepted
	if err := writeUpgrade(conn, hs, channelID, deadline); err != nil {
		p.log.Info("write upgrade response", "err", err)
		p.closeWith(reasonConnLost)
		outcome = handshakeFailed
	} else {
		s.met.accepted.Add(1)
		s.emitConnect(p, r)
	}
	// Timed before the peer runs, so that whatever the peer relays
	// happens after its handshake is counted.
	s.met.handshakeDone(hs.start, outcome)
	s.wg.Add(1)
	go p.run()
	return handshakeRecorded
}

// refuse answers a failed claim or admission.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, channelID, ip string, now time.Time, err error) {
	rej := admitRejection(err)
	if rej == rejServerError {
		s.log.Error("claim access token", "channel_id", channelID, "err", err)
	}
	s.reject(w, r, channelID, s.failed(rej, ip, now))
}

// failed counts a failure-kind rejection against the remote address's
// budget and returns it, or rejThrottled once the budget is spent. Taking
// from the budget is one atomic step, so concurrent failures never answer
// more than the burst with their reason.
func (s *Server) failed(rej *rejection, ip string, now time.Time) *rejection {
	if rej.failure && !s.failures.allow(ip, now) {
		return rejThrottled
	}
	return rej
}

// attach registers p in the hub, replacing an older peer of its mode
// (D2: the old one gets 1008, the other peer STREAM_RESET for every active
// stream, the newcomer SERVICE_IDS, already queued), and records the
// state. It fails if the tunnel was closed, the token revoked or the
// server stopped since the claim. Attaching before the 101 response is
// written means a client that got the 101 is attached: 1.0 clients get
// no SERVICE_IDS to tell them.
func (s *Server) attach(p *peer, g Grant, gen uint64) error {
	p.log = p.log.With("tunnel_id", g.TunnelID)
	mu := s.stripe(g.TunnelID)
	mu.Lock()
	defer mu.Unlock()
	old, other, resets, err := s.hub.attach(p, g, gen)
	if err != nil {
		return err
	}
	s.met.peers[modeIndex(p.mode)][p.version-1].Add(1)
	if old != nil {
		old.closeWith(reasonReplaced)
		old.dispatchMu.Lock() // let its batch in flight finish first
		//lint:ignore SA2001 the empty critical section is a barrier on that batch
		old.dispatchMu.Unlock()
		for _, f := range resets {
			other.out.push(opBinary, f, nil, true, false)
		}
	} else {
		s.recordState(p, true)
	}
	p.log.Info("peer attached", "protocol_version", p.version, "replaced", old != nil)
	return nil
}

// newChannelID returns a random id shaped like the service's channel-id
// header (16-8-8-16-8 hex digits).
func newChannelID() string {
	var b [28]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:16] + "-" + h[16:24] + "-" + h[24:32] + "-" + h[32:48] + "-" + h[48:56]
}

// websocketGUID is the RFC 6455 key suffix.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// hijack takes over the connection. It returns any bytes the client sent
// behind its request.
func hijack(w http.ResponseWriter) (net.Conn, []byte, error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack connection: %w", err)
	}
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		early = append(early, b...)
	}
	setKeepAlive(conn)
	return conn, early, nil
}

// writeUpgrade writes the 101 response by deadline.
func writeUpgrade(conn net.Conn, hs *handshake, channelID string, deadline time.Time) error {
	sum := sha1.Sum([]byte(hs.key + websocketGUID))
	resp := make([]byte, 0, 256)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp = base64.StdEncoding.AppendEncode(resp, sum[:])
	resp = append(resp, "\r\nSec-WebSocket-Protocol: "...)
	resp = append(resp, hs.subprotocol...)
	resp = append(resp, "\r\n"+headerChannelID+": "...)
	resp = append(resp, channelID...)
	resp = append(resp, "\r\n\r\n"...)
	return writeBy(conn, resp, deadline)
}

func writeBy(conn net.Conn, b []byte, deadline time.Time) error {
	conn.SetWriteDeadline(deadline)
	defer conn.SetWriteDeadline(time.Time{})
	_, err := conn.Write(b)
	return err
}

// setKeepAlive turns on TCP keepalive (D19) on conn or the TCP connection
// under its TLS layer.
func setKeepAlive(conn net.Conn) {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: keepAlive, Interval: keepAlive / 2, Count: 4})
	}
}
