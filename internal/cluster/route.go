package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/adit-project/adit/internal/relay"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Route implements relay.Cluster: the owner's address, or "" when this
// node owns the tunnel (claiming it when no live node does).
func (n *Node) Route(ctx context.Context, id string) (string, error) {
	owner, err := n.cfg.Store.ClaimOwner(ctx, id, n.cfg.NodeID)
	switch {
	case errors.Is(err, store.ErrClosed), errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("%w: %v", relay.ErrTunnelClosed, err)
	case err != nil:
		return "", err
	case owner.ID == n.cfg.NodeID:
		return "", nil
	}
	return owner.Addr, nil
}

// Forwarded implements relay.Cluster: it verifies a forwarded upgrade's
// grant and that it came over a link from another node.
func (n *Node) Forwarded(r *http.Request, h relay.Handoff) (relay.Grant, string, bool, error) {
	g, ok, err := verify(n.cfg.Secret, r, h.Mode, h.Token, n.cfg.Now())
	if !ok || err != nil {
		return relay.Grant{}, "", ok, err
	}
	// Only a link, authenticated when it was opened (and by certificate
	// with --cluster-ca), carries forwarded upgrades.
	if _, via := r.Context().Value(viaLinkKey{}).(string); !via {
		return relay.Grant{}, "", true, errNotViaLink
	}
	return g.relayGrant(), g.Client, true, nil
}

// TokenCurrent implements relay.Cluster.
func (n *Node) TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error) {
	return n.cfg.Store.TokenCurrent(ctx, h, m)
}
