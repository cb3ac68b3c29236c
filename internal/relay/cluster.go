package relay

import (
	"context"
	"errors"
	"net/http"

	"github.com/adit-project/adit/internal/tunnel"
)

// Cluster lets the relay run on several nodes that share one store
// (docs/PROTOCOL.md D25). Each tunnel is relayed by one node, its owner;
// a node that claims a token for a tunnel another node owns forwards the
// client's upgrade there, and the owner attaches the peer without claiming
// the token again.
type Cluster interface {
	// Forwarded reports whether r was forwarded by another node. When it
	// was, it authenticates the forwarding node, checks that the grant
	// belongs to r's token and mode, and returns the grant that node
	// claimed and the client's own address. An error means r claims to be
	// forwarded but is not authentic: it is refused.
	Forwarded(r *http.Request, m tunnel.Mode) (g Grant, clientAddr string, ok bool, err error)
	// Route returns whether this node relays tunnel id, making it the
	// owner when no live node owns it. For a forwarded request (forwarded
	// set) it never hands ownership elsewhere; it reports false when
	// another node owns the tunnel.
	Route(ctx context.Context, id string, forwarded bool) (local bool, err error)
	// Forward hands the claimed upgrade r of mode m to the tunnel's owner
	// and, once the owner accepted it, relays the connection's bytes both
	// ways until either side ends or ctx ends. It answers the client
	// itself (the owner's response, or a refusal). ErrNotOwner means the
	// owner changed before the upgrade was forwarded and nothing was
	// written: the caller routes again.
	Forward(ctx context.Context, w http.ResponseWriter, r *http.Request, m tunnel.Mode, g Grant) error
}

// ErrNotOwner is returned by Cluster.Forward when the node it forwarded to
// no longer owns the tunnel.
var ErrNotOwner = errors.New("node does not own the tunnel")

// maxRoutes bounds how often a handshake is routed again after the owner
// changed under it.
const maxRoutes = 3

// routeClaimed sends a claimed upgrade to the tunnel's owner. It returns
// true when the request was answered (forwarded or refused) and false
// when this node relays the tunnel.
func (s *Server) routeClaimed(ctx context.Context, w http.ResponseWriter, r *http.Request, m tunnel.Mode, g Grant, channelID string) bool {
	for range maxRoutes {
		local, err := s.cfg.Cluster.Route(ctx, g.TunnelID, false)
		if err != nil {
			s.log.Error("route tunnel", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
			s.reject(w, r, channelID, s.unavailableFor(err))
			return true
		}
		if local {
			return false
		}
		err = s.cfg.Cluster.Forward(s.baseCtx, w, r, m, g)
		if !errors.Is(err, ErrNotOwner) {
			if err != nil {
				s.log.Info("forward peer", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
			}
			return true
		}
	}
	s.reject(w, r, channelID, rejUnavailable)
	return true
}

// unavailableFor maps a routing failure to its rejection: a closed or
// unknown tunnel reads as closed, anything else as unavailable.
func (s *Server) unavailableFor(err error) *rejection {
	if errors.Is(err, ErrTunnelClosed) {
		return rejTunnelClosed
	}
	return rejUnavailable
}

// serveForwarded serves an upgrade another node forwarded after claiming
// its token. It returns false when r was not forwarded.
func (s *Server) serveForwarded(w http.ResponseWriter, r *http.Request, hs *handshake, channelID string) bool {
	g, client, ok, err := s.cfg.Cluster.Forwarded(r, hs.mode)
	if err != nil {
		s.log.Warn("forwarded upgrade refused", "remote_addr", r.RemoteAddr, "err", err)
		s.reject(w, r, channelID, rejForbidden)
		return true
	}
	if !ok {
		return false
	}
	r = r.Clone(r.Context())
	r.RemoteAddr = client // events and logs name the client, not the node
	gen := s.hub.generation()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	local, err := s.cfg.Cluster.Route(ctx, g.TunnelID, true)
	switch {
	case err != nil:
		s.log.Error("route forwarded tunnel", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
		s.reject(w, r, channelID, s.unavailableFor(err))
	case !local:
		s.reject(w, r, channelID, rejNotOwner)
	case !g.ExpiresAt.IsZero() && !s.cfg.Now().Before(g.ExpiresAt):
		s.reject(w, r, channelID, rejTunnelClosed)
	default:
		s.admitAndUpgrade(ctx, w, r, hs, g, gen, channelID)
	}
	return true
}
