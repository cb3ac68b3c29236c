package storemetrics

import (
	"context"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// clusterStore is a wrapped store that implements store.Cluster: its
// Cluster calls are timed like the Store ones, except Watch, which runs
// for the life of the node.
type clusterStore struct {
	*Store
	cl store.Cluster
}

var _ store.Cluster = (*clusterStore)(nil)

func (s *clusterStore) Heartbeat(ctx context.Context, n store.Node, lease time.Duration) error {
	defer s.m.since(opHeartbeat, time.Now())
	return s.cl.Heartbeat(ctx, n, lease)
}

func (s *clusterStore) Leave(ctx context.Context, id string) error {
	defer s.m.since(opLeave, time.Now())
	return s.cl.Leave(ctx, id)
}

func (s *clusterStore) Nodes(ctx context.Context) ([]store.Node, error) {
	defer s.m.since(opNodes, time.Now())
	return s.cl.Nodes(ctx)
}

func (s *clusterStore) ClaimOwner(ctx context.Context, tunnelID, nodeID string) (store.Node, error) {
	defer s.m.since(opClaimOwner, time.Now())
	return s.cl.ClaimOwner(ctx, tunnelID, nodeID)
}

func (s *clusterStore) TokenCurrent(ctx context.Context, h tunnel.TokenHash, m tunnel.Mode) (bool, error) {
	defer s.m.since(opTokenCurrent, time.Now())
	return s.cl.TokenCurrent(ctx, h, m)
}

func (s *clusterStore) Owned(ctx context.Context, nodeID string) ([]string, error) {
	defer s.m.since(opOwned, time.Now())
	return s.cl.Owned(ctx, nodeID)
}

func (s *clusterStore) ReapDead(ctx context.Context, grace time.Duration, at time.Time) ([]string, error) {
	defer s.m.since(opReapDead, time.Now())
	return s.cl.ReapDead(ctx, grace, at)
}

func (s *clusterStore) Watch(ctx context.Context, fn func(store.Change)) error {
	return s.cl.Watch(ctx, fn)
}
