package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/adit-project/adit/internal/store"
)

// opTimeout bounds each store call of the loops.
const opTimeout = 5 * time.Second

// heartbeat renews the lease three times per lease period, and reaps the
// tunnels of dead nodes: their connection states turn disconnected and a
// live node may take them over.
func (n *Node) heartbeat(ctx context.Context, me store.Node) {
	t := time.NewTicker(n.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, opTimeout)
		if err := n.cfg.Store.Heartbeat(cctx, me, n.cfg.Lease); err != nil && ctx.Err() == nil {
			n.log.Warn("cluster heartbeat", "err", err)
		}
		ids, err := n.cfg.Store.ReapDead(cctx, 0, n.cfg.Now())
		cancel()
		if err != nil && ctx.Err() == nil {
			n.log.Warn("cluster reap dead nodes", "err", err)
		}
		if len(ids) > 0 {
			n.log.Info("released tunnels of dead nodes", "tunnels", len(ids))
		}
	}
}

// watch applies every change committed by any node to the local relay.
func (n *Node) watch(ctx context.Context) {
	for ctx.Err() == nil {
		err := n.cfg.Store.Watch(ctx, n.apply)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("cluster watch", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// apply acts on one change.
func (n *Node) apply(c store.Change) {
	switch c.Kind {
	case store.ChangeClosed:
		n.closeLocal(context.Background(), c.TunnelID)
	case store.ChangeRotated:
		for _, m := range c.Modes {
			n.relay.Revoke(c.TunnelID, m)
		}
	case store.ChangeResync:
		go n.reconcile(context.Background())
	}
}

// closeLocal closes the local peers of a closed tunnel, with the reason
// its expiry or its closing gives.
func (n *Node) closeLocal(ctx context.Context, id string) {
	expired := false
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if t, err := n.cfg.Tunnels.Tunnel(cctx, id); err == nil {
		expired = !t.ExpiresAt.IsZero() && t.ClosedAt.Equal(t.ExpiresAt)
	}
	n.relay.CloseTunnel(id, expired)
}

// reconcileLoop is the fallback for missed notifications.
func (n *Node) reconcileLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.Reconcile)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.reconcile(ctx)
		}
	}
}

// reconcile checks the tunnels relayed here against the store in one
// query; each one the store does not list as open and owned by this node
// is looked at alone: a closed or deleted one is closed, and one another
// node owns now (this node's lease ran out while it was cut off) is
// released so that its peers reconnect to the owner.
func (n *Node) reconcile(ctx context.Context) {
	local := n.relay.Tunnels()
	if len(local) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	owned, err := n.cfg.Store.Owned(cctx, n.cfg.NodeID)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("cluster reconcile", "err", err)
		}
		return
	}
	mine := make(map[string]bool, len(owned))
	for _, id := range owned {
		mine[id] = true
	}
	for _, id := range local {
		if !mine[id] {
			n.recheck(ctx, id)
		}
	}
}

// recheck settles one local tunnel the store does not list as ours.
func (n *Node) recheck(ctx context.Context, id string) {
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	owner, err := n.cfg.Store.ClaimOwner(cctx, id, n.cfg.NodeID)
	cancel()
	switch {
	case errors.Is(err, store.ErrClosed), errors.Is(err, store.ErrNotFound):
		n.closeLocal(ctx, id)
	case err != nil:
		if ctx.Err() == nil {
			n.log.Warn("cluster reconcile", "tunnel_id", id, "err", err)
		}
	case owner.ID != n.cfg.NodeID:
		n.log.Warn("tunnel relayed here is owned by another node; releasing its peers", "tunnel_id", id, "owner", owner.ID)
		n.relay.Release(id)
	}
}
