package relay

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
	"github.com/adit-project/adit/internal/wire"
)

// Header, query and cookie names of the handshake (PROTOCOL.md §3.1).
const (
	headerAccessToken = "access-token"
	headerClientToken = "client-token"
	headerChannelID   = "channel-id"
	headerReason      = "X-Status-Reason"
	cookieAccessToken = "awsiot-tunnel-token"
	queryMode         = "local-proxy-mode"
	maxTokenLen       = 4096
)

// handshake is a validated upgrade request.
type handshake struct {
	mode        tunnel.Mode
	token       string
	clientToken string
	subprotocol string // echoed verbatim (D3)
	version     int
	key         string // Sec-WebSocket-Key
}

// rejection is a refused upgrade (D1): status, plain-text body, repeated
// in X-Status-Reason, and a metrics label. failure marks attempts that
// count against the remote address's failed-attempt budget.
type rejection struct {
	status  int
	reason  string
	label   string
	failure bool
}

// The rejections. The texts of token reuse, client-token mismatch and
// closed tunnels are those of PROTOCOL.md §3.2 and D1; no text tells
// whether a tunnel or token exists beyond them.
var (
	rejTooLarge         = &rejection{http.StatusRequestHeaderFieldsTooLarge, "Request header fields too large", "request_too_large", false}
	rejBadPath          = &rejection{http.StatusBadRequest, "Invalid path: only /tunnel is served", "bad_path", false}
	rejNotWebSocket     = &rejection{http.StatusBadRequest, "Not a WebSocket upgrade request", "not_websocket", false}
	rejBadMode          = &rejection{http.StatusBadRequest, "Missing or invalid local-proxy-mode", "bad_mode", false}
	rejNoToken          = &rejection{http.StatusBadRequest, "Missing access token", "missing_token", false}
	rejManyTokens       = &rejection{http.StatusBadRequest, "Access token given more than once", "duplicate_token", false}
	rejBadToken         = &rejection{http.StatusBadRequest, "Invalid access token", "malformed_token", true}
	rejBadClientToken   = &rejection{http.StatusBadRequest, "Invalid client token: it must match ^[a-zA-Z0-9-]{32,128}$", "malformed_client_token", false}
	rejNoSubprotocol    = &rejection{http.StatusBadRequest, "No supported subprotocol offered", "no_subprotocol", false}
	rejTokenInvalid     = &rejection{http.StatusBadRequest, "Invalid access token", "token_invalid", true}
	rejTokenUsed        = &rejection{http.StatusBadRequest, "Invalid access token: The access token was previously used and can not be used again.", "token_used", true}
	rejClientMismatch   = &rejection{http.StatusBadRequest, "Invalid client token: The provided client token does not match the client token that was previously set.", "client_token_mismatch", true}
	rejClientInUse      = &rejection{http.StatusBadRequest, rejClientMismatch.reason, "client_token_in_use", true}
	rejTunnelClosed     = &rejection{http.StatusBadRequest, "Tunnel is closed", "tunnel_closed", false}
	rejRateLimited      = &rejection{http.StatusTooManyRequests, "Too many connection attempts", "rate_limited", false}
	rejThrottled        = &rejection{http.StatusTooManyRequests, "Too many failed connection attempts", "throttled", false}
	rejUnavailable      = &rejection{http.StatusServiceUnavailable, "Service unavailable", "unavailable", false}
	rejServerError      = &rejection{http.StatusServiceUnavailable, "Service unavailable", "server_error", false}
	rejectionsByMetrics = []*rejection{rejTooLarge, rejBadPath, rejNotWebSocket, rejBadMode, rejNoToken, rejManyTokens,
		rejBadToken, rejBadClientToken, rejNoSubprotocol, rejTokenInvalid, rejTokenUsed, rejClientMismatch,
		rejClientInUse, rejTunnelClosed, rejRateLimited, rejThrottled, rejUnavailable, rejServerError}
)

// claimRejection maps an Authenticator error to its rejection.
func claimRejection(err error) *rejection {
	switch {
	case errors.Is(err, ErrTokenInvalid):
		return rejTokenInvalid
	case errors.Is(err, ErrTokenUsed):
		return rejTokenUsed
	case errors.Is(err, ErrClientTokenMismatch):
		return rejClientMismatch
	case errors.Is(err, ErrClientTokenInUse):
		return rejClientInUse
	case errors.Is(err, ErrTunnelClosed):
		return rejTunnelClosed
	}
	return rejServerError
}

