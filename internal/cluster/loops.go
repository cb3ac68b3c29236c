package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/adit-project/adit/internal/store"
)

// opTimeout bounds each store call of the loops.
const opTimeout = 5 * time.Second

// heartbeat renews the lease three times per lease period. It runs on its
// own, so that nothing else the node asks of the store delays it.
func (n *Node) heartbeat(ctx context.Context, me store.Node) {
	n.every(ctx, n.cfg.Lease/3, func(ctx context.Context) {
		if err := n.cfg.Store.Heartbeat(ctx, me, n.cfg.Lease); err != nil && ctx.Err() == nil {
			n.log.Warn("cluster heartbeat", "err", err)
		}
	})
}

// reap releases the tunnels of nodes silent for two lease periods: their
// connection states turn disconnected and a live node may take them over.
// (A peer reconnecting elsewhere takes a tunnel over after one period
// already; the second one keeps a database stall shorter than that from
// releasing every tunnel of a node that is alive.)
func (n *Node) reap(ctx context.Context) {
	n.every(ctx, n.cfg.Lease/3, func(ctx context.Context) {
		ids, err := n.cfg.Store.ReapDead(ctx, n.cfg.Lease, n.cfg.Now())
		if err != nil && ctx.Err() == nil {
			n.log.Warn("cluster reap dead nodes", "err", err)
		}
		if len(ids) > 0 {
			n.log.Info("released tunnels of dead nodes", "tunnels", len(ids))
		}
	})
}

// every calls f with a bounded context every period until ctx ends.
func (n *Node) every(ctx context.Context, period time.Duration, f func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, opTimeout)
		f(cctx)
		cancel()
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
	n.every(ctx, n.cfg.Reconcile, n.reconcile)
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
