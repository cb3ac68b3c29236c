package relay

import (
	"net/http"
	"time"
)

// EventKind says what happened to a data-plane connection.
type EventKind int

// The connection events reported through Config.OnEvent.
const (
	// EventConnect: the upgrade succeeded and the peer is attached.
	EventConnect EventKind = iota + 1
	// EventReject: the upgrade was refused (Status, Reason, Message).
	EventReject
	// EventDisconnect: an attached peer is gone (Duration, bytes, Reason).
	EventDisconnect
)

// Event describes one connection event, for an audit log. It never holds
// a token.
type Event struct {
	Kind      EventKind
	Time      time.Time
	ChannelID string
	// TunnelID is empty for a rejection before the token was claimed.
	TunnelID string
	// Mode is "source" or "destination" ("" when the request named none).
	Mode string
	// Version is the protocol version (0 for a rejection).
	Version    int
	RemoteAddr string
	UserAgent  string
	// Status and Message are the HTTP status and text of a rejection.
	Status  int
	Message string
	// Reason is the rejection's label (e.g. "token_used") or the close
	// reason of a disconnect (e.g. "tunnel_closed"), as in /metrics.
	Reason string
	// CloseCode is the WebSocket close code of a disconnect, 0 if none.
	CloseCode int
	// Duration, BytesIn, BytesOut, MessagesIn: a disconnect's connection
	// time, tunnel-frame bytes received from and sent to the client, and
	// messages received.
	Duration   time.Duration
	BytesIn    uint64
	BytesOut   uint64
	MessagesIn uint64
}

// maxEventText bounds client-given text (user agent, mode) in events.
const maxEventText = 256

func clip(s string) string {
	if len(s) > maxEventText {
		return s[:maxEventText]
	}
	return s
}

// emit reports ev if an OnEvent hook is set.
func (s *Server) emit(ev Event) {
	if s.cfg.OnEvent == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = s.cfg.Now()
	}
	s.cfg.OnEvent(ev)
}

// emitReject reports a refused upgrade of r.
func (s *Server) emitReject(r *http.Request, channelID, tunnelID string, rej *rejection) {
	if s.cfg.OnEvent == nil {
		return
	}
	s.emit(Event{Kind: EventReject, ChannelID: channelID, TunnelID: tunnelID,
		Mode: clip(r.URL.Query().Get(queryMode)), RemoteAddr: r.RemoteAddr, UserAgent: clip(r.UserAgent()),
		Status: rej.status, Message: rej.reason, Reason: rej.label})
}

// emitConnect reports an attached peer.
func (s *Server) emitConnect(p *peer, r *http.Request) {
	p.announced = true
	p.remote, p.userAgent = r.RemoteAddr, clip(r.UserAgent())
	s.emit(Event{Kind: EventConnect, Time: p.started, ChannelID: p.channelID, TunnelID: p.t.id,
		Mode: p.mode.String(), Version: p.version, RemoteAddr: r.RemoteAddr, UserAgent: clip(r.UserAgent())})
}

// emitDisconnect reports the end of an announced peer.
func (p *peer) emitDisconnect(reason closeReason) {
	if !p.announced {
		return
	}
	p.s.emit(Event{Kind: EventDisconnect, ChannelID: p.channelID, TunnelID: p.t.id, Mode: p.mode.String(),
		Version: p.version, RemoteAddr: p.remote, UserAgent: p.userAgent, Reason: reason.kind.String(),
		CloseCode: int(reason.code), Duration: time.Since(p.started), BytesIn: p.inBytes,
		BytesOut: p.out.sentBytes(), MessagesIn: p.inMsgs})
}