// serveUpgrade runs a handshake: cheap checks first, then rate limits,
// then the claim (which consumes a single-use token), then the upgrade.
func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	channelID := newChannelID()
	hs, rej := parseHandshake(r, s.cfg.MaxRequestBytes)
	if rej != nil {
		s.reject(w, channelID, rej)
		return
	}
	ip, now := remoteIP(r), s.cfg.Now()
	if s.failures.exhausted(ip, now) {
		s.reject(w, channelID, rejThrottled)
		return
	}
	if !s.attempts.allow(tunnel.HashToken(hs.token), now) {
		s.reject(w, channelID, rejRateLimited)
		return
	}
	gen := s.hub.generation()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	g, err := s.cfg.Auth.Claim(ctx, hs.token, hs.mode, hs.clientToken)
	if err == nil && !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt) {
		err = ErrTunnelClosed
	}
	if err == nil {
		err = s.hub.admit(g.TunnelID, hs.mode, gen)
	}
	if err != nil {
		s.refuse(w, channelID, ip, now, err)
		return
	}
	deadline, _ := ctx.Deadline()
	conn, early, err := upgrade(w, hs, channelID, deadline)
	if errors.Is(err, errHijack) {
		s.log.Error("upgrade", "channel_id", channelID, "err", err)
		s.reject(w, channelID, rejServerError)
		return
	}
	if err != nil {
		s.log.Info("upgrade failed", "channel_id", channelID, "err", err)
		return
	}
	s.met.accepted.Add(1)
	p := s.newPeer(r.Context(), conn, hs, channelID, r.RemoteAddr)
	p.rd.preload(early)
	s.track(p)
	if hs.version >= 2 {
		m := wire.Message{Type: wire.TypeServiceIDs, AvailableServiceIDs: g.Services}
		f, _ := wire.AppendFrame(nil, &m)
		p.out.push(opBinary, f, nil, true) // first message (D4); the writer is held until attach
	}
	s.attach(p, g, gen)
}

// refuse answers a failed claim or admission.
func (s *Server) refuse(w http.ResponseWriter, channelID, ip string, now time.Time, err error) {
	rej := claimRejection(err)
	switch {
	case errors.Is(err, errTunnelGone):
		rej = rejTunnelClosed
	case errors.Is(err, errTokenRevoked):
		rej = rejTokenInvalid
	case errors.Is(err, errShuttingDown):
		rej = rejUnavailable
	case rej == rejServerError:
		s.log.Error("claim access token", "channel_id", channelID, "err", err)
	}
	if rej.failure {
		s.failures.take(ip, now)
	}
	s.reject(w, channelID, rej)
}

// attach registers p in the hub, replacing an older peer of its mode
// (D2), records the state and starts p. If the tunnel was closed or the
// token revoked meanwhile, p is closed with the matching Close frame.
func (s *Server) attach(p *peer, g Grant, gen uint64) {
	p.log = p.log.With("tunnel_id", g.TunnelID)
	mu := s.stripe(g.TunnelID)
	mu.Lock()
	old, other, resets, err := s.hub.attach(p, g, gen)
	switch {
	case errors.Is(err, errTunnelGone):
		p.closeWith(reasonTunnelClosed)
	case errors.Is(err, errTokenRevoked):
		p.closeWith(reasonRevoked)
	case err != nil:
		p.closeWith(reasonShutdown)
	default:
		s.met.peers[modeIndex(p.mode)][p.version-1].Add(1)
		if old != nil {
			old.closeWith(reasonReplaced)
			old.dispatchMu.Lock() // let its batch in flight finish first
			old.dispatchMu.Unlock()
			for _, f := range resets {
				other.out.push(opBinary, f, nil, true)
			}
		} else {
			s.recordState(p, true)
		}
		p.log.Info("peer attached", "protocol_version", p.version, "replaced", old != nil)
	}
	mu.Unlock()
	s.wg.Add(1)
	go p.run()
}

// reject writes a D1 rejection.
func (s *Server) reject(w http.ResponseWriter, channelID string, rej *rejection) {
	s.met.rejected(rej)
	s.log.Debug("upgrade rejected", "channel_id", channelID, "reason", rej.label, "status", rej.status)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set(headerReason, rej.reason)
	h[headerChannelID] = []string{channelID}
	if rej.status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	if rej.status == http.StatusBadRequest && rej == rejNotWebSocket {
		h.Set("Sec-WebSocket-Version", "13")
	}
	w.WriteHeader(rej.status)
	w.Write([]byte(rej.reason))
}

