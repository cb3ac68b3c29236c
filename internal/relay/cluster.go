package relay

import (
	"context"
	"errors"
	"net/http"
	"time"

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
	Forwarded(r *http.Request, h Handoff) (g Grant, clientAddr string, ok bool, err error)
	// Route returns the address of the node that relays tunnel id, or ""
	// when it is this node; this node becomes the owner when no live node
	// owns the tunnel. A closed or unknown tunnel is ErrTunnelClosed.
	Route(ctx context.Context, id string) (owner string, err error)
	// TokenCurrent reports whether token h of mode m is still current (no
	// rotation replaced it and its tunnel is open). The owner asks it for a
	// forwarded peer after remembering its hub's generation, so a rotation
	// committed after the other node's claim is caught either here or by
	// the revocation it sends.
	TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error)
	// Forward hands the claimed upgrade r to the tunnel's owner and, once
	// the owner accepted it, relays the connection's bytes both ways until
	// either side ends or ctx ends. It answers the client itself (the
	// owner's response) and returns nil, or returns ErrNotOwner or
	// ErrOwnerUnreachable having written nothing.
	Forward(ctx context.Context, w http.ResponseWriter, r *http.Request, h Handoff) error
}

// Handoff describes a claimed upgrade being routed.
type Handoff struct {
	Mode  tunnel.Mode
	Token tunnel.TokenHash // of the access token the client presented
	Grant Grant            // the claim's result; zero in Forwarded
	Owner string           // the owner's address, for Forward
}

// Errors of Cluster.Forward that leave the answer to the relay.
var (
	// ErrNotOwner: the node forwarded to no longer owns the tunnel; the
	// relay routes again.
	ErrNotOwner = errors.New("node does not own the tunnel")
	// ErrOwnerUnreachable: the owner could not be reached; the client gets
	// 503 and retries (the owner's lease runs out if it is dead).
	ErrOwnerUnreachable = errors.New("owner node unreachable")
)

// maxRoutes bounds how often a handshake is routed again after the owner
// changed under it.
const maxRoutes = 3

// unreachableRetry is the pause before routing again when the owner could
// not be reached. The handshake waits, up to its timeout, rather than
// failing: when the owner died, its lease runs out within seconds and the
// next Route makes a live node the owner, so the client connects at the
// first attempt instead of backing off.
const unreachableRetry = 250 * time.Millisecond

// routeClaimed sends a claimed upgrade to the tunnel's owner. It returns
// true and the outcome when the request was answered (forwarded or
// refused), and false when this node relays the tunnel.
func (s *Server) routeClaimed(ctx context.Context, w http.ResponseWriter, r *http.Request, hs *handshake, g Grant, channelID string) (bool, handshakeOutcome) {
	moved, warned := 0, false
	for {
		owner, err := s.cfg.Cluster.Route(ctx, g.TunnelID)
		if err != nil {
			s.log.Error("route tunnel", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
			s.reject(w, r, channelID, routeRejection(err))
			return true, handshakeRejected
		}
		if owner == "" {
			return false, 0
		}
		h := Handoff{Mode: hs.mode, Token: tunnel.HashToken(hs.token), Grant: g, Owner: owner}
		err = s.cfg.Cluster.Forward(s.baseCtx, w, r, h)
		switch {
		case errors.Is(err, ErrNotOwner) && moved < maxRoutes:
			moved++
			continue
		case errors.Is(err, ErrOwnerUnreachable):
			if !warned {
				s.log.Warn("owner node unreachable; waiting for it or for its lease to run out", "tunnel_id", g.TunnelID, "owner", owner, "channel_id", channelID, "err", err)
				warned = true
			}
			t := time.NewTimer(unreachableRetry)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
			}
			fallthrough
		case errors.Is(err, ErrNotOwner):
			s.reject(w, r, channelID, rejUnavailable)
			return true, handshakeRejected
		}
		return true, handshakeRecorded
	}
}

// routeRejection maps a routing failure to its rejection: a closed or
// unknown tunnel reads as closed, anything else as unavailable.
func routeRejection(err error) *rejection {
	if errors.Is(err, ErrTunnelClosed) {
		return rejTunnelClosed
	}
	return rejUnavailable
}

// serveForwarded serves an upgrade another node forwarded after claiming
// its token, and returns its outcome. It returns false when r was not
// forwarded.
func (s *Server) serveForwarded(w http.ResponseWriter, r *http.Request, hs *handshake, channelID string) (bool, handshakeOutcome) {
	g, client, ok, err := s.cfg.Cluster.Forwarded(r, Handoff{Mode: hs.mode, Token: tunnel.HashToken(hs.token)})
	if err != nil {
		s.log.Warn("forwarded upgrade refused", "remote_addr", r.RemoteAddr, "err", err)
		s.reject(w, r, channelID, rejForbidden)
		return true, handshakeRejected
	}
	if !ok {
		return false, 0
	}
	r = r.Clone(r.Context())
	r.RemoteAddr = client // events and logs name the client, not the node
	gen := s.hub.generation()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	owner, err := s.cfg.Cluster.Route(ctx, g.TunnelID)
	switch {
	case err != nil:
		s.log.Error("route forwarded tunnel", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
		s.reject(w, r, channelID, routeRejection(err))
	case owner != "": // never forwarded twice: the first node routes again
		s.reject(w, r, channelID, rejNotOwner)
	case !g.ExpiresAt.IsZero() && !s.cfg.Now().Before(g.ExpiresAt):
		s.reject(w, r, channelID, rejTunnelClosed)
	default:
		cur, err := s.cfg.Cluster.TokenCurrent(ctx, tunnel.HashToken(hs.token), hs.mode)
		switch {
		case err != nil:
			s.log.Error("check forwarded token", "tunnel_id", g.TunnelID, "channel_id", channelID, "err", err)
			s.reject(w, r, channelID, rejUnavailable)
		case !cur: // rotated (or closed) since the other node's claim
			s.reject(w, r, channelID, admitRejection(ErrTokenInvalid))
		default:
			return true, s.admitAndUpgrade(ctx, w, r, hs, g, gen, channelID)
		}
	}
	return true, handshakeRejected
}
