package api

import (
	"context"
	"errors"

	"github.com/adit-project/adit/internal/store"
)

func (in *closeTunnelInput) validate() error {
	var v violations
	v.tunnelID(in.TunnelID)
	return v.err()
}

// closeTunnel closes a tunnel; closing a closed tunnel succeeds (D10).
// With delete it also purges the tunnel. Connected peers are told when
// the call changed something.
func (h *Handler) closeTunnel(ctx context.Context, in *closeTunnelInput) (*closeTunnelOutput, error) {
	id := *in.TunnelID
	_, changed, err := h.cfg.Store.CloseTunnel(ctx, id, h.now())
	if err != nil {
		return nil, fromStore(err, id)
	}
	del := in.Delete != nil && *in.Delete
	// Not found here means a concurrent delete won: the result is the same.
	if del {
		if err := h.cfg.Store.DeleteTunnel(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fromStore(err, id)
		}
	}
	if changed || del {
		h.log.Info("tunnel closed", "tunnel_id", id, "deleted", del)
		if h.cfg.Peers != nil {
			h.cfg.Peers.CloseTunnel(id, false)
		}
	}
	return &closeTunnelOutput{}, nil
}
