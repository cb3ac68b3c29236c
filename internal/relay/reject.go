package relay

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

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
// closed tunnels are those of docs/PROTOCOL.md §3.2 and D1; no text tells
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
	rejForbidden        = &rejection{http.StatusForbidden, "Forbidden", "cluster_forbidden", false}
	rejNotOwner         = &rejection{http.StatusMisdirectedRequest, "Tunnel is relayed by another node", "not_owner", false}
	rejectionsByMetrics = []*rejection{rejTooLarge, rejBadPath, rejNotWebSocket, rejBadMode, rejNoToken, rejManyTokens,
		rejBadToken, rejBadClientToken, rejNoSubprotocol, rejTokenInvalid, rejTokenUsed, rejClientMismatch,
		rejClientInUse, rejTunnelClosed, rejRateLimited, rejThrottled, rejUnavailable, rejServerError,
		rejForbidden, rejNotOwner}
)

// admitRejection maps an Authenticator or hub error to its rejection.
// A token revoked during the handshake reads as invalid.
func admitRejection(err error) *rejection {
	switch {
	case errors.Is(err, errTunnelGone):
		return rejTunnelClosed
	case errors.Is(err, errTokenRevoked):
		return rejTokenInvalid
	case errors.Is(err, errShuttingDown):
		return rejUnavailable
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

// reject writes a D1 rejection.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, channelID string, rej *rejection) {
	s.met.rejected(rej)
	s.emitReject(r, channelID, "", rej)
	s.log.Debug("upgrade rejected", "channel_id", channelID, "reason", rej.label, "status", rej.status)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set(headerReason, rej.reason)
	h[headerChannelID] = []string{channelID}
	if rej.status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	if rej == rejNotWebSocket {
		h.Set("Sec-WebSocket-Version", "13")
	}
	w.WriteHeader(rej.status)
	w.Write([]byte(rej.reason))
}

// writeRejection writes a D1 rejection on a hijacked connection.
func writeRejection(conn net.Conn, channelID string, rej *rejection, deadline time.Time) error {
	resp := fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n%s: %s\r\n%s: %s\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		rej.status, http.StatusText(rej.status), headerReason, rej.reason, headerChannelID, channelID, len(rej.reason), rej.reason)
	return writeBy(conn, resp, deadline)
}