// parseHandshake validates everything about r that needs no lookup.
func parseHandshake(r *http.Request, maxBytes int) (*handshake, *rejection) {
	if requestSize(r) > maxBytes {
		return nil, rejTooLarge
	}
	if r.URL.Path != "/tunnel" {
		return nil, rejBadPath
	}
	hs := &handshake{key: r.Header.Get("Sec-Websocket-Key")}
	if !isUpgrade(r, hs.key) {
		return nil, rejNotWebSocket
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	modes := q[queryMode]
	var ok bool
	if err == nil && len(modes) == 1 {
		hs.mode, ok = tunnel.ParseMode(modes[0])
	}
	if !ok {
		return nil, rejBadMode
	}
	if hs.token, ok = accessToken(r); !ok {
		if hs.token == "" {
			return nil, rejNoToken
		}
		return nil, rejManyTokens
	}
	if !validToken(hs.token) {
		return nil, rejBadToken
	}
	cts := r.Header.Values(headerClientToken)
	if len(cts) > 1 || len(cts) == 1 && !validClientToken(cts[0]) {
		return nil, rejBadClientToken
	}
	if len(cts) == 1 {
		hs.clientToken = cts[0]
	}
	if hs.subprotocol = pickSubprotocol(r.Header.Values("Sec-Websocket-Protocol")); hs.subprotocol == "" {
		return nil, rejNoSubprotocol
	}
	hs.version = wire.Version(hs.subprotocol)
	return hs, nil
}

// requestSize estimates the bytes of r's request line and header block as
// sent (net/http moves Host out of Header).
func requestSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

func isUpgrade(r *http.Request, key string) bool {
	k, err := base64.StdEncoding.DecodeString(key)
	return r.Method == http.MethodGet && r.ProtoAtLeast(1, 1) &&
		hasToken(r.Header.Values("Connection"), "upgrade") &&
		hasToken(r.Header.Values("Upgrade"), "websocket") &&
		r.Header.Get("Sec-Websocket-Version") == "13" && err == nil && len(k) == 16
}

// hasToken reports whether a comma-separated header contains tok.
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), tok) {
				return true
			}
		}
	}
	return false
}

// accessToken returns the one access token of r, from the header or the
// cookie. ok is false when there is none ("" returned) or more than one.
func accessToken(r *http.Request) (string, bool) {
	vals := r.Header.Values(headerAccessToken)
	for _, c := range r.Cookies() {
		if c.Name == cookieAccessToken {
			vals = append(vals, c.Value)
		}
	}
	switch len(vals) {
	case 0:
		return "", false
	case 1:
		return vals[0], vals[0] != ""
	}
	return "x", false
}

// validToken applies the reference proxy's limits: 1..4096 bytes, no
// control characters.
func validToken(t string) bool {
	if t == "" || len(t) > maxTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] == 0x7F {
			return false
		}
	}
	return true
}

// validClientToken matches ^[a-zA-Z0-9-]{32,128}$.
func validClientToken(t string) bool {
	if len(t) < 32 || len(t) > 128 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// pickSubprotocol returns the first offered subprotocol the relay
// supports (D3), or "".
func pickSubprotocol(values []string) string {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); wire.Version(p) != 0 {
				return p
			}
		}
	}
	return ""
}

// newChannelID returns a random id shaped like the service's channel-id
// header (16-8-8-16-8 hex digits).
func newChannelID() string {
	var b [28]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:16] + "-" + h[16:24] + "-" + h[24:32] + "-" + h[32:48] + "-" + h[48:56]
}

// errHijack: the ResponseWriter cannot hand over its connection (for
// example HTTP/2); nothing has been written yet.
var errHijack = errors.New("relay: cannot hijack the connection")

// websocketGUID is the RFC 6455 key suffix.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// upgrade hijacks the connection and writes the 101 response by deadline.
// It returns the connection and any bytes the client sent early.
func upgrade(w http.ResponseWriter, hs *handshake, channelID string, deadline time.Time) (net.Conn, []byte, error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errHijack, err)
	}
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		early = append(early, b...)
	}
	sum := sha1.Sum([]byte(hs.key + websocketGUID))
	resp := make([]byte, 0, 256)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp = base64.StdEncoding.AppendEncode(resp, sum[:])
	resp = append(resp, "\r\nSec-WebSocket-Protocol: "...)
	resp = append(resp, hs.subprotocol...)
	resp = append(resp, "\r\n"+headerChannelID+": "...)
	resp = append(resp, channelID...)
	resp = append(resp, "\r\n\r\n"...)
	conn.SetWriteDeadline(deadline)
	if _, err := conn.Write(resp); err != nil {
		conn.Close()
		return nil, nil, err
	}
	conn.SetWriteDeadline(time.Time{})
	setKeepAlive(conn)
	return conn, early, nil
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
