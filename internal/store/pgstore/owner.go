package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/adit-project/adit/internal/store"
)

const (
	// selectClaimable reads whether tunnel $1 is open by the database's
	// clock and whether node $2 is alive.
	selectClaimable = `SELECT t.closed_at IS NULL AND t.expires_at > now(),
		EXISTS (SELECT 1 FROM nodes n WHERE n.id = $2 AND n.lease_until > now())
		FROM tunnels t WHERE t.id = $1`
	// claimOwner makes node $2 the owner of tunnel $1 unless a live node
	// owns it, and returns the owner. The upsert locks the owner row, so
	// concurrent claims wait for each other and agree.
	claimOwner = `WITH owner AS (
			INSERT INTO tunnel_owners AS o (tunnel_id, node_id) VALUES ($1, $2)
			ON CONFLICT (tunnel_id) DO UPDATE SET node_id = CASE
				WHEN EXISTS (SELECT 1 FROM nodes n WHERE n.id = o.node_id AND n.lease_until > now())
				THEN o.node_id ELSE excluded.node_id END
			RETURNING o.node_id)
		SELECT n.id, n.addr, n.embedded_broker, n.lease_until FROM owner JOIN nodes n ON n.id = owner.node_id`
)

// ClaimOwner returns the owner of tunnel tunnelID: the node that owns it
// already, if that node is alive, else node nodeID, which becomes the
// owner. Node nodeID must be registered and alive (Heartbeat). A closed or
// expired tunnel is ErrClosed, an unknown one ErrNotFound.
//
// The claim takes no lock on the tunnel row (that would order locks
// against ReapDead and CloseTunnel the other way round): a close that
// commits between the check and the claim leaves an owner row on a closed
// tunnel, which Owned ignores and the purge removes.
func (s *Store) ClaimOwner(ctx context.Context, tunnelID, nodeID string) (store.Node, error) {
	op := fmt.Sprintf("claim owner of %s for %s", tunnelID, nodeID)
	var open, alive bool
	err := s.queryRow(ctx, selectClaimable, tunnelID, nodeID).Scan(&open, &alive)
	switch {
	case errNoRows(err):
		return store.Node{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case err != nil:
		return store.Node{}, wrap(op, err)
	case !open:
		return store.Node{}, fmt.Errorf("%s: %w", op, store.ErrClosed)
	case !alive:
		return store.Node{}, fmt.Errorf("%s: node %s is not registered or its lease ran out", op, nodeID)
	}
	n, err := s.claimOwner(ctx, tunnelID, nodeID)
	switch {
	case errNoRows(err):
		return store.Node{}, fmt.Errorf("%s: the owner's node row is gone; retry", op)
	case sqlState(err) == "23503": // foreign_key_violation: deleted meanwhile
		return store.Node{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return n, wrap(op, err)
}

// claimOwner runs the claimOwner statement and returns the owner.
func (s *Store) claimOwner(ctx context.Context, tunnelID, nodeID string) (store.Node, error) {
	var n store.Node
	err := s.do(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, claimOwner, tunnelID, nodeID)
		if err != nil {
			return err
		}
		n, err = pgx.CollectExactlyOneRow(rows, scanNode)
		return err
	})
	return n, err
}
